"""Semantic 6: optimistic concurrency and errors as kind: Status bodies."""

import kubernetes.client
import pytest
from kubernetes.client import ApiException

from localkube.tests.helpers import create_crd, status_body, widget


def test_stale_put_is_409_conflict(localkube, kube_namespace):
    core = kubernetes.client.CoreV1Api(localkube.api_client())
    stale = core.create_namespaced_config_map(kube_namespace, {"metadata": {"name": "c"}, "data": {"a": "1"}})
    core.patch_namespaced_config_map("c", kube_namespace, {"data": {"a": "2"}})
    stale.data = {"a": "3"}
    with pytest.raises(ApiException) as error:
        core.replace_namespaced_config_map("c", kube_namespace, stale)
    body = status_body(error.value)
    assert error.value.status == 409 and body["reason"] == "Conflict" and body["code"] == 409
    assert "the object has been modified" in body["message"]


def test_put_on_cr_without_resource_version_is_422(localkube, kube_namespace):
    api = localkube.api_client()
    group, version, plural = create_crd(api)
    objects = kubernetes.client.CustomObjectsApi(api)
    objects.create_namespaced_custom_object(group, version, kube_namespace, plural, widget("w", group))
    with pytest.raises(ApiException) as error:
        objects.replace_namespaced_custom_object(group, version, kube_namespace, plural, "w", widget("w", group))
    body = status_body(error.value)
    assert error.value.status == 422 and body["reason"] == "Invalid"
    assert body["details"]["causes"][0]["field"] == "metadata.resourceVersion"


def test_patch_with_resource_version_is_a_precondition(localkube, kube_namespace):
    core = kubernetes.client.CoreV1Api(localkube.api_client())
    created = core.create_namespaced_config_map(kube_namespace, {"metadata": {"name": "p"}})
    core.patch_namespaced_config_map("p", kube_namespace, {"data": {"x": "1"}})
    with pytest.raises(ApiException) as error:
        core.patch_namespaced_config_map(
            "p",
            kube_namespace,
            {"metadata": {"resourceVersion": created.metadata.resource_version}, "data": {"x": "2"}},
        )
    assert error.value.status == 409
    current = core.read_namespaced_config_map("p", kube_namespace)
    ok = core.patch_namespaced_config_map(
        "p", kube_namespace, {"metadata": {"resourceVersion": current.metadata.resource_version}, "data": {"x": "3"}}
    )
    assert ok.data == {"x": "3"}


def test_create_existing_name_is_409_already_exists(localkube, kube_namespace):
    core = kubernetes.client.CoreV1Api(localkube.api_client())
    core.create_namespaced_config_map(kube_namespace, {"metadata": {"name": "dup"}})
    with pytest.raises(ApiException) as error:
        core.create_namespaced_config_map(kube_namespace, {"metadata": {"name": "dup"}})
    body = status_body(error.value)
    assert error.value.status == 409 and body["reason"] == "AlreadyExists"
    assert body["details"] == {"name": "dup", "kind": "configmaps"}  # kube omits an empty group


def test_get_missing_is_404_status(localkube, kube_namespace):
    core = kubernetes.client.CoreV1Api(localkube.api_client())
    with pytest.raises(ApiException) as error:
        core.read_namespaced_config_map("nope", kube_namespace)
    body = status_body(error.value)
    assert error.value.status == 404 and body["reason"] == "NotFound"
    assert body["message"] == 'configmaps "nope" not found'
