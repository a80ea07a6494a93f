"""Lifecycle rows that go back to Pending: a vanished Job or pod, or a start intent on a finished session."""

from __future__ import annotations

from ambient.contract import ConditionReason, ConditionType, token_secret_name
from reconciler.manifests import Kind
from reconciler.tests.cases import START, F, T, failed_conditions, pending_conditions
from reconciler.tests.factories import NAME, NOW, ago, all_children, job, observed, session
from reconciler.tests.lifecycle_rows_support import Row, running
from reconciler.timestamps import format_time

R, C = ConditionReason, ConditionType

# What a finished run leaves behind: everything but the token Secret, deleted when the run ended.
AFTER_RUN = all_children() - {(Kind.SECRET.value, token_secret_name(NAME))}

RESTART_ROWS = [
    Row(
        "running-pod-vanished",
        observed(running(), job_body=job()),
        "Pending",
        ("DeleteJob",),
        {C.READY: (F, R.RESTARTING)},
    ),
    Row(
        "failed-start-intent",
        observed(
            session(
                phase="Failed",
                annotations=START,
                conditions=failed_conditions(),
                status={"completionTime": ago(60)},
            ),
            job_body=job(),
        ),
        "Pending",
        ("DeleteJob",),
        {
            C.FAILED: None,
            C.RUNNER_STARTED: None,
            C.POD_SCHEDULED: None,
            C.JOB_CREATED: None,
            C.READY: (F, R.INITIALIZING),
            C.PVC_READY: (T, R.CREATED),
        },
        requeue=True,
        fields={"completionTime": None, "startTime": format_time(NOW)},
    ),
    Row(
        "stopped-start-intent",
        observed(
            session(phase="Stopped", annotations=START, status={"stoppedReason": "user", "completionTime": ago(9)})
        ),
        "Pending",
        (),
        fields={"stoppedReason": None, "completionTime": None},
    ),
    Row(
        "completed-start-intent",
        observed(session(phase="Completed", annotations=START, status={"completionTime": ago(9)})),
        "Pending",
        (),
        fields={"completionTime": None},
    ),
    Row(
        "restarted-pending-mints-a-new-token",
        observed(session(phase="Pending", conditions=pending_conditions()), children=AFTER_RUN),
        "Creating",
        ("EnsureRunnerToken", "CreateJob"),
        {C.PVC_READY: (T, R.CREATED), C.SECRETS_READY: (T, R.ALL_REQUIRED_SECRETS_FOUND)},
        requeue=True,
    ),
]
