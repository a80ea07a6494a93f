"""A runner's service-account token works while its run lasts and is refused once the run has ended.

The reconciler deletes the token Secret when a session reaches Completed, Failed or Stopped; the
JWT is bound to that Secret, so localkube refuses it at once (401) instead of at its expiry.
"""

from __future__ import annotations

import base64
from pathlib import Path

import kubernetes.client
import pytest
from kubernetes.client import ApiException, V1SelfSubjectReview

from ambient.contract import SECRET_KEY_K8S_TOKEN, token_secret_name
from localkube.testing import present
from tests.e2e.stack import Stack
from tests.e2e.support import (
    fake_runner_env,
    request_start,
    request_stop,
    session_create,
    wait_phase,
)

# Its sessions have no repos or workflow: a stand-in content sidecar answers their readiness probe.
pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.slow, pytest.mark.usefixtures("content_stand_in")]


def runner_token(stack: Stack, namespace: str, session: str) -> str:
    secret = kubernetes.client.CoreV1Api(stack.admin).read_namespaced_secret(token_secret_name(session), namespace)
    token = base64.b64decode((secret.data or {}).get(SECRET_KEY_K8S_TOKEN) or "").decode()
    assert token, "a Running session's token Secret carries a JWT"
    return token


def runner_identity(stack: Stack, token: str) -> str:
    """Who localkube says the bearer of `token` is (raises ApiException when it refuses the token)."""
    review = kubernetes.client.AuthenticationV1Api(stack.kube.api_client(token)).create_self_subject_review(
        V1SelfSubjectReview.model_validate({})
    )
    user_info = present(present(review.status, "the review status").user_info, "the user info")
    return present(user_info.username, "the username")


def assert_refused(stack: Stack, token: str) -> None:
    with pytest.raises(ApiException) as caught:
        runner_identity(stack, token)
    assert caught.value.status == 401


@pytest.mark.parametrize(("exit_code", "phase"), [(0, "Completed"), (1, "Failed")])
def test_runner_token_is_refused_once_the_run_ends(
    stack: Stack, kube_namespace: str, tmp_path: Path, exit_code: int, phase: str
) -> None:
    release = tmp_path / "release"
    env = fake_runner_env(exit_code=exit_code, release_file=str(release))
    session_create(stack.admin, kube_namespace, "ends", environmentVariables=env)
    wait_phase(stack.admin, kube_namespace, "ends", "Running")
    token = runner_token(stack, kube_namespace, "ends")
    assert runner_identity(stack, token).startswith(f"system:serviceaccount:{kube_namespace}:")

    release.write_text("go")
    wait_phase(stack.admin, kube_namespace, "ends", phase)

    # The Secret is deleted in the pass that writes the terminal phase, so the refusal needs no waiting.
    assert_refused(stack, token)


def test_runner_token_is_refused_after_stopped_and_a_restart_gets_a_new_one(stack: Stack, kube_namespace: str) -> None:
    session_create(stack.admin, kube_namespace, "stopped", environmentVariables=fake_runner_env(sleep="forever"))
    wait_phase(stack.admin, kube_namespace, "stopped", "Running")
    token = runner_token(stack, kube_namespace, "stopped")
    assert runner_identity(stack, token).startswith(f"system:serviceaccount:{kube_namespace}:")

    request_stop(stack.admin, kube_namespace, "stopped")
    wait_phase(stack.admin, kube_namespace, "stopped", "Stopped")
    assert_refused(stack, token)

    request_start(stack.admin, kube_namespace, "stopped")
    wait_phase(stack.admin, kube_namespace, "stopped", "Running")
    fresh = runner_token(stack, kube_namespace, "stopped")
    assert fresh != token
    assert runner_identity(stack, fresh).startswith(f"system:serviceaccount:{kube_namespace}:")
    assert_refused(stack, token)
