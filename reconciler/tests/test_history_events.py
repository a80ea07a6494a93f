"""Which condition transitions become Warning Events (history.event_type), and the one Event the
flips of one status write make: pure, no cluster."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ambient.contract import ConditionReason, ConditionStatus, ConditionType
from reconciler.conditions import ConditionTransition
from reconciler.services.history import NORMAL, WARNING, event_type, headline, summary_event_body

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


def test_the_flips_of_one_write_make_one_event_headed_by_the_flip_that_tells_most() -> None:
    creating = (
        _transition(C.PVC_READY, None, S.TRUE, R.CREATED),
        _transition(C.SECRETS_READY, None, S.TRUE, R.ALL_REQUIRED_SECRETS_FOUND),
        _transition(C.JOB_CREATED, None, S.TRUE, R.CREATED),
    )
    assert headline(creating) is creating[0]
    running = (
        _transition(C.RUNNER_STARTED, None, S.TRUE, R.CONTAINER_RUNNING),
        _transition(C.READY, S.FALSE, S.TRUE, R.RUNNING),
    )
    assert headline(running).reason == R.RUNNING
    lost = (
        _transition(C.RUNNER_STARTED, S.TRUE, S.FALSE, R.RUNNER_EXIT),
        _transition(C.READY, S.TRUE, S.FALSE, R.INFRASTRUCTURE_LOST),
    )
    assert headline(lost).reason == R.INFRASTRUCTURE_LOST
    failed = (*lost, _transition(C.FAILED, None, S.TRUE, R.TIMEOUT))
    assert headline(failed).reason == R.TIMEOUT

    session = {"metadata": {"name": "s", "namespace": "ns", "uid": "u", "resourceVersion": "7"}}
    body = summary_event_body(session, failed, datetime(2026, 1, 2, tzinfo=UTC))
    assert (body["type"], body["reason"]) == (WARNING, R.TIMEOUT)
    assert all(transition.type in body["message"] for transition in failed)
    assert summary_event_body(session, creating, datetime(2026, 1, 2, tzinfo=UTC))["type"] == NORMAL
