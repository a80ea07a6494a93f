"""Idempotence: a converged session decides to do nothing, and every status reaches a fixed point."""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from ambient.contract import ConditionReason, ConditionStatus, ConditionType
from reconciler.conditions import get_condition
from reconciler.lifecycle import (
    CreateJob,
    Decision,
    Observed,
    apply_merge_patch,
    decide,
    decide_action_failure,
    record_content_sync,
)
from reconciler.manifests import Kind
from reconciler.tests.cases import running_conditions
from reconciler.tests.factories import CONFIG, NOW, job, observed, pod, running_state, session
from reconciler.tests.lifecycle_rows import ROWS
from reconciler.tests.lifecycle_rows_support import Row


def with_status(current: Observed, decision: Decision) -> Observed:
    body = copy.deepcopy(dict(current.session))
    body["status"] = apply_merge_patch(current.status, decision.status_patch)
    return replace(current, session=body)


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_status_patch_reproduces_the_next_status(row: Row) -> None:
    decision = decide(row.observed, CONFIG, NOW)

    assert apply_merge_patch(row.observed.status, decision.status_patch) == decision.status


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_status_reaches_a_fixed_point_when_nothing_else_changes(row: Row) -> None:
    """Nothing changes but what the passes' own actions create (a status is written only once they
    succeeded, so it may already count on them, e.g. Creating from the pass that creates the Job)."""
    current = row.observed
    for _ in range(4):
        decision = decide(current, CONFIG, NOW)
        if not decision.status_patch:
            break
        current = simulate(current, decision)
    assert decide(current, CONFIG, NOW).status_patch == {}


def test_converged_running_session_makes_no_writes() -> None:
    first = observed(session(phase="Creating"), job_body=job(), pod_body=pod(runner=running_state()))
    settled = with_status(first, decide(first, CONFIG, NOW))

    again = decide(settled, CONFIG, NOW + timedelta(seconds=30))

    assert again.is_noop
    assert again.transitions == ()
    # Only the token refresh is due later; nothing polls in between.
    assert again.requeue_after == pytest.approx(CONFIG.token_refresh_age_seconds - 90)


def simulate(world: Observed, decision: Decision) -> Observed:
    """Apply a decision's actions the way a perfect executor and Job controller would."""
    children = set(world.children)
    job_body = world.job
    for action in decision.actions:
        if isinstance(action, CreateJob):
            job_body = copy.deepcopy(action.manifest)
            job_body["metadata"]["creationTimestamp"] = "2025-06-01T12:00:00Z"
            children.add((Kind.JOB.value, job_body["metadata"]["name"]))
        for manifest in getattr(action, "manifests", ()) or (getattr(action, "manifest", None),):
            if manifest:
                children.add((manifest["kind"], manifest["metadata"]["name"]))
        for attribute in ("secret_name", "name"):
            if type(action).__name__ in ("EnsureRunnerToken", "CopySecret") and hasattr(action, attribute):
                children.add((Kind.SECRET.value, getattr(action, attribute)))
    return with_status(replace(world, children=frozenset(children), job=job_body), decision)


def test_a_new_session_walks_to_running_then_stops_writing() -> None:
    world = observed(session(), children=frozenset())
    phases = []
    for _ in range(6):
        decision = decide(world, CONFIG, NOW)
        phases.append(decision.status["phase"])
        world = simulate(world, decision)
        if world.job is not None and world.pod is None and decision.status["phase"] == "Creating":
            world = replace(world, pod=pod(runner=running_state()))
    # First sight, then one pass creates every child and the Job (Creating), then the pod runs.
    assert phases[:3] == ["Pending", "Creating", "Running"]
    assert decide(world, CONFIG, NOW).is_noop
    ready = get_condition(world.status["conditions"], ConditionType.READY)
    assert ready is not None and (ready["status"], ready["reason"]) == ("True", "Running")
    assert world.status["observedGeneration"] == 1


def test_a_failed_action_sets_its_condition_and_keeps_the_phase() -> None:
    world = observed(session(phase="Pending"))
    create = next(action for action in decide(world, CONFIG, NOW).actions if isinstance(action, CreateJob))

    decision = decide_action_failure(world, create, "admission webhook denied the Job", NOW)

    assert decision.status_patch.get("phase") is None
    found = get_condition(decision.status["conditions"], ConditionType.JOB_CREATED)
    assert found is not None
    assert (found["status"], found["reason"]) == (ConditionStatus.FALSE, ConditionReason.CREATE_FAILED)
    assert decision.actions == ()


def running_with(spec: dict[str, Any], generation: int = 2) -> Observed:
    return observed(
        session(phase="Running", generation=generation, spec=spec, conditions=running_conditions()),
        job_body=job(),
        pod_body=pod(runner=running_state()),
    )


def test_content_sync_success_advances_observed_generation_and_restart_count() -> None:
    world = running_with({"repos": [{"url": "https://github.com/org/app.git"}]})
    pending_step = decide(world, CONFIG, NOW)
    assert [type(action).__name__ for action in pending_step.actions] == ["ReconcileRepos"]
    world = with_status(world, pending_step)
    repos = [{"name": "app", "url": "https://github.com/org/app.git", "status": "Ready", "clonedAt": "t"}]

    decision = record_content_sync(world, generation=2, repos=repos, workflow=None, sdk_restarted=True, now=NOW)

    assert decision.status["observedGeneration"] == 2
    assert decision.status["sdkRestartCount"] == 1
    reconciled = get_condition(decision.status["conditions"], ConditionType.REPOS_RECONCILED)
    assert reconciled is not None and reconciled["reason"] == "Reconciled"
    settled = with_status(world, decision)
    assert decide(settled, CONFIG, NOW).is_noop


def test_content_sync_failure_keeps_observed_generation() -> None:
    world = running_with({"repos": [{"url": "https://github.com/org/app.git"}]})
    repos = [{"name": "app", "url": "https://github.com/org/app.git", "status": "Failed"}]

    decision = record_content_sync(world, generation=2, repos=repos, workflow=None, sdk_restarted=False, now=NOW)

    assert decision.status["observedGeneration"] == 1
    found = get_condition(decision.status["conditions"], ConditionType.REPOS_RECONCILED)
    assert found is not None and (found["status"], found["reason"]) == ("False", "CloneFailed")
