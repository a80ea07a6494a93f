"""Start and stop: the API records intent as annotations; the reconciler acts and clears them.

`kubectl annotate` therefore does the same as these endpoints, and the API never writes status.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ambient.contract import (
    ANNOTATION_DESIRED_PHASE,
    ANNOTATION_START_REQUESTED_AT,
    ANNOTATION_STOP_REASON,
    ANNOTATION_STOP_REQUESTED_AT,
    NON_TERMINAL_PHASES,
    TERMINAL_PHASES,
    DesiredPhase,
    Phase,
    StoppedReason,
)
from ambient.exceptions import Conflict
from sessions.api_constants import CODE_INVALID_PHASE
from sessions.auth import Caller
from sessions.resource import desired_phase_of, phase_of, presented
from sessions.services.specs import with_signed_user_context
from sessions.services.writes import Change, session_write
from sessions.user_context import user_context_signing_key

KubeObject = dict[str, Any]


def _now_text() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def can_start(phase: Phase) -> bool:
    return phase in TERMINAL_PHASES


def can_stop(phase: Phase, desired: str | None) -> bool:
    # A start requested on a finished session but not yet acted on can be withdrawn by stopping.
    return phase in NON_TERMINAL_PHASES or desired == DesiredPhase.RUNNING


def _phase_conflict(action: str, phase: Phase, allowed: str) -> Conflict:
    return Conflict(
        f"Cannot {action} a session that is {phase}: only {allowed}.",
        code=CODE_INVALID_PHASE,
        details={"phase": phase.value},
    )


def session_start(*, caller: Caller, namespace: str, name: str, resource_version: str | None = None) -> KubeObject:
    """Ask the reconciler to (re)start a Completed, Failed or Stopped session.

    The run is the caller's: userContext is re-signed with their identity, never the creator's.
    """
    identity = caller.identity()

    def decide(current: KubeObject) -> Change:
        phase = phase_of(current)
        if not can_start(phase):
            raise _phase_conflict("start", phase, "Completed, Failed or Stopped sessions can be started")
        annotations: dict[str, str | None] = {
            ANNOTATION_DESIRED_PHASE: DesiredPhase.RUNNING.value,
            ANNOTATION_START_REQUESTED_AT: _now_text(),
            ANNOTATION_STOP_REQUESTED_AT: None,
            ANNOTATION_STOP_REASON: None,
        }
        metadata = current.get("metadata") or {}
        spec = with_signed_user_context(
            current.get("spec") or {},
            identity=identity,
            namespace=str(metadata.get("namespace") or namespace),
            name=str(metadata.get("name") or name),
            signing_key=user_context_signing_key(),
        )
        return "patch", {"metadata": {"annotations": annotations}, "spec": {"userContext": spec["userContext"]}}

    return presented(
        session_write(
            gateway=caller.gateway(), namespace=namespace, name=name, decide=decide, resource_version=resource_version
        )
    )


def session_stop(*, caller: Caller, namespace: str, name: str, resource_version: str | None = None) -> KubeObject:
    """Ask the reconciler to stop a session in any non-terminal phase (Pending and Creating included)."""

    def decide(current: KubeObject) -> Change:
        phase = phase_of(current)
        if not can_stop(phase, desired_phase_of(current)):
            raise _phase_conflict("stop", phase, "sessions that have not finished can be stopped")
        annotations: dict[str, str | None] = {
            ANNOTATION_DESIRED_PHASE: DesiredPhase.STOPPED.value,
            ANNOTATION_STOP_REQUESTED_AT: _now_text(),
            ANNOTATION_STOP_REASON: StoppedReason.USER.value,
            ANNOTATION_START_REQUESTED_AT: None,
        }
        return "patch", {"metadata": {"annotations": annotations}}

    return presented(
        session_write(
            gateway=caller.gateway(), namespace=namespace, name=name, decide=decide, resource_version=resource_version
        )
    )
