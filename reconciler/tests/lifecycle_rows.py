"""LIFECYCLE.md's phase table as data: one Row per observation the reconciler must handle."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from reconciler.lifecycle import Observed
from reconciler.tests.cases import (
    START,
    STOP,
    STOP_INACTIVITY,
    F,
    T,
    creating_conditions,
    failed_conditions,
    pending_conditions,
    running_conditions,
)
from reconciler.tests.factories import (
    NOW,
    OPTIONAL_SECRET,
    RUNNER_SECRET,
    ago,
    all_children,
    job,
    observed,
    pod,
    running_state,
    session,
    terminated_state,
    waiting_state,
)
from reconciler.timestamps import format_time
from sessions.constants import (
    ConditionReason,
    ConditionType,
)

R, C = ConditionReason, ConditionType

RUNNING_STATUS = {"jobName": "demo-job"}


@dataclass(frozen=True)
class Row:
    id: str
    observed: Observed
    phase: str
    actions: tuple[str, ...]
    conditions: dict[C, tuple[str, str] | None] = field(default_factory=dict)
    requeue: bool | None = None  # None: not checked
    fields: dict[str, Any] = field(default_factory=dict)  # status fields (None: absent)
    message_contains: str | None = None


def creating(**kwargs: Any) -> dict[str, Any]:
    return session(phase="Creating", conditions=creating_conditions(), status=RUNNING_STATUS, **kwargs)


def running(**kwargs: Any) -> dict[str, Any]:
    return session(phase="Running", conditions=running_conditions(), status=RUNNING_STATUS, **kwargs)


def stopping(annotations: dict[str, str] = STOP) -> dict[str, Any]:
    return session(phase="Stopping", conditions=running_conditions(), annotations=annotations)


def exit_row(id_: str, code: int, reason: R, message: str, *, oom: bool = False) -> Row:
    state = terminated_state(code, "OOMKilled" if oom else "Error", "boom")
    return Row(
        id_,
        observed(running(), job_body=job(), pod_body=pod(runner=state)),
        "Failed",
        ("DeleteJob",),
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
        ("DeleteJob",),
        {C.FAILED: (T, reason), C.READY: (F, R.FAILED)},
        message_contains="kubelet says no",
    )


ROWS = [
    Row(
        "first-sight",
        observed(session()),
        "Pending",
        (),
        {C.READY: (F, R.INITIALIZING)},
        requeue=True,
        fields={"startTime": format_time(NOW)},
    ),
    Row(
        "pending-stop-nothing-created",
        observed(session(phase="Pending", annotations=STOP, conditions=pending_conditions())),
        "Stopped",
        ("DeleteCopiedSecrets", "SetInteractive", "ClearIntent"),
        {C.READY: (F, R.USER_STOPPED)},
        fields={"stoppedReason": "user", "completionTime": format_time(NOW)},
    ),
    Row(
        "pending-stop-secrets-shared",
        observed(session(phase="Pending", annotations=STOP), shared=True),
        "Stopped",
        ("SetInteractive", "ClearIntent"),
    ),
    Row(
        "pending-stop-job-exists",
        observed(session(phase="Pending", annotations=STOP), job_body=job()),
        "Stopping",
        ("DeleteJob",),
        {C.READY: (F, R.STOPPING)},
        requeue=True,
    ),
    Row(
        "pending-nothing-exists",
        observed(session(phase="Pending", conditions=pending_conditions()), children=frozenset()),
        "Pending",
        ("EnsurePVC", "CopySecret", "CopySecret", "EnsureRBAC", "EnsureRunnerToken", "EnsureService", "CreateJob"),
        {C.PVC_READY: None, C.SECRETS_READY: None},
        requeue=True,
    ),
    Row(
        "pending-children-exist",
        observed(session(phase="Pending", conditions=pending_conditions())),
        "Pending",
        ("CreateJob",),
        {C.PVC_READY: (T, R.CREATED), C.SECRETS_READY: (T, R.ALL_REQUIRED_SECRETS_FOUND)},
        requeue=True,
    ),
    Row(
        "pending-required-secret-missing",
        observed(
            session(phase="Pending", conditions=pending_conditions()),
            children=all_children(copies=(OPTIONAL_SECRET,)),
            missing_secrets=frozenset({RUNNER_SECRET}),
        ),
        "Pending",
        (),
        {C.SECRETS_READY: (F, R.RUNNER_SECRET_MISSING)},
        requeue=True,
    ),
    Row(
        "pending-optional-secret-missing",
        observed(
            session(phase="Pending"),
            children=all_children(copies=(RUNNER_SECRET,)),
            missing_secrets=frozenset({OPTIONAL_SECRET}),
        ),
        "Pending",
        ("CreateJob",),
        {C.SECRETS_READY: (T, R.ALL_REQUIRED_SECRETS_FOUND)},
    ),
    Row(
        "pending-job-exists",
        observed(session(phase="Pending", generation=2), job_body=job(generation=1)),
        "Creating",
        (),
        {C.JOB_CREATED: (T, R.CREATED)},
        requeue=True,
        fields={"observedGeneration": 1, "jobName": "demo-job"},
    ),
    Row(
        "pending-job-exists-start-intent",
        observed(session(phase="Pending", annotations=START), job_body=job()),
        "Creating",
        ("ClearIntent",),
    ),
    Row(
        "pending-previous-run-job",
        observed(session(phase="Pending"), job_body=job(start_time=ago(3600))),
        "Pending",
        ("DeleteJob",),
        requeue=True,
    ),
    Row(
        "pending-previous-job-deleting",
        observed(session(phase="Pending"), job_body=job(deleting=True)),
        "Pending",
        (),
        requeue=True,
    ),
    Row("creating-no-pod-yet", observed(creating(), job_body=job()), "Creating", (), requeue=True),
    Row(
        "creating-pod-scheduled",
        observed(creating(), job_body=job(), pod_body=pod(runner=waiting_state("ContainerCreating"))),
        "Creating",
        (),
        {C.POD_SCHEDULED: (T, R.SCHEDULED)},
        requeue=True,
    ),
    Row(
        "creating-unschedulable",
        observed(
            creating(),
            job_body=job(),
            pod_body=pod(scheduled=("Unschedulable", "0/3 nodes have enough cpu")),
        ),
        "Creating",
        (),
        {C.POD_SCHEDULED: (F, "Unschedulable")},
        requeue=True,
    ),
    Row(
        "creating-unschedulable-past-deadline",
        observed(
            creating(),
            job_body=job(created_seconds_ago=700),
            pod_body=pod(scheduled=("Unschedulable", "0/3 nodes have enough cpu")),
        ),
        "Failed",
        ("DeleteJob",),
        {C.FAILED: (T, R.CREATION_TIMEOUT), C.RUNNER_STARTED: None},
        message_contains="0/3 nodes",
    ),
    Row(
        "creating-runner-running",
        observed(creating(), job_body=job(), pod_body=pod(runner=running_state())),
        "Running",
        (),
        {C.RUNNER_STARTED: (T, R.CONTAINER_RUNNING), C.READY: (T, R.RUNNING), C.REPOS_RECONCILED: (T, R.NO_REPOS)},
    ),
    Row(
        "creating-image-pull-within-grace",
        observed(
            creating(),
            job_body=job(),
            pod_body=pod(runner=waiting_state("ImagePullBackOff"), started_seconds_ago=30),
        ),
        "Creating",
        (),
        {C.FAILED: None},
        requeue=True,
    ),
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
        ("DeleteJob",),
        {C.FAILED: (T, R.TIMEOUT)},
        message_contains="deadline",
    ),
    Row(
        "running-exit-0",
        observed(running(), job_body=job(), pod_body=pod(runner=terminated_state(0, "Completed"))),
        "Completed",
        ("SetInteractive", "DeleteJob"),
        {C.READY: (F, R.COMPLETED), C.RUNNER_STARTED: (F, R.COMPLETED), C.FAILED: None},
        fields={"completionTime": format_time(NOW)},
    ),
    Row(
        "creating-exit-0-already-interactive",
        observed(creating(spec={"interactive": True}), job_body=job(), pod_body=pod(runner=terminated_state(0))),
        "Completed",
        ("DeleteJob",),
    ),
    exit_row("running-exit-1", 1, R.SDK_ERROR, "code 1"),
    exit_row("running-exit-2", 2, R.PREREQUISITE_FAILED, "code 2"),
    exit_row("running-exit-other", 3, R.RUNNER_EXIT, "code 3: boom"),
    exit_row("running-oom-killed", 137, R.OOM_KILLED, "exit code 137", oom=True),
    Row(
        "running-pod-evicted",
        observed(
            running(),
            job_body=job(),
            pod_body=pod(phase="Failed", reason="Evicted", message="node low on memory"),
        ),
        "Failed",
        ("DeleteJob",),
        {C.FAILED: (T, R.EVICTED)},
        message_contains="node low on memory",
    ),
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
    Row("stopping-job-deleting", observed(stopping(), job_body=job(deleting=True)), "Stopping", (), requeue=True),
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
        ("DeleteCopiedSecrets", "SetInteractive", "ClearIntent"),
        {C.READY: (F, R.USER_STOPPED), C.RUNNER_STARTED: (F, R.USER_STOPPED)},
        requeue=False,
        fields={"stoppedReason": "user", "completionTime": format_time(NOW)},
    ),
    Row(
        "stopping-gone-inactivity",
        observed(stopping(STOP_INACTIVITY)),
        "Stopped",
        ("DeleteCopiedSecrets", "SetInteractive", "ClearIntent"),
        fields={"stoppedReason": "inactivity"},
    ),
    Row(
        "stopping-gone-secrets-shared",
        observed(stopping(), shared=True),
        "Stopped",
        ("SetInteractive", "ClearIntent"),
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
        "running-token-stale",
        observed(running(), job_body=job(), pod_body=pod(runner=running_state()), token_age_seconds=46 * 60),
        "Running",
        ("RefreshToken",),
    ),
    Row(
        "running-token-never-refreshed",
        observed(running(), job_body=job(), pod_body=pod(runner=running_state()), token_age_seconds=None),
        "Running",
        ("RefreshToken",),
    ),
    Row(
        "running-start-intent-acted",
        observed(running(annotations=START), job_body=job(), pod_body=pod(runner=running_state())),
        "Running",
        ("ClearIntent",),
    ),
    Row(
        "running-repos-drift",
        observed(
            running(generation=2, spec={"repos": [{"url": "https://github.com/org/app.git"}]}),
            job_body=job(),
            pod_body=pod(runner=running_state()),
        ),
        "Running",
        ("ReconcileRepos",),
        fields={"observedGeneration": 1},
    ),
    Row(
        "running-workflow-drift",
        observed(
            running(generation=2, spec={"activeWorkflow": {"gitUrl": "https://github.com/org/wf.git"}}),
            job_body=job(),
            pod_body=pod(runner=running_state()),
        ),
        "Running",
        ("ReconcileWorkflow",),
        fields={"observedGeneration": 1},
    ),
    Row(
        "running-drift-nothing-to-clone",
        observed(running(generation=3), job_body=job(), pod_body=pod(runner=running_state())),
        "Running",
        (),
        fields={"observedGeneration": 3},
    ),
]
