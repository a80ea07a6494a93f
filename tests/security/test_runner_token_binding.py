"""The runner's service-account token dies with the Secret that carries it (TokenRequest binding)."""

from __future__ import annotations

import base64

import kubernetes.client
import pytest
from kubernetes.client import ApiException, V1SelfSubjectReview, V1TokenReview

from ambient.contract import SECRET_KEY_K8S_TOKEN, token_secret_name
from localkube.testing import LocalKube, present
from reconciler.services import session_reconcile
from reconciler.tests.services_support import (
    reconciler_kube,  # noqa: F401 - fixture
    session_create,
)

pytestmark = [
    pytest.mark.localkube,
    pytest.mark.integration,
    pytest.mark.django_db,
    pytest.mark.usefixtures("reconciler_kube"),
]


def runner_token(core: kubernetes.client.CoreV1Api, namespace: str, session: str) -> str:
    for _ in range(10):
        session_reconcile(namespace, session)
        try:
            secret = core.read_namespaced_secret(token_secret_name(session), namespace)
        except ApiException as error:
            if error.status != 404:
                raise
            continue
        token = base64.b64decode((secret.data or {}).get(SECRET_KEY_K8S_TOKEN) or "").decode()
        if token:
            return token
    raise AssertionError("the reconciler never wrote a runner token")


def test_runner_token_is_revoked_by_deleting_its_secret(localkube: LocalKube, kube_namespace: str) -> None:
    admin = localkube.api_client()
    core = kubernetes.client.CoreV1Api(admin)
    session_create(admin, kube_namespace, "bound")
    token = runner_token(core, kube_namespace, "bound")

    review = kubernetes.client.AuthenticationV1Api(admin).create_token_review(
        V1TokenReview.model_validate({"spec": {"token": token}})
    )
    reviewed = present(review.status, "the review status")
    assert reviewed.authenticated
    extra = present(reviewed.user, "the reviewed user").extra or {}
    assert extra["authentication.kubernetes.io/secret-name"] == [token_secret_name("bound")]
    as_runner = kubernetes.client.AuthenticationV1Api(localkube.api_client(token))
    self_review = as_runner.create_self_subject_review(V1SelfSubjectReview.model_validate({}))
    user_info = present(present(self_review.status, "the review status").user_info, "the user info")
    assert (user_info.username or "").startswith("system:serviceaccount:")

    core.delete_namespaced_secret(token_secret_name("bound"), kube_namespace)
    with pytest.raises(ApiException) as caught:
        as_runner.create_self_subject_review(V1SelfSubjectReview.model_validate({}))
    assert caught.value.status == 401
