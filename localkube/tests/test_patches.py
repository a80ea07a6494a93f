"""Semantic 7: merge, JSON and strategic-merge patches; strategic merge is refused for CRs."""

import kubernetes.client
import pytest
from kubernetes.client import ApiException

from localkube.tests.helpers import create_crd, raw_json, widget

POD = {
    "metadata": {"name": "web"},
    "spec": {
        "nodeName": "elsewhere",  # not the local node: the runtime's kubelet leaves it alone
        "containers": [
            {
                "name": "app",
                "image": "localkube.invalid/app:1",
                "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
                "ports": [{"containerPort": 80}],
                "volumeMounts": [{"name": "data", "mountPath": "/data"}],
            },
            {"name": "sidecar", "image": "localkube.invalid/side:1"},
        ],
        "volumes": [{"name": "data", "emptyDir": {}}],
    },
}


def _patch(api, path, body, content_type):
    return raw_json(api, "PATCH", path, body=body, headers={"Content-Type": content_type})


def test_strategic_merge_on_pod_merges_lists_by_key(localkube, kube_namespace):
    api = localkube.api_client()
    core = kubernetes.client.CoreV1Api(api)
    core.create_namespaced_pod(kube_namespace, POD)
    # The typed client sends strategic merge patch for built-ins; containers merge by name.
    pod = core.patch_namespaced_pod(
        "web", kube_namespace, {"spec": {"containers": [{"name": "app", "image": "localkube.invalid/app:2"}]}}
    )
    containers = {c.name: c for c in pod.spec.containers}
    assert set(containers) == {"app", "sidecar"}
    assert containers["app"].image == "localkube.invalid/app:2"
    assert [(e.name, e.value) for e in containers["app"].env] == [("A", "1"), ("B", "2")]
    assert containers["app"].ports[0].container_port == 80
    assert containers["sidecar"].image == "localkube.invalid/side:1"
    # Conditions merge by type (on /status, where a kubelet writes them).
    core.patch_namespaced_pod_status(
        "web",
        kube_namespace,
        {"status": {"conditions": [{"type": "Ready", "status": "False"}, {"type": "Initialized", "status": "True"}]}},
    )
    pod = core.patch_namespaced_pod_status(
        "web", kube_namespace, {"status": {"conditions": [{"type": "Ready", "status": "True"}]}}
    )
    conditions = {c.type: c.status for c in pod.status.conditions}
    assert conditions["Ready"] == "True" and conditions["Initialized"] == "True"


def test_pod_spec_is_immutable_except_images(localkube, kube_namespace):
    api = localkube.api_client()
    core = kubernetes.client.CoreV1Api(api)
    core.create_namespaced_pod(kube_namespace, POD)
    patch = {"spec": {"containers": [{"name": "app", "env": [{"name": "B", "value": "3"}]}]}}
    with pytest.raises(ApiException) as error:
        core.patch_namespaced_pod("web", kube_namespace, patch)
    assert error.value.status == 422 and "pod updates may not change fields" in error.value.body
    status, body = _patch(
        api,
        f"/api/v1/namespaces/{kube_namespace}/pods/web",
        {"metadata": {"labels": {"x": "y"}}, "spec": {"activeDeadlineSeconds": 60}},
        "application/strategic-merge-patch+json",
    )
    assert status == 200 and body["metadata"]["labels"] == {"x": "y"}


