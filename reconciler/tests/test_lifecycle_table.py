"""LIFECYCLE.md's phase table, one row (or more) per case (rows in lifecycle_rows_*.py, via lifecycle_rows.py)."""

from __future__ import annotations

from typing import Any

import pytest

from ambient.contract import (
    ANNOTATION_DESIRED_PHASE,
    ANNOTATION_STOP_REQUESTED_AT,
    TERMINAL_PHASES,
    ConditionType,
    token_secret_name,
)
from reconciler.conditions import get_condition
from reconciler.lifecycle import ClearIntent, DeleteRunnerToken, decide
from reconciler.tests.cases import STOP, T, failed_conditions, running_conditions
from reconciler.tests.factories import CONFIG, NAME, NOW, job, observed, pod, running_state, session
from reconciler.tests.lifecycle_rows import ROWS
from reconciler.tests.lifecycle_rows_support import Row, running, stopping

C = ConditionType


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_lifecycle_row(row: Row) -> None:
    decision = decide(row.observed, CONFIG, NOW)

    assert decision.status["phase"] == row.phase
    assert tuple(type(action).__name__ for action in decision.actions) == row.actions
    conditions = decision.status.get("conditions")
    for type_, expected in row.conditions.items():
        found = get_condition(conditions, type_)
        if expected is None:
            assert found is None, f"{type_} should be absent, got {found}"
        else:
            assert found is not None, f"{type_} missing"
            assert (found["status"], found["reason"]) == expected
    if row.requeue is not None:
        assert (decision.requeue_after is not None) == row.requeue
    for key, value in row.fields.items():
        assert decision.status.get(key) == value, key
    if row.message_contains:
        assert row.message_contains in decision.status["message"]
    # A phase change is always written; and a failed session always says why.
    if row.phase != row.observed.status.get("phase"):
        assert decision.status_patch["phase"] == row.phase
    if row.phase == "Failed":
        failed = get_condition(conditions, C.FAILED)
        assert failed is not None and failed["status"] == T


TERMINAL_NO_WRITE = [
    session(phase="Completed", conditions=running_conditions()),
    session(phase="Failed", conditions=failed_conditions()),
    session(phase="Stopped", conditions=running_conditions()),
    session(phase="Stopped", annotations=STOP),
    session(phase="Failed", annotations={ANNOTATION_DESIRED_PHASE: "Bogus"}),
]


@pytest.mark.parametrize("body", TERMINAL_NO_WRITE, ids=lambda body: body["status"]["phase"])
def test_terminal_without_start_intent_writes_nothing(body: dict[str, Any]) -> None:
    decision = decide(observed(body, job_body=job(), pod_body=pod(runner=running_state())), CONFIG, NOW)

    assert decision.is_noop
    assert decision.transitions == ()
    assert decision.warnings == ()
    assert decision.requeue_after is None


def test_unknown_intent_is_ignored_with_a_warning() -> None:
    body = running(annotations={ANNOTATION_DESIRED_PHASE: "Paused"})

    decision = decide(observed(body, job_body=job(), pod_body=pod(runner=running_state())), CONFIG, NOW)

    assert decision.status["phase"] == "Running"
    assert decision.actions == ()
    assert decision.warnings and "Paused" in decision.warnings[0]


def test_stop_intent_cleared_keys_spare_a_newer_start_request() -> None:
    annotations = {ANNOTATION_DESIRED_PHASE: "Running", ANNOTATION_STOP_REQUESTED_AT: "2025-06-01T11:59:00Z"}

    decision = decide(observed(stopping(annotations)), CONFIG, NOW)

    assert decision.status["phase"] == "Stopped"
    clear = [action for action in decision.actions if isinstance(action, ClearIntent)]
    assert clear[0].annotations == (ANNOTATION_STOP_REQUESTED_AT,)


ENDING_ROW_IDS = [
    row.id for row in ROWS if row.phase in TERMINAL_PHASES and row.observed.status.get("phase") != row.phase
]


@pytest.mark.parametrize("row_id", ENDING_ROW_IDS)
def test_every_ending_revokes_this_sessions_runner_token(row_id: str) -> None:
    row = next(row for row in ROWS if row.id == row_id)

    decision = decide(row.observed, CONFIG, NOW)

    revocations = [action for action in decision.actions if isinstance(action, DeleteRunnerToken)]
    assert revocations == [DeleteRunnerToken(token_secret_name(NAME))]
