"""Inputs kube-apiserver refuses and localkube must too, and tokens that die with their object."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import kubernetes.client
import pytest
from kubernetes.client import (
    ApiException,
    AuthenticationV1TokenRequest,
    V1ConfigMap,
    V1Job,
    V1Secret,
    V1SelfSubjectReview,
    V1ServiceAccount,
)

from localkube.auth.constants import DEFAULT_MAX_TOKEN_EXPIRATION_SECONDS
from localkube.testing import LocalKube, present
from localkube.tests.helpers import status_body

pytestmark = [pytest.mark.localkube, pytest.mark.integration]

UNMAPPED_IMAGE = "registry.invalid/never-mapped:1"


def job(
    name: str, *, env: list[dict[str, str]] | None = None, requests: dict[str, str] | None = None
) -> dict[str, Any]:
    container: dict[str, Any] = {"name": "main", "image": UNMAPPED_IMAGE}
    if env is not None:
        container["env"] = env
    if requests is not None:
        container["resources"] = {"requests": requests}
    return {
        "metadata": {"name": name},
        "spec": {"template": {"spec": {"containers": [container], "restartPolicy": "Never"}}},
    }


def refused(call: Any, *args: Any, **kwargs: Any) -> tuple[int, dict[str, Any]]:
    with pytest.raises(ApiException) as caught:
        call(*args, **kwargs)
    return caught.value.status, status_body(caught.value)


def test_token_bound_to_an_object_stops_working_when_it_is_deleted(localkube: LocalKube, kube_namespace: str) -> None:
    core = kubernetes.client.CoreV1Api(localkube.api_client())
    core.create_namespaced_service_account(
        kube_namespace, V1ServiceAccount.model_validate({"metadata": {"name": "runner"}})
    )
    secret = core.create_namespaced_secret(kube_namespace, V1Secret.model_validate({"metadata": {"name": "run-token"}}))
    issued = core.create_namespaced_service_account_token(
        "runner",
        kube_namespace,
        AuthenticationV1TokenRequest.model_validate(
            {"spec": {"boundObjectRef": {"kind": "Secret", "apiVersion": "v1", "name": "run-token"}}}
        ),
    )
    bound = present(present(issued.spec, "the TokenRequest spec").bound_object_ref, "the bound object")
    assert bound.uid == present(secret.metadata, "the secret metadata").uid
    token = present(present(issued.status, "the TokenRequest status").token, "the issued token")
    as_runner = kubernetes.client.AuthenticationV1Api(localkube.api_client(token))
    review = as_runner.create_self_subject_review(V1SelfSubjectReview.model_validate({}))
    user_info = present(present(review.status, "the review status").user_info, "the user info")
    assert (user_info.username or "").endswith(":runner")

    core.delete_namespaced_secret("run-token", kube_namespace)
    status, body = refused(as_runner.create_self_subject_review, {})
    assert status == 401 and body["reason"] == "Unauthorized"


def test_a_bearer_that_is_not_utf8_is_unauthorized(localkube: LocalKube) -> None:
    # http.client sends header text as latin-1: these are the raw bytes 0xff 0xfe on the wire.
    core = kubernetes.client.CoreV1Api(localkube.api_client("\xff\xfe-token"))
    status, body = refused(core.list_namespace)
    assert status == 401 and body["reason"] == "Unauthorized"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "Required value"),
        ("A=B", 'Invalid value: "A=B": a valid environment variable name must consist only of printable ASCII'),
    ],
)
def test_job_env_names_kube_refuses(localkube: LocalKube, kube_namespace: str, name: str, message: str) -> None:
    batch = kubernetes.client.BatchV1Api(localkube.api_client())
    status, body = refused(batch.create_namespaced_job, kube_namespace, job("env", env=[{"name": name, "value": "1"}]))
    assert status == 422 and body["reason"] == "Invalid"
    cause = body["details"]["causes"][0]
    assert cause["field"] == "spec.template.spec.containers[0].env[0].name"
    assert cause["message"].startswith(message)


def test_env_name_with_a_space_is_valid_as_in_kube_1_34(localkube: LocalKube, kube_namespace: str) -> None:
    # Relaxed env-name validation is GA in kube 1.34 (the version localkube reports): any printable
    # ASCII except "=". The platform's own API decides which names a user may set.
    batch = kubernetes.client.BatchV1Api(localkube.api_client())
    created = batch.create_namespaced_job(
        kube_namespace, V1Job.model_validate(job("spaced", env=[{"name": "BAD NAME", "value": "1"}]))
    )
    pod_spec = present(present(created.spec, "the Job spec").template.spec, "the pod template spec")
    assert (pod_spec.containers[0].env or [])[0].name == "BAD NAME"


def test_quantities_kube_refuses(localkube: LocalKube, kube_namespace: str) -> None:
    batch = kubernetes.client.BatchV1Api(localkube.api_client())
    # Unparseable: refused while decoding the body, as kube-apiserver does.
    status, body = refused(batch.create_namespaced_job, kube_namespace, job("lots", requests={"cpu": "lots"}))
    assert status == 400 and body["reason"] == "BadRequest"
    assert "quantities must match the regular expression" in body["message"]
    # Well-formed but negative: a field error.
    status, body = refused(batch.create_namespaced_job, kube_namespace, job("neg", requests={"memory": "-5Gi"}))
    assert status == 422
    assert body["details"]["causes"] == [
        {
            "reason": "FieldValueInvalid",
            "field": "spec.template.spec.containers[0].resources.requests[memory]",
            "message": 'Invalid value: "-5Gi": must be greater than or equal to 0',
        }
    ]
    assert batch.create_namespaced_job(
        kube_namespace, V1Job.model_validate(job("fine", requests={"cpu": "500m", "memory": "1Gi"}))
    )


def test_annotations_over_256_kib_are_refused(localkube: LocalKube, kube_namespace: str) -> None:
    core = kubernetes.client.CoreV1Api(localkube.api_client())
    big = {"metadata": {"name": "big", "annotations": {"a": "x" * 200_000, "b": "y" * 70_000}}}
    status, body = refused(core.create_namespaced_config_map, kube_namespace, big)
    assert status == 422
    assert body["details"]["causes"][0]["field"] == "metadata.annotations"
    assert "Too long: may not be more than 262144 bytes" in body["message"]
    core.create_namespaced_config_map(
        kube_namespace, V1ConfigMap.model_validate({"metadata": {"name": "small", "annotations": {"a": "x"}}})
    )
    status, _ = refused(
        core.patch_namespaced_config_map, "small", kube_namespace, {"metadata": big["metadata"] | {"name": "small"}}
    )
    assert status == 422


def test_token_lifetime_bounds_and_cap(localkube: LocalKube, kube_namespace: str) -> None:
    core = kubernetes.client.CoreV1Api(localkube.api_client())
    name = f"sa-{secrets.token_hex(3)}"
    core.create_namespaced_service_account(
        kube_namespace, V1ServiceAccount.model_validate({"metadata": {"name": name}})
    )
    for seconds, why in ((599, "less than 10 minutes"), ((1 << 32) + 1, "larger than 2^32 seconds")):
        status, body = refused(
            core.create_namespaced_service_account_token, name, kube_namespace, {"spec": {"expirationSeconds": seconds}}
        )
        assert status == 422 and why in body["message"]
        assert body["details"]["causes"][0]["field"] == "spec.expirationSeconds"
    # Within kube's bounds but past the maximum lifetime: shortened to it, as kube does with
    # --service-account-max-token-expiration, and the answer says so.
    before = datetime.now(UTC).replace(microsecond=0)
    issued = core.create_namespaced_service_account_token(
        name,
        kube_namespace,
        AuthenticationV1TokenRequest.model_validate({"spec": {"expirationSeconds": (1 << 32) - 1}}),
    )
    assert present(issued.spec, "the TokenRequest spec").expiration_seconds == DEFAULT_MAX_TOKEN_EXPIRATION_SECONDS
    expires = present(present(issued.status, "the TokenRequest status").expiration_timestamp, "the expiry")
    assert expires <= datetime.now(UTC) + timedelta(seconds=DEFAULT_MAX_TOKEN_EXPIRATION_SECONDS)
    assert expires >= before + timedelta(seconds=DEFAULT_MAX_TOKEN_EXPIRATION_SECONDS)
