"""Lifecycle rows: a Job's verdict decides the run's end whatever its pod looks like.

Each verdict (DeadlineExceeded as Failed or only FailureTarget, a Job past its deadline before the
controller says so, Complete or only SuccessCriteriaMet, BackoffLimitExceeded) is combined with
each pod shape (running, terminated by SIGTERM, terminating, gone) in Creating and Running.
"""

from __future__ import annotations

from typing import Any

from ambient.contract import ConditionReason, ConditionType
from reconciler.tests.cases import F, T
from reconciler.tests.factories import NOW, observed, terminated_state
from reconciler.tests.lifecycle_objects import (
    BACKOFF_LIMIT_EXCEEDED,
    COMPLETE,
    DEADLINE_EXCEEDED,
    DEADLINE_EXCEEDED_INTERIM,
    DEADLINE_SECONDS,
    POD_SHAPES,
    SUCCESS_INTERIM,
    job_with,
    lost_container_pod,
    runner_pod,
)
from reconciler.tests.lifecycle_rows_support import Row, creating, running
from reconciler.timestamps import format_time

R, C = ConditionReason, ConditionType
PHASES = (("creating", creating), ("running", running))


def _timeout_rows() -> list[Row]:
    jobs: tuple[tuple[str, dict[str, Any]], ...] = (
        ("deadline-exceeded", job_with(DEADLINE_EXCEEDED, active_seconds=DEADLINE_SECONDS)),
        ("deadline-interim", job_with(DEADLINE_EXCEEDED_INTERIM, active_seconds=DEADLINE_SECONDS)),
        ("past-deadline-no-verdict-yet", job_with(active_seconds=DEADLINE_SECONDS + 1)),
    )
    return [
        Row(
            f"{phase}-{job_id}-{pod_id}",
            observed(build(), job_body=job_body, pod_body=pod_body),
            "Failed",
            ("DeleteJob", "DeleteRunnerToken"),
            {C.FAILED: (T, R.TIMEOUT), C.READY: (F, R.FAILED)},
            fields={"completionTime": format_time(NOW)},
            message_contains="timeout of 1h (3600s)",
        )
        for phase, build in PHASES
        for job_id, job_body in jobs
        for pod_id, pod_body in POD_SHAPES
    ]


def _complete_rows() -> list[Row]:
    shapes = (
        ("pod-succeeded", runner_pod(terminated_state(0, "Completed"), phase="Succeeded")),
        POD_SHAPES[2],
        POD_SHAPES[3],
    )
    return [
        Row(
            f"{phase}-{job_id}-{pod_id}",
            observed(build(), job_body=job_with(verdict), pod_body=pod_body),
            "Completed",
            ("SetInteractive", "DeleteJob", "DeleteRunnerToken"),
            {C.READY: (F, R.COMPLETED), C.FAILED: None},
        )
        for phase, build in PHASES
        for job_id, verdict in (("complete", COMPLETE), ("success-interim", SUCCESS_INTERIM))
        for pod_id, pod_body in shapes
    ]


def _backoff_rows() -> list[Row]:
    failed = BACKOFF_LIMIT_EXCEEDED
    rows = []
    for phase, build in PHASES:
        rows += [
            Row(
                f"{phase}-backoff-limit-pod-exit-1",
                observed(build(), job_body=job_with(failed), pod_body=runner_pod(terminated_state(1), phase="Failed")),
                "Failed",
                ("DeleteJob", "DeleteRunnerToken"),
                {C.FAILED: (T, R.SDK_ERROR)},
                message_contains="code 1",
            ),
            Row(
                f"{phase}-backoff-limit-pod-container-lost",
                observed(build(), job_body=job_with(failed), pod_body=lost_container_pod()),
                "Pending",
                ("DeleteJob",),
                {C.READY: (F, R.INFRASTRUCTURE_LOST), C.FAILED: None},
                fields={"infrastructureLosses": [format_time(NOW)]},
                message_contains="ContainerStatusUnknown",
            ),
            Row(
                f"{phase}-backoff-limit-pod-terminating",
                observed(build(), job_body=job_with(failed), pod_body=runner_pod(deleting=True)),
                "Failed",
                ("DeleteJob", "DeleteRunnerToken"),
                {C.FAILED: (T, R.RUNNER_EXIT)},
                message_contains="Job failed (BackoffLimitExceeded)",
            ),
            Row(
                f"{phase}-backoff-limit-pod-gone",
                observed(build(), job_body=job_with(failed)),
                "Failed",
                ("DeleteJob", "DeleteRunnerToken"),
                {C.FAILED: (T, R.RUNNER_EXIT)},
                message_contains="Job failed (BackoffLimitExceeded)",
            ),
            Row(
                # The pod read lags the Job: wait for its final status rather than guess.
                f"{phase}-backoff-limit-pod-not-final-yet",
                observed(build(), job_body=job_with(failed), pod_body=runner_pod()),
                "Running",
                (),
                {C.FAILED: None},
            ),
        ]
    return rows


VERDICT_ROWS = [
    *_timeout_rows(),
    Row(
        "running-deadline-exceeded-job-already-deleting",
        observed(running(), job_body=job_with(DEADLINE_EXCEEDED, active_seconds=DEADLINE_SECONDS, deleting=True)),
        "Failed",
        ("DeleteRunnerToken",),
        {C.FAILED: (T, R.TIMEOUT)},
    ),
    *_complete_rows(),
    *_backoff_rows(),
]
