"""Lifecycle rows for a run that ends by itself: the runner never starts, exits or hits its deadline."""

from __future__ import annotations

from ambient.contract import ConditionReason, ConditionType
from reconciler.tests.cases import F, T
from reconciler.tests.factories import NOW, job, observed, pod, terminated_state
from reconciler.tests.lifecycle_rows_support import Row, creating, exit_row, running, waiting_row
from reconciler.timestamps import format_time

R, C = ConditionReason, ConditionType

ENDING_ROWS = [
    waiting_row("creating-image-pull-backoff", "ImagePullBackOff", creating()),
    waiting_row("creating-err-image-pull", "ErrImagePull", creating()),
    waiting_row("creating-invalid-image-name", "InvalidImageName", creating()),
    waiting_row("creating-create-container-config-error", "CreateContainerConfigError", creating()),
    waiting_row("running-image-pull-backoff", "ImagePullBackOff", running()),
    Row(
        "running-deadline-exceeded",
        observed(
            running(),
            job_body=job(failed=("DeadlineExceeded", "Job was active longer than specified deadline")),
            pod_body=pod(runner=terminated_state(143)),
        ),
        "Failed",
        ("DeleteJob", "DeleteRunnerToken"),
        {C.FAILED: (T, R.TIMEOUT)},
        message_contains="ran longer than its timeout",
    ),
    Row(
        "running-exit-0",
        observed(running(), job_body=job(), pod_body=pod(runner=terminated_state(0, "Completed"))),
        "Completed",
        ("SetInteractive", "DeleteJob", "DeleteRunnerToken"),
        {C.READY: (F, R.COMPLETED), C.RUNNER_STARTED: (F, R.COMPLETED), C.FAILED: None},
        fields={"completionTime": format_time(NOW)},
    ),
    Row(
        "creating-exit-0-already-interactive",
        observed(creating(spec={"interactive": True}), job_body=job(), pod_body=pod(runner=terminated_state(0))),
        "Completed",
        ("DeleteJob", "DeleteRunnerToken"),
    ),
    exit_row("running-exit-1", 1, R.SDK_ERROR, "code 1"),
    exit_row("running-exit-2", 2, R.PREREQUISITE_FAILED, "code 2"),
    exit_row("running-exit-other", 3, R.RUNNER_EXIT, "code 3: boom"),
    exit_row("running-oom-killed", 137, R.OOM_KILLED, "exit code 137", oom=True),
]
