"""Queue keys: ``namespace/name`` strings, the only thing that travels through the queue."""

from __future__ import annotations


def session_key(namespace: str, name: str) -> str:
    if not namespace or not name or "/" in namespace or "/" in name:
        raise ValueError(f"invalid session reference: namespace={namespace!r} name={name!r}")
    return f"{namespace}/{name}"


def split_key(key: str) -> tuple[str, str]:
    """``namespace/name`` → (namespace, name); anything else is a programming error."""
    namespace, separator, name = key.partition("/")
    if not separator or not namespace or not name or "/" in name:
        raise ValueError(f"invalid session key {key!r}: expected 'namespace/name'")
    return namespace, name


def clamp_countdown(countdown: float, maximum: float) -> float:
    """A countdown within [0, maximum]: Redis re-delivers unacked messages after the visibility
    timeout, so an ETA beyond half of it would run the task twice."""
    return max(0.0, min(float(countdown), float(maximum)))
