"""The lifecycle table's Row type and the builders its rows share (rows in lifecycle_rows_*.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ambient.contract import ConditionReason, ConditionType
from reconciler.lifecycle import Observed
from reconciler.tests.cases import STOP, F, T, creating_conditions, running_conditions
from reconciler.tests.factories import NOW, job, observed, pod, session, terminated_state, waiting_state
from reconciler.timestamps import format_time

R, C = ConditionReason, ConditionType

RUNNING_STATUS = {"jobName": "demo-job"}


@dataclass(frozen=True)
class Row:
    id: str
    observed: Observed
    phase: str
    actions: tuple[str, ...]
    conditions: dict[ConditionType, tuple[str, str] | None] = field(default_factory=dict)
    requeue: bool | None = None  # None: not checked
    fields: dict[str, Any] = field(default_factory=dict)  # status fields (None: absent)
    message_contains: str | None = None


def creating(*, status: dict[str, Any] | None = None, **kwargs: Any) -> dict[str, Any]:
    return session(
        phase="Creating", conditions=creating_conditions(), status={**RUNNING_STATUS, **(status or {})}, **kwargs
    )


def running(*, status: dict[str, Any] | None = None, **kwargs: Any) -> dict[str, Any]:
    return session(
        phase="Running", conditions=running_conditions(), status={**RUNNING_STATUS, **(status or {})}, **kwargs
    )


def stopping(annotations: dict[str, str] = STOP) -> dict[str, Any]:
    return session(phase="Stopping", conditions=running_conditions(), annotations=annotations)


def exit_row(id_: str, code: int, reason: ConditionReason, message: str, *, oom: bool = False) -> Row:
    state = terminated_state(code, "OOMKilled" if oom else "Error", "boom")
    return Row(
        id_,
        observed(running(), job_body=job(), pod_body=pod(runner=state)),
        "Failed",
        ("DeleteJob", "DeleteRunnerToken"),
        {C.FAILED: (T, reason), C.READY: (F, R.FAILED), C.RUNNER_STARTED: (F, R.RUNNER_EXIT)},
        fields={"completionTime": format_time(NOW)},
        message_contains=message,
    )


def waiting_row(id_: str, reason: str, phase_session: dict[str, Any]) -> Row:
    return Row(
        id_,
        observed(
            phase_session,
            job_body=job(),
            pod_body=pod(runner=waiting_state(reason, "kubelet says no"), started_seconds_ago=200),
        ),
        "Failed",
        ("DeleteJob", "DeleteRunnerToken"),
        {C.FAILED: (T, reason), C.READY: (F, R.FAILED)},
        message_contains="kubelet says no",
    )
