"""Which condition transitions become Warning Events (history.event_type): pure, no cluster."""

from __future__ import annotations

import pytest

from ambient.contract import ConditionReason, ConditionStatus, ConditionType
from reconciler.conditions import ConditionTransition
from reconciler.services.history import NORMAL, WARNING, event_type

R, C, S = ConditionReason, ConditionType, ConditionStatus


def _transition(type_: ConditionType, old: str | None, new: str | None, reason: str) -> ConditionTransition:
    return ConditionTransition(type=type_, old_status=old, new_status=new, reason=reason, message="")


@pytest.mark.parametrize(
    ("transition", "expected"),
    [
        # A pod lost to the infrastructure restarts the run, but it is still something that went wrong.
        (_transition(C.READY, S.TRUE, S.FALSE, R.INFRASTRUCTURE_LOST), WARNING),
        (_transition(C.READY, S.FALSE, S.FALSE, R.INFRASTRUCTURE_LOST), WARNING),
        (_transition(C.FAILED, None, S.TRUE, R.INFRASTRUCTURE_LOST), WARNING),
        (_transition(C.RUNNER_STARTED, S.TRUE, S.FALSE, R.RUNNER_EXIT), WARNING),
        (_transition(C.SECRETS_READY, None, S.FALSE, R.RUNNER_SECRET_MISSING), WARNING),
        (_transition(C.READY, S.FALSE, S.FALSE, R.RESTARTING), NORMAL),
        (_transition(C.READY, S.TRUE, S.FALSE, R.USER_STOPPED), NORMAL),
        (_transition(C.READY, S.FALSE, S.TRUE, R.RUNNING), NORMAL),
        (_transition(C.FAILED, S.TRUE, None, ""), NORMAL),
    ],
    ids=lambda value: (
        f"{value.type}-{value.new_status}-{value.reason}" if isinstance(value, ConditionTransition) else ""
    ),
)
def test_event_type(transition: ConditionTransition, expected: str) -> None:
    assert event_type(transition) == expected
