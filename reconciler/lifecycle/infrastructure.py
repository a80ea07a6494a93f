"""Infrastructure loss: a new run on a new pod (same workspace PVC), at most N times per window."""

from __future__ import annotations

from datetime import datetime

from reconciler.config import ReconcilerConfig
from reconciler.lifecycle.job_state import describe_duration
from reconciler.timestamps import parse_time, seconds_between

# status field: when each recent loss happened (RFC 3339), oldest first, pruned to the window.
LOSSES_FIELD = "infrastructureLosses"


def losses_in_window(recorded: object, now: datetime, config: ReconcilerConfig) -> list[str]:
    """Earlier losses still inside the window (malformed entries are dropped, never fatal)."""
    kept = []
    for value in recorded if isinstance(recorded, list) else ():
        moment = parse_time(value if isinstance(value, str) else None)
        if moment is not None and seconds_between(moment, now) < config.infrastructure_restart_window_seconds:
            kept.append(str(value))
    return kept


def restart_message(cause: str, count: int, config: ReconcilerConfig) -> str:
    window = describe_duration(config.infrastructure_restart_window_seconds)
    return (
        f"Pod lost to the infrastructure ({cause}); starting a new pod on the same workspace "
        f"(restart {count} of {config.infrastructure_restart_limit} allowed per {window})"
    )


def give_up_message(cause: str, count: int, config: ReconcilerConfig) -> str:
    window = describe_duration(config.infrastructure_restart_window_seconds)
    return (
        f"Pod lost to the infrastructure {count} times within {window} "
        f"(limit {config.infrastructure_restart_limit}); last: {cause}"
    )
