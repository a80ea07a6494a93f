"""Recording a content-service outcome on top of the pass's own decision (pure)."""

from __future__ import annotations

from typing import Any

from ambient.contract import ConditionStatus, ConditionType
from reconciler.conditions import get_condition
from reconciler.lifecycle import Observed, ReconcileRepos, decide
from reconciler.lifecycle.content import content_sync_recorded
from reconciler.tests.cases import running_conditions
from reconciler.tests.factories import CONFIG, NOW, job, observed, pod, running_state, session

REPO = "https://github.com/org/app.git"


def running(spec: dict[str, Any], *, generation: int = 2, status: dict[str, Any] | None = None) -> Observed:
    body = session(phase="Running", generation=generation, spec=spec, conditions=running_conditions())
    body["status"].update(status or {})
    return observed(body, job_body=job(), pod_body=pod(runner=running_state()))


def _ready(name: str = "app") -> dict[str, Any]:
    return {"name": name, "url": REPO, "status": "Ready", "clonedAt": "2026-12-01T12:00:00Z"}


def test_a_successful_sync_is_recorded_with_the_passes_other_changes() -> None:
    world = running({"repos": [{"url": REPO}]})
    decision = decide(world, CONFIG, NOW)
    assert any(isinstance(action, ReconcileRepos) for action in decision.actions)

    recorded = content_sync_recorded(
        world, decision, generation=2, repos=[_ready()], workflow=None, sdk_restarted=True, now=NOW
    )

    assert recorded.status_patch["reconciledRepos"] == [_ready()]
    assert recorded.status_patch["sdkRestartCount"] == 1
    assert recorded.status_patch["observedGeneration"] == 2
    condition = get_condition(recorded.status["conditions"], ConditionType.REPOS_RECONCILED)
    assert condition is not None and condition["status"] == ConditionStatus.TRUE
    assert recorded.actions == decision.actions
    # Once recorded, the next pass has nothing left to do for the content service.
    settled = observed(
        {**dict(world.session), "status": recorded.status}, job_body=job(), pod_body=pod(runner=running_state())
    )
    assert not any(isinstance(action, ReconcileRepos) for action in decide(settled, CONFIG, NOW).actions)


def test_a_failed_clone_keeps_the_generation_and_names_the_error() -> None:
    world = running({"repos": [{"url": REPO}, {"url": "https://github.com/org/docs.git"}]})
    decision = decide(world, CONFIG, NOW)
    failed = {
        "name": "docs",
        "url": "https://github.com/org/docs.git",
        "status": "Failed",
        "message": "repository not found",
    }

    recorded = content_sync_recorded(
        world, decision, generation=2, repos=[_ready(), failed], workflow=None, sdk_restarted=True, now=NOW
    )

    assert "observedGeneration" not in recorded.status_patch
    assert recorded.status_patch["sdkRestartCount"] == 1  # the good clone still restarted the SDK
    condition = get_condition(recorded.status["conditions"], ConditionType.REPOS_RECONCILED)
    assert condition is not None
    assert (condition["status"], condition["reason"]) == (ConditionStatus.FALSE, "CloneFailed")
    assert "docs (repository not found)" in condition["message"]


def test_a_failed_workflow_names_the_error() -> None:
    world = running({"activeWorkflow": {"gitUrl": REPO, "path": "flows"}})
    decision = decide(world, CONFIG, NOW)
    workflow = {"gitUrl": REPO, "path": "flows", "status": "Failed", "message": "no such path"}

    recorded = content_sync_recorded(
        world, decision, generation=2, repos=[], workflow=workflow, sdk_restarted=False, now=NOW
    )

    condition = get_condition(recorded.status["conditions"], ConditionType.WORKFLOW_RECONCILED)
    assert condition is not None and condition["status"] == ConditionStatus.FALSE
    assert condition["message"].endswith("no such path")
    assert recorded.status["reconciledWorkflow"] == workflow
    assert "observedGeneration" not in recorded.status_patch
