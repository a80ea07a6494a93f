"""Lifecycle rows for a Running session's upkeep: token refresh, intent cleanup, spec drift and the
content sidecar's health (Ready only while the workspace answers)."""

from __future__ import annotations

from reconciler.tests.cases import START, F, T
from reconciler.tests.factories import (
    content_status,
    job,
    observed,
    pod,
    running_state,
    terminated_state,
    waiting_state,
)
from reconciler.tests.lifecycle_rows_support import C, R, Row, creating, running

# The content sidecar's shapes: starting (probe not passed), crash-looping after a kill -9, back
# after a restart, and exited for good (a Job from before the sidecar was native, restartPolicy Never).
CONTENT_STARTING = content_status({"running": {"startedAt": "2025-06-01T11:59:59Z"}})
CONTENT_CRASH_LOOP = content_status(
    waiting_state("CrashLoopBackOff", "back-off 10s restarting failed container=ambient-content"),
    restarts=1,
    lastState=terminated_state(137, "Error"),
)
CONTENT_BACK = content_status(running_state(), ready=True, restarts=1)


def _old_job_pod_with_dead_content() -> dict:
    body = pod(runner=running_state(), content=None)
    body["status"]["containerStatuses"].insert(
        0, {"name": "ambient-content", "state": terminated_state(137, "Error"), "ready": False, "restartCount": 0}
    )
    return body


def _content_down(session_body: dict) -> dict:
    """A session whose ContentServiceReady and Ready say the sidecar is down."""
    for condition in session_body["status"]["conditions"]:
        if condition["type"] in (C.CONTENT_SERVICE_READY, C.READY):
            condition.update(status="False", reason="CrashLoopBackOff")
    return session_body


UNAVAILABLE = (F, R.CONTENT_SERVICE_UNAVAILABLE)

RUNNING_ROWS = [
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
    Row(
        "running-content-starting",
        observed(creating(), job_body=job(), pod_body=pod(runner=running_state(), content=CONTENT_STARTING)),
        "Running",
        (),
        {
            C.READY: UNAVAILABLE,
            C.CONTENT_SERVICE_READY: (F, R.CONTAINER_NOT_READY),
            C.RUNNER_STARTED: (T, "ContainerRunning"),
        },
        message_contains="readiness probe has not passed",
    ),
    Row(
        "running-content-killed-restarting",
        observed(running(), job_body=job(), pod_body=pod(runner=running_state(), content=CONTENT_CRASH_LOOP)),
        "Running",
        (),
        {C.READY: UNAVAILABLE, C.CONTENT_SERVICE_READY: (F, "CrashLoopBackOff"), C.FAILED: None},
        message_contains="last exited with code 137",
    ),
    Row(
        "running-content-back",
        observed(_content_down(running()), job_body=job(), pod_body=pod(runner=running_state(), content=CONTENT_BACK)),
        "Running",
        (),
        {C.READY: (T, R.RUNNING), C.CONTENT_SERVICE_READY: (T, R.CONTAINER_READY)},
        message_contains="Session is running",
    ),
    Row(
        "running-content-exited-old-job",
        observed(running(), job_body=job(), pod_body=_old_job_pod_with_dead_content()),
        "Running",
        (),
        {C.READY: UNAVAILABLE, C.CONTENT_SERVICE_READY: (F, R.CONTAINER_EXITED)},
        message_contains="exited with code 137",
    ),
    Row(
        "running-repos-drift-waits-for-content",
        observed(
            running(generation=2, spec={"repos": [{"url": "https://github.com/org/app.git"}]}),
            job_body=job(),
            pod_body=pod(runner=running_state(), content=CONTENT_STARTING),
        ),
        "Running",
        (),
        {C.READY: UNAVAILABLE},
        fields={"observedGeneration": 1},
    ),
    Row(
        # A change with nothing for the content service to do (a new display name) is observed at
        # once, ready sidecar or not.
        "running-display-name-change-with-content-down",
        observed(
            running(generation=2, spec={"displayName": "renamed"}),
            job_body=job(),
            pod_body=pod(runner=running_state(), content=CONTENT_CRASH_LOOP),
        ),
        "Running",
        (),
        {C.READY: UNAVAILABLE},
        fields={"observedGeneration": 2},
    ),
]
