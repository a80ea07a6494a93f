"""Malformed and invalid input: 400 for bad JSON or kind mismatch, 422 for names, 413 for size."""

import json

import kubernetes.client
import pytest
from kubernetes.client import ApiException

from localkube.tests.helpers import raw_json, status_body


def _raw_post(localkube, path, data: bytes, content_type="application/json"):
    """Bytes on the wire through the real client's own connection pool (TLS, token)."""
    api = localkube.api_client()
    response = api.rest_client.pool_manager.request(
        "POST",
        localkube.url + path,
        body=data,
        headers={"Content-Type": content_type, "Authorization": f"Bearer {localkube.admin_token}"},
    )
    return response.status, json.loads(response.data)


def test_malformed_json_is_400(localkube, kube_namespace):
    status, body = _raw_post(localkube, f"/api/v1/namespaces/{kube_namespace}/configmaps", b'{"metadata": {')
    assert status == 400 and body["kind"] == "Status" and body["reason"] == "BadRequest"


def test_kind_or_api_version_mismatch_is_400(localkube, kube_namespace):
    api = localkube.api_client()
    status, body = raw_json(
        api,
        "POST",
        f"/api/v1/namespaces/{kube_namespace}/configmaps",
        body={"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "x"}},
    )
    assert status == 400 and body["reason"] == "BadRequest"
    status, body = raw_json(
        api,
        "POST",
        f"/api/v1/namespaces/{kube_namespace}/configmaps",
        body={"apiVersion": "apps/v1", "kind": "ConfigMap", "metadata": {"name": "x"}},
    )
    assert status == 400


@pytest.mark.parametrize("name", ["Upper", "under_score", "-lead", "a" * 254])
def test_invalid_names_are_422(localkube, kube_namespace, name):
    core = kubernetes.client.CoreV1Api(localkube.api_client())
    with pytest.raises(ApiException) as error:
        core.create_namespaced_config_map(kube_namespace, {"metadata": {"name": name}})
    body = status_body(error.value)
    assert error.value.status == 422 and body["details"]["causes"][0]["field"] == "metadata.name"


def test_namespace_and_service_names_are_dns_labels(localkube, kube_namespace):
    core = kubernetes.client.CoreV1Api(localkube.api_client())
    with pytest.raises(ApiException) as error:
        core.create_namespace({"metadata": {"name": "has.dots"}})
    assert error.value.status == 422
    with pytest.raises(ApiException) as error:
        core.create_namespaced_service(
            kube_namespace, {"metadata": {"name": "has.dots"}, "spec": {"ports": [{"port": 80}]}}
        )
    assert error.value.status == 422
    assert (
        core.create_namespaced_config_map(kube_namespace, {"metadata": {"name": "has.dots"}}).metadata.name
        == "has.dots"
    )


def test_generate_name(localkube, kube_namespace):
    core = kubernetes.client.CoreV1Api(localkube.api_client())
    made = core.create_namespaced_config_map(kube_namespace, {"metadata": {"generateName": "gen-"}})
    assert made.metadata.name.startswith("gen-") and len(made.metadata.name) == 9


def test_oversized_body_is_413(localkube, kube_namespace):
    api = localkube.api_client()
    status, body = raw_json(
        api,
        "POST",
        f"/api/v1/namespaces/{kube_namespace}/configmaps",
        body={"metadata": {"name": "big"}, "data": {"blob": "x" * (2 * 1024 * 1024)}},
    )
    assert status == 413 and body["kind"] == "Status" and body["code"] == 413


def test_unknown_resource_is_404(localkube):
    status, body = raw_json(localkube.api_client(), "GET", "/apis/nope.example.com/v1/things")
    assert status == 404 and body["kind"] == "Status"


def test_name_mismatch_on_put_is_400(localkube, kube_namespace):
    core = kubernetes.client.CoreV1Api(localkube.api_client())
    core.create_namespaced_config_map(kube_namespace, {"metadata": {"name": "a"}})
    with pytest.raises(ApiException) as error:
        core.replace_namespaced_config_map("a", kube_namespace, {"metadata": {"name": "b"}})
    assert error.value.status == 400
