"""Each failure path reaches the right phase and condition reason (one test per reason)."""

from __future__ import annotations

import kubernetes.client
import pytest
from django.conf import settings

from tests.e2e.stack import Stack
from tests.e2e.support import (
    conditions,
    fake_runner_env,
    jobs,
    session_create,
    wait_caught_up,
    wait_for,
    wait_phase,
    wait_run_gone,
)

# Its sessions have no repos or workflow: a stand-in content sidecar answers their readiness probe.
pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.slow, pytest.mark.usefixtures("content_stand_in")]


@pytest.mark.parametrize(
    ("exit_code", "reason"), [(1, "SDKError"), (2, "PrerequisiteFailed"), (7, "RunnerExit")], ids=["1", "2", "7"]
)
def test_runner_exit_code_maps_to_reason(stack: Stack, kube_namespace: str, exit_code: int, reason: str) -> None:
    admin = stack.admin
    session_create(admin, kube_namespace, "exits", environmentVariables=fake_runner_env(exit_code=exit_code))
    session = wait_phase(admin, kube_namespace, "exits", "Failed")
    assert conditions(session)["Failed"] == ("True", reason)
    assert f"code {exit_code}" in next(c["message"] for c in session["status"]["conditions"] if c["type"] == "Failed")
    wait_run_gone(admin, kube_namespace, "exits")


def test_image_pull_failure_past_grace(stack: Stack, kube_namespace: str) -> None:
    stack.set_image_map(runner_mapped=False, content_stand_in=True)
    admin = stack.admin
    session_create(admin, kube_namespace, "nopull")
    session = wait_phase(admin, kube_namespace, "nopull", "Failed")
    assert conditions(session)["Failed"][1] in {"ImagePullBackOff", "ErrImagePull"}
    wait_run_gone(admin, kube_namespace, "nopull")


def test_deadline_exceeded_is_timeout(stack: Stack, kube_namespace: str) -> None:
    admin = stack.admin
    session_create(admin, kube_namespace, "slow", timeout=3, environmentVariables=fake_runner_env(sleep="forever"))
    session = wait_phase(admin, kube_namespace, "slow", "Failed")
    assert conditions(session)["Failed"] == ("True", "Timeout")


def test_unschedulable_fails_after_creation_deadline(stack: Stack, kube_namespace: str) -> None:
    admin = stack.admin
    session_create(admin, kube_namespace, "huge", resourceOverrides={"memory": "4000Gi"})
    wait_phase(admin, kube_namespace, "huge", "Creating")
    wait_for(
        lambda: (
            conditions(wait_phase(admin, kube_namespace, "huge", "Creating")).get("PodScheduled")
            == ("False", "Unschedulable")
        ),
        30,
        "PodScheduled=False/Unschedulable",
    )
    session = wait_phase(
        admin, kube_namespace, "huge", "Failed", timeout=settings.RECONCILER_CREATION_DEADLINE_SECONDS + 60
    )
    assert conditions(session)["Failed"] == ("True", "CreationTimeout")
    wait_run_gone(admin, kube_namespace, "huge")


def test_job_vanished_while_running_is_recreated(stack: Stack, kube_namespace: str) -> None:
    admin = stack.admin
    session_create(admin, kube_namespace, "lost", environmentVariables=fake_runner_env(sleep="forever"))
    wait_phase(admin, kube_namespace, "lost", "Running")
    (job,) = jobs(admin, kube_namespace, "lost")
    kubernetes.client.BatchV1Api(admin).delete_namespaced_job(
        job.metadata.name, kube_namespace, propagation_policy="Background"
    )

    def replaced() -> bool:
        current = jobs(admin, kube_namespace, "lost")
        return len(current) == 1 and current[0].metadata.uid != job.metadata.uid

    wait_for(replaced, 60, "a new Job")
    wait_phase(admin, kube_namespace, "lost", "Running")
    wait_caught_up(admin, kube_namespace, "lost")
    assert len(jobs(admin, kube_namespace, "lost")) == 1
