"""Sessions end the way they should: a timeout is final (one Job, no restarts), a session without
`timeout` gets the platform default, and a runner over its memory limit is Failed/OOMKilled."""

from __future__ import annotations

from typing import Any

import kubernetes.client
import pytest

from ambient.contract import GROUP, PLURAL, VERSION, job_name, pvc_name
from localkube.testing import present
from reconciler.tests.services_support import session_manifest
from tests.e2e.stack import Stack
from tests.e2e.support import conditions, fake_runner_env, jobs, session_create, wait_for, wait_phase, wait_run_gone

# Its sessions have no repos or workflow: a stand-in content sidecar answers their readiness probe.
pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.slow, pytest.mark.usefixtures("content_stand_in")]

# The platform defaults (ambient/settings/base.py); the e2e worker does not override them.
DEFAULT_TIMEOUT_SECONDS = 24 * 3600
MAX_TIMEOUT_SECONDS = 7 * 24 * 3600


def _condition(session: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(c for c in session["status"]["conditions"] if c["type"] == kind)


def _job_creates(stack: Stack, namespace: str, mark: int) -> int:
    path = f"/apis/batch/v1/namespaces/{namespace}/jobs"
    return sum(
        1
        for record in stack.kube.request_log.records_since(mark)
        if record.verb == "create" and record.path == path and record.code == 201
    )


def _create_without_timeout(stack: Stack, namespace: str, name: str, **spec: Any) -> None:
    manifest = session_manifest(name, **spec)
    manifest["spec"].pop("timeout", None)
    kubernetes.client.CustomObjectsApi(stack.admin).create_namespaced_custom_object(
        GROUP, VERSION, namespace, PLURAL, manifest
    )


def test_timeout_while_running_is_final_with_exactly_one_job(stack: Stack, kube_namespace: str) -> None:
    admin = stack.admin
    mark = stack.kube.request_log.mark()
    session_create(
        admin, kube_namespace, "t5", interactive=True, timeout=5, environmentVariables=fake_runner_env(sleep="forever")
    )
    wait_phase(admin, kube_namespace, "t5", "Running")
    session = wait_phase(admin, kube_namespace, "t5", "Failed")

    assert conditions(session)["Failed"] == ("True", "Timeout")
    assert "timeout of 5s" in _condition(session, "Failed")["message"]
    wait_run_gone(admin, kube_namespace, "t5")
    # Terminal phases never move without a start intent, so no later pass can make another Job.
    assert _job_creates(stack, kube_namespace, mark) == 1
    assert wait_phase(admin, kube_namespace, "t5", "Failed")["status"]["startTime"] == session["status"]["startTime"]
    claims = kubernetes.client.CoreV1Api(admin).list_namespaced_persistent_volume_claim(kube_namespace).items
    assert pvc_name("t5") in [present(claim.metadata, "the claim metadata").name for claim in claims]


def test_session_without_timeout_gets_the_platform_default(stack: Stack, kube_namespace: str) -> None:
    admin = stack.admin
    _create_without_timeout(stack, kube_namespace, "plain", environmentVariables=fake_runner_env(sleep="forever"))
    session = wait_phase(admin, kube_namespace, "plain", "Running")

    assert "timeout" not in session["spec"]  # no CRD default stands in for the platform's
    job = kubernetes.client.BatchV1Api(admin).read_namespaced_job(job_name("plain"), kube_namespace)
    assert present(job.spec, "the Job spec").active_deadline_seconds == DEFAULT_TIMEOUT_SECONDS
    assert session["status"]["timeoutSeconds"] == DEFAULT_TIMEOUT_SECONDS
    assert "timeout 24h" in _condition(session, "JobCreated")["message"]


def test_timeout_zero_is_only_the_platform_maximum(stack: Stack, kube_namespace: str) -> None:
    admin = stack.admin
    session_create(admin, kube_namespace, "endless", timeout=0, environmentVariables=fake_runner_env(sleep="forever"))
    session = wait_phase(admin, kube_namespace, "endless", "Running")

    (job,) = jobs(admin, kube_namespace, "endless")
    assert job.spec.active_deadline_seconds == MAX_TIMEOUT_SECONDS
    assert session["status"]["timeoutSeconds"] == MAX_TIMEOUT_SECONDS


def test_runner_over_its_memory_limit_is_oom_killed(stack: Stack, kube_namespace: str) -> None:
    admin = stack.admin
    env = {**fake_runner_env(sleep="forever"), "FAKE_RUNNER_ALLOCATE_MB": "256"}
    session_create(admin, kube_namespace, "hungry", resourceOverrides={"memory": "128Mi"}, environmentVariables=env)
    session = wait_phase(admin, kube_namespace, "hungry", "Failed")

    assert conditions(session)["Failed"] == ("True", "OOMKilled")
    assert "memory limit of 128Mi" in _condition(session, "Failed")["message"]
    wait_for(lambda: not jobs(admin, kube_namespace, "hungry"), 60, "the Job to be deleted")
