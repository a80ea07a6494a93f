"""Lifecycle rows: each Failed reason in each phase it can happen in (Creating: the runner may end
before a pass saw it running; Running). Timeout and InfrastructureLost have their own modules."""

from __future__ import annotations

from typing import Any

from ambient.contract import ConditionReason, ConditionType
from reconciler.tests.cases import F, T
from reconciler.tests.factories import job, observed, pod, terminated_state
from reconciler.tests.lifecycle_objects import runner_pod
from reconciler.tests.lifecycle_rows_support import Row, creating, running, waiting_row

R, C = ConditionReason, ConditionType
PHASES = (("creating", creating), ("running", running))
EXITS = ((1, R.SDK_ERROR, "code 1"), (2, R.PREREQUISITE_FAILED, "code 2"), (9, R.RUNNER_EXIT, "code 9: boom"))
WAITING = ("ImagePullBackOff", "ErrImagePull", "InvalidImageName", "CreateContainerConfigError", "CrashLoopBackOff")


def _exit(phase: str, build: Any, code: int, reason: ConditionReason, message: str) -> Row:
    return Row(
        f"{phase}-exit-{code}-{reason}",
        observed(build(), job_body=job(), pod_body=pod(runner=terminated_state(code, "Error", "boom"))),
        "Failed",
        ("DeleteJob", "DeleteRunnerToken"),
        {C.FAILED: (T, reason), C.READY: (F, R.FAILED), C.RUNNER_STARTED: (F, R.RUNNER_EXIT)},
        message_contains=message,
    )


def _oom(phase: str, build: Any) -> Row:
    return Row(
        f"{phase}-oom-killed-names-the-limit",
        observed(
            build(),
            job_body=job(),
            pod_body=runner_pod(terminated_state(137, "OOMKilled"), phase="Failed", memory_limit="64Mi"),
        ),
        "Failed",
        ("DeleteJob", "DeleteRunnerToken"),
        {C.FAILED: (T, R.OOM_KILLED), C.READY: (F, R.FAILED)},
        message_contains="memory limit of 64Mi (exit code 137)",
    )


FAILURE_ROWS = [
    *(_exit(phase, build, code, reason, message) for phase, build in PHASES for code, reason, message in EXITS),
    *(_oom(phase, build) for phase, build in PHASES),
    *(waiting_row(f"{phase}-waiting-{reason}", reason, build()) for phase, build in PHASES for reason in WAITING),
]
