"""Lifecycle rows for a healthy Running session's upkeep: token refresh, intent cleanup and spec drift."""

from __future__ import annotations

from reconciler.tests.cases import START
from reconciler.tests.factories import job, observed, pod, running_state
from reconciler.tests.lifecycle_rows_support import Row, running

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
]