def test_strategic_merge_delete_directive_and_env_by_name(localkube, kube_namespace):
    api = localkube.api_client()
    template = {"metadata": {"labels": {"app": "web"}}, "spec": {**POD["spec"], "restartPolicy": "Never"}}
    batch = kubernetes.client.BatchV1Api(api)
    batch.create_namespaced_job(
        kube_namespace, {"metadata": {"name": "j"}, "spec": {"suspend": True, "template": template}}
    )
    # A Job's template is immutable, so exercise list merging on its (mutable) status instead of on spec.
    job = batch.patch_namespaced_job_status(
        "j",
        kube_namespace,
        {"status": {"conditions": [{"type": "Suspended", "status": "True"}, {"type": "Complete", "status": "False"}]}},
    )
    job = batch.patch_namespaced_job_status(
        "j", kube_namespace, {"status": {"conditions": [{"type": "Complete", "$patch": "delete"}]}}
    )
    assert [c.type for c in job.status.conditions] == ["Suspended"]
    with pytest.raises(ApiException) as error:
        batch.patch_namespaced_job(
            "j",
            kube_namespace,
            {"spec": {"template": {"spec": {"containers": [{"name": "app", "env": [{"name": "C", "value": "4"}]}]}}}},
        )
    assert error.value.status == 422 and "field is immutable" in error.value.body


def test_strategic_merge_service_ports_by_port(localkube, kube_namespace):
    api = localkube.api_client()
    core = kubernetes.client.CoreV1Api(api)
    core.create_namespaced_service(
        kube_namespace,
        {
            "metadata": {"name": "svc"},
            "spec": {
                "selector": {"app": "web"},
                "ports": [{"name": "http", "port": 80}, {"name": "https", "port": 443}],
            },
        },
    )
    service = core.patch_namespaced_service(
        "svc", kube_namespace, {"spec": {"ports": [{"port": 80, "targetPort": 8080}]}}
    )
    ports = {p.port: p for p in service.spec.ports}
    assert set(ports) == {80, 443} and ports[80].target_port == 8080 and ports[443].name == "https"


def test_merge_patch_replaces_lists_and_deletes_with_null(localkube, kube_namespace):
    api = localkube.api_client()
    core = kubernetes.client.CoreV1Api(api)
    core.create_namespaced_config_map(
        kube_namespace, {"metadata": {"name": "m", "labels": {"a": "1", "b": "2"}}, "data": {"x": "1"}}
    )
    status, body = _patch(
        api,
        f"/api/v1/namespaces/{kube_namespace}/configmaps/m",
        {"metadata": {"labels": {"a": None, "c": "3"}}, "data": {"y": "2"}},
        "application/merge-patch+json",
    )
    assert status == 200
    assert body["metadata"]["labels"] == {"b": "2", "c": "3"} and body["data"] == {"x": "1", "y": "2"}


def test_json_patch_operations_and_failed_test_op(localkube, kube_namespace):
    api = localkube.api_client()
    core = kubernetes.client.CoreV1Api(api)
    core.create_namespaced_config_map(kube_namespace, {"metadata": {"name": "j"}, "data": {"x": "1"}})
    path = f"/api/v1/namespaces/{kube_namespace}/configmaps/j"
    status, body = _patch(
        api,
        path,
        [{"op": "add", "path": "/data/y", "value": "2"}, {"op": "remove", "path": "/data/x"}],
        "application/json-patch+json",
    )
    assert status == 200 and body["data"] == {"y": "2"}
    status, body = _patch(
        api, path, [{"op": "test", "path": "/data/y", "value": "nope"}], "application/json-patch+json"
    )
    assert status == 422 and body["kind"] == "Status"


def test_strategic_merge_on_cr_is_415(localkube, kube_namespace):
    api = localkube.api_client()
    group, version, plural = create_crd(api)
    objects = kubernetes.client.CustomObjectsApi(api)
    objects.create_namespaced_custom_object(group, version, kube_namespace, plural, widget("w", group))
    path = f"/apis/{group}/{version}/namespaces/{kube_namespace}/{plural}/w"
    status, body = _patch(api, path, {"spec": {"replicas": 2}}, "application/strategic-merge-patch+json")
    assert status == 415 and body["reason"] == "UnsupportedMediaType"
    patched = objects.patch_namespaced_custom_object(
        group, version, kube_namespace, plural, "w", {"spec": {"replicas": 2}}
    )
    assert patched["spec"]["replicas"] == 2
    with pytest.raises(ApiException) as error:
        objects.patch_namespaced_custom_object(group, version, kube_namespace, plural, "missing", {"spec": {}})
    assert error.value.status == 404
