"""Lifecycle rows for starting a session: Pending (children, secrets, the Job) and Creating (the pod coming up)."""

from __future__ import annotations

from ambient.contract import ConditionReason, ConditionType
from reconciler.tests.cases import START, STOP, F, T, pending_conditions
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
    waiting_state,
)
from reconciler.tests.lifecycle_rows_support import Row, creating
from reconciler.timestamps import format_time

R, C = ConditionReason, ConditionType

STARTUP_ROWS = [
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
        ("DeleteRunnerToken", "DeleteCopiedSecrets", "SetInteractive", "ClearIntent"),
        {C.READY: (F, R.USER_STOPPED)},
        fields={"stoppedReason": "user", "completionTime": format_time(NOW)},
    ),
    Row(
        "pending-stop-secrets-shared",
        observed(session(phase="Pending", annotations=STOP), shared=True),
        "Stopped",
        ("DeleteRunnerToken", "SetInteractive", "ClearIntent"),
    ),
    Row(
        "pending-stop-job-exists",
        observed(session(phase="Pending", annotations=STOP), job_body=job()),
        "Stopping",
        ("DeleteJob",),
        {C.READY: (F, R.STOPPING)},
        requeue=True,
    ),
    # The pass that creates the Job reports Creating: its status is written only if every action succeeded.
    Row(
        "pending-nothing-exists",
        observed(session(phase="Pending", conditions=pending_conditions()), children=frozenset()),
        "Creating",
        ("EnsurePVC", "CopySecret", "CopySecret", "EnsureRBAC", "EnsureRunnerToken", "EnsureService", "CreateJob"),
        {
            C.PVC_READY: (T, R.CREATED),
            C.SECRETS_READY: (T, R.ALL_REQUIRED_SECRETS_FOUND),
            C.JOB_CREATED: (T, R.CREATED),
        },
        requeue=True,
        fields={"observedGeneration": 1, "jobName": "demo-job"},
    ),
    Row(
        "pending-nothing-exists-start-intent",
        observed(session(phase="Pending", annotations=START), children=frozenset()),
        "Creating",
        ("EnsurePVC", "CopySecret", "CopySecret", "EnsureRBAC", "EnsureRunnerToken", "EnsureService", "CreateJob")
        + ("ClearIntent",),
    ),
    Row(
        "pending-children-exist",
        observed(session(phase="Pending", conditions=pending_conditions(), generation=3)),
        "Creating",
        ("CreateJob",),
        {
            C.PVC_READY: (T, R.CREATED),
            C.SECRETS_READY: (T, R.ALL_REQUIRED_SECRETS_FOUND),
            C.JOB_CREATED: (T, R.CREATED),
        },
        requeue=True,
        fields={"observedGeneration": 3, "jobName": "demo-job"},
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
        "Creating",
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
        ("DeleteJob", "DeleteRunnerToken"),
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
]
