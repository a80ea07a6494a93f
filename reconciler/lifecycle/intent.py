"""The intent annotations: what the user asked for, and which keys to clear once it is done."""

from __future__ import annotations

from dataclasses import dataclass

from ambient.contract import (
    ANNOTATION_DESIRED_PHASE,
    ANNOTATION_STOP_REASON,
    INTENT_ANNOTATIONS,
    START_INTENT_ANNOTATIONS,
    STOP_INTENT_ANNOTATIONS,
    STOP_REASON_INACTIVITY,
    DesiredPhase,
    StoppedReason,
)
from reconciler.lifecycle.observed import Observed


@dataclass(frozen=True)
class Intent:
    desired: DesiredPhase | None
    # A desired-phase value we do not understand; ignored (not cleared, so the user sees and fixes it).
    unknown_value: str | None

    @property
    def stop(self) -> bool:
        return self.desired is DesiredPhase.STOPPED

    @property
    def start(self) -> bool:
        return self.desired is DesiredPhase.RUNNING


def read_intent(observed: Observed) -> Intent:
    value = observed.annotations.get(ANNOTATION_DESIRED_PHASE)
    if value is None:
        return Intent(None, None)
    try:
        return Intent(DesiredPhase(value), None)
    except ValueError:
        return Intent(None, value)


def unknown_intent_warning(intent: Intent) -> tuple[str, ...]:
    if intent.unknown_value is None:
        return ()
    return (
        f"Ignoring {ANNOTATION_DESIRED_PHASE}={intent.unknown_value!r}: "
        f"expected {DesiredPhase.RUNNING.value!r} or {DesiredPhase.STOPPED.value!r}",
    )


def keys_to_clear(observed: Observed, acted_on: DesiredPhase) -> tuple[str, ...]:
    """Annotations to remove after acting on `acted_on`, never a newer intent of the other kind.

    If desired-phase still holds what we acted on, the whole intent is spent (including a stale
    request timestamp of the other kind); if the user has since asked for the opposite, only the
    keys belonging to what we did go.
    """
    annotations = observed.annotations
    if annotations.get(ANNOTATION_DESIRED_PHASE) == acted_on.value:
        candidates: tuple[str, ...] = INTENT_ANNOTATIONS
    else:
        own = STOP_INTENT_ANNOTATIONS if acted_on is DesiredPhase.STOPPED else START_INTENT_ANNOTATIONS
        candidates = tuple(key for key in own if key != ANNOTATION_DESIRED_PHASE)
    return tuple(key for key in candidates if key in annotations)


def stopped_reason(observed: Observed) -> StoppedReason:
    if observed.annotations.get(ANNOTATION_STOP_REASON) == STOP_REASON_INACTIVITY:
        return StoppedReason.INACTIVITY
    return StoppedReason.USER
