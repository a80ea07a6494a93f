"""Reading an AgenticSession dict as the API server returns it (no I/O)."""

from __future__ import annotations

from typing import Any

from ambient.contract import ANNOTATION_DESIRED_PHASE, Phase

KubeObject = dict[str, Any]


def phase_of(session: KubeObject) -> Phase:
    """The session's phase; a CR the reconciler has not seen yet (no status) counts as Pending."""
    raw = (session.get("status") or {}).get("phase") or ""
    try:
        return Phase(raw)
    except ValueError:
        return Phase.PENDING


def desired_phase_of(session: KubeObject) -> str | None:
    return annotations_of(session).get(ANNOTATION_DESIRED_PHASE)


def annotations_of(session: KubeObject) -> dict[str, str]:
    return dict((session.get("metadata") or {}).get("annotations") or {})


def labels_of(session: KubeObject) -> dict[str, str]:
    return dict((session.get("metadata") or {}).get("labels") or {})


def resource_version_of(session: KubeObject) -> str:
    return str((session.get("metadata") or {}).get("resourceVersion") or "")


def presented(session: KubeObject) -> KubeObject:
    """The CR as stored, minus `managedFields` (API.md: responses are the CR as stored)."""
    metadata = dict(session.get("metadata") or {})
    metadata.pop("managedFields", None)
    return {**session, "metadata": metadata}
