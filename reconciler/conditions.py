"""metav1.Condition helpers.

Pure: they take a list of condition dicts and return a new list plus what changed, so one
reconcile pass can collect every transition and the task layer can turn each into an Event and a
history row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ambient.contract import ConditionStatus
from reconciler.timestamps import format_time

Condition = dict[str, Any]


@dataclass(frozen=True)
class ConditionTransition:
    """A condition whose status or reason changed (new_status None: the condition was removed).

    Only a status flip moves lastTransitionTime; a reason change is still reported because it
    tells the story (Ready False/Initializing → False/Stopping) in Events and the condition history.
    """

    type: str
    old_status: str | None
    new_status: str | None
    reason: str
    message: str

    @property
    def status_changed(self) -> bool:
        return self.old_status != self.new_status


def get_condition(conditions: Sequence[Mapping[str, Any]] | None, type_: str) -> Mapping[str, Any] | None:
    for condition in conditions or ():
        if condition.get("type") == type_:
            return condition
    return None


def is_condition_true(conditions: Sequence[Mapping[str, Any]] | None, type_: str) -> bool:
    condition = get_condition(conditions, type_)
    return condition is not None and condition.get("status") == ConditionStatus.TRUE


def set_condition(
    conditions: Sequence[Mapping[str, Any]] | None,
    *,
    type_: str,
    status: str,
    reason: str,
    message: str,
    observed_generation: int | None,
    now: datetime,
) -> tuple[list[Condition], ConditionTransition | None]:
    """Upsert one condition; lastTransitionTime moves only when the status flips."""
    updated: list[Condition] = [dict(condition) for condition in conditions or ()]
    existing = next((condition for condition in updated if condition.get("type") == type_), None)
    new_condition: Condition = {
        "type": str(type_),
        "status": str(status),
        "reason": str(reason),
        "message": message,
        "lastTransitionTime": format_time(now),
    }
    if observed_generation is not None:
        new_condition["observedGeneration"] = observed_generation
    if existing is None:
        updated.append(new_condition)
        return updated, ConditionTransition(str(type_), None, str(status), str(reason), message)

    old_status, old_reason = existing.get("status"), existing.get("reason")
    if old_status == status and existing.get("lastTransitionTime"):
        new_condition["lastTransitionTime"] = existing["lastTransitionTime"]
    existing.clear()
    existing.update(new_condition)
    if old_status == status and old_reason == reason:
        return updated, None
    return updated, ConditionTransition(str(type_), old_status, str(status), str(reason), message)


def remove_condition(
    conditions: Sequence[Mapping[str, Any]] | None, type_: str
) -> tuple[list[Condition], ConditionTransition | None]:
    existing = get_condition(conditions, type_)
    remaining = [dict(condition) for condition in conditions or () if condition.get("type") != type_]
    if existing is None:
        return remaining, None
    transition = ConditionTransition(str(type_), existing.get("status"), None, "", "")
    return remaining, transition
