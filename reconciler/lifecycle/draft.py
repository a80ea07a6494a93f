"""The next status under construction: conditions, fields and the transitions they caused."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ambient.contract import ConditionStatus, ConditionType, Phase
from reconciler.conditions import ConditionTransition, get_condition, remove_condition, set_condition
from reconciler.lifecycle.actions import Action
from reconciler.lifecycle.merge_patch import json_copy, merge_patch
from reconciler.lifecycle.observed import Decision, Observed
from reconciler.timestamps import format_time


class StatusDraft:
    def __init__(self, observed: Observed, now: datetime) -> None:
        self.observed = observed
        self.now = now
        self.status: dict[str, Any] = json_copy(observed.status)
        self.transitions: list[ConditionTransition] = []

    @property
    def phase(self) -> str | None:
        return self.status.get("phase")

    @phase.setter
    def phase(self, phase: Phase) -> None:
        self.status["phase"] = phase.value

    @property
    def now_text(self) -> str:
        return format_time(self.now)

    def set_condition(self, type_: ConditionType, status: ConditionStatus, reason: str, message: str = "") -> None:
        conditions, transition = set_condition(
            self.status.get("conditions"),
            type_=type_,
            status=status,
            reason=reason,
            message=message,
            observed_generation=self.observed.generation,
            now=self.now,
        )
        self.status["conditions"] = conditions
        if transition is not None:
            self.transitions.append(transition)

    def condition_true(self, type_: ConditionType, reason: str, message: str = "") -> None:
        self.set_condition(type_, ConditionStatus.TRUE, reason, message)

    def condition_false(self, type_: ConditionType, reason: str, message: str = "") -> None:
        self.set_condition(type_, ConditionStatus.FALSE, reason, message)

    def remove_condition(self, type_: ConditionType) -> None:
        conditions, transition = remove_condition(self.status.get("conditions"), type_)
        self.status["conditions"] = conditions
        if transition is not None:
            self.transitions.append(transition)

    def has_condition(self, type_: ConditionType) -> bool:
        return get_condition(self.status.get("conditions"), type_) is not None

    def pop(self, *fields: str) -> None:
        for field in fields:
            self.status.pop(field, None)

    def unchanged(self, *, warnings: tuple[str, ...] = ()) -> Decision:
        """Leave the session exactly as read: no status write, no actions."""
        return Decision(status=json_copy(self.observed.status), status_patch={}, warnings=warnings)

    def finish(
        self,
        actions: list[Action] | tuple[Action, ...] = (),
        *,
        requeue_after: float | None = None,
        warnings: tuple[str, ...] = (),
    ) -> Decision:
        # status.message mirrors the summary condition so `kubectl get` and the API agree.
        ready = get_condition(self.status.get("conditions"), ConditionType.READY)
        if ready is not None and ready.get("message"):
            self.status["message"] = ready["message"]
        if self.status.get("conditions") == [] and "conditions" not in self.observed.status:
            del self.status["conditions"]
        return Decision(
            status=self.status,
            status_patch=merge_patch(self.observed.status, self.status),
            actions=tuple(actions),
            transitions=tuple(self.transitions),
            requeue_after=requeue_after,
            warnings=warnings,
        )


def earliest(*delays: float | None) -> float | None:
    """The soonest of several requeue countdowns (None: no need to come back)."""
    present = [max(delay, 0.0) for delay in delays if delay is not None]
    return min(present) if present else None
