"""Lifecycle rows for a stop intent: Creating/Running to Stopping, and Stopping until everything is gone."""

from __future__ import annotations

from ambient.contract import ConditionReason, ConditionType
from reconciler.tests.cases import STOP, STOP_INACTIVITY, F
from reconciler.tests.factories import NOW, job, observed, pod, running_state
from reconciler.tests.lifecycle_rows_support import Row, creating, running, stopping
from reconciler.timestamps import format_time

R, C = ConditionReason, ConditionType

STOPPING_ROWS = [
    Row(
        "creating-stop",
        observed(creating(annotations=STOP), job_body=job()),
        "Stopping",
        ("DeleteJob",),
        {C.READY: (F, R.STOPPING)},
        requeue=True,
    ),
    Row(
        "running-stop",
        observed(running(annotations=STOP), job_body=job(), pod_body=pod(runner=running_state())),
        "Stopping",
        ("DeleteJob",),
        {C.READY: (F, R.STOPPING)},
        requeue=True,
    ),
    Row(
        "stopping-job-present",
        observed(stopping(), job_body=job(), pod_body=pod(runner=running_state())),
        "Stopping",
        ("DeleteJob",),
        requeue=True,
    ),
    Row(
        "stopping-job-deleting-pod-terminating",
        observed(stopping(), job_body=job(deleting=True), pod_body=pod(runner=running_state(), deleting=True)),
        "Stopping",
        (),
        requeue=True,
    ),
    Row(
        "stopping-job-deleting-pod-gone",
        observed(stopping(), job_body=job(deleting=True)),
        "Stopped",
        ("DeleteRunnerToken", "DeleteCopiedSecrets", "SetInteractive", "ClearIntent"),
        {C.READY: (F, R.USER_STOPPED), C.RUNNER_STARTED: (F, R.USER_STOPPED)},
        fields={"stoppedReason": "user", "completionTime": format_time(NOW)},
    ),
    Row(
        "stopping-orphan-pod",
        observed(stopping(), pod_body=pod(runner=running_state())),
        "Stopping",
        ("DeletePod",),
        requeue=True,
    ),
    Row(
        "stopping-gone",
        observed(stopping()),
        "Stopped",
        ("DeleteRunnerToken", "DeleteCopiedSecrets", "SetInteractive", "ClearIntent"),
        {C.READY: (F, R.USER_STOPPED), C.RUNNER_STARTED: (F, R.USER_STOPPED)},
        requeue=False,
        fields={"stoppedReason": "user", "completionTime": format_time(NOW)},
    ),
    Row(
        "stopping-gone-inactivity",
        observed(stopping(STOP_INACTIVITY)),
        "Stopped",
        ("DeleteRunnerToken", "DeleteCopiedSecrets", "SetInteractive", "ClearIntent"),
        {C.READY: (F, R.INACTIVITY_TIMEOUT), C.RUNNER_STARTED: (F, R.USER_STOPPED)},
        fields={"stoppedReason": "inactivity"},
    ),
    Row(
        "stopping-gone-secrets-shared",
        observed(stopping(), shared=True),
        "Stopped",
        ("DeleteRunnerToken", "SetInteractive", "ClearIntent"),
    ),
    Row(
        "running-job-vanished",
        observed(running()),
        "Pending",
        (),
        {C.READY: (F, R.RESTARTING), C.RUNNER_STARTED: None, C.JOB_CREATED: None},
        requeue=True,
        fields={"startTime": format_time(NOW)},
    ),
]
