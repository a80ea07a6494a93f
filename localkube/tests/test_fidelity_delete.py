"""DELETE answers as kube-apiserver's: the deleted object for kinds whose REST storage returns it
(pods, services, serviceaccounts, persistentvolumeclaims; namespaces and CRDs, which terminate),
a ``Status`` for every other kind, and the object whenever deletion waits (finalizers, orphaning).
"""

from __future__ import annotations

import json
from typing import Any

import kubernetes.client
import pytest

from localkube.tests.helpers import create_crd, widget
from localkube.tests.wire import send, send_json, success_status

RBAC = "/apis/rbac.authorization.k8s.io/v1"

# (collection path with {ns}, body) per kind; every body names its object "x".
OBJECT_KINDS: dict[str, tuple[str, dict[str, Any]]] = {
    "Pod": (
        "/api/v1/namespaces/{ns}/pods",
        {"metadata": {"name": "x"}, "spec": {"containers": [{"name": "c", "image": "unmapped.example/none"}]}},
    ),
    "Service": ("/api/v1/namespaces/{ns}/services", {"metadata": {"name": "x"}, "spec": {"ports": [{"port": 80}]}}),
    "ServiceAccount": ("/api/v1/namespaces/{ns}/serviceaccounts", {"metadata": {"name": "x"}}),
    "PersistentVolumeClaim": (
        "/api/v1/namespaces/{ns}/persistentvolumeclaims",
        {
            "metadata": {"name": "x"},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
        },
    ),
}

STATUS_KINDS: dict[str, tuple[str, str, str, dict[str, Any]]] = {
    # kind: (group, resource, collection path, body)
    "Secret": ("", "secrets", "/api/v1/namespaces/{ns}/secrets", {"metadata": {"name": "x"}}),
    "ConfigMap": ("", "configmaps", "/api/v1/namespaces/{ns}/configmaps", {"metadata": {"name": "x"}}),
    "Event": (
        "",
        "events",
        "/api/v1/namespaces/{ns}/events",
        {"metadata": {"name": "x"}, "involvedObject": {"kind": "Pod", "name": "p"}, "reason": "R", "type": "Normal"},
    ),
    "Lease": (
        "coordination.k8s.io",
        "leases",
        "/apis/coordination.k8s.io/v1/namespaces/{ns}/leases",
        {"metadata": {"name": "x"}, "spec": {"holderIdentity": "me"}},
    ),
    "Role": ("rbac.authorization.k8s.io", "roles", RBAC + "/namespaces/{ns}/roles", {"metadata": {"name": "x"}}),
    "RoleBinding": (
        "rbac.authorization.k8s.io",
        "rolebindings",
        RBAC + "/namespaces/{ns}/rolebindings",
        {
            "metadata": {"name": "x"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
            "subjects": [{"kind": "User", "name": "someone", "apiGroup": "rbac.authorization.k8s.io"}],
        },
    ),
    "Job (Background)": (
        "batch",
        "jobs",
        "/apis/batch/v1/namespaces/{ns}/jobs",
        {
            "metadata": {"name": "x"},
            "spec": {
                "template": {
                    "spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "unmapped.example/none"}]}
                }
            },
        },
    ),
}


def _create(localkube, path: str, body: dict[str, Any]) -> dict[str, Any]:
    status, created = send_json(localkube, "POST", path, body)
    assert status == 201, created
    return created


@pytest.mark.parametrize("kind", sorted(OBJECT_KINDS))
def test_delete_returns_the_object_for_kinds_whose_storage_returns_it(localkube, kube_namespace, kind):
    collection, body = OBJECT_KINDS[kind]
    path = collection.format(ns=kube_namespace)
    created = _create(localkube, path, body)
    status, answer = send_json(localkube, "DELETE", f"{path}/x")
    assert status == 200
    assert (answer["kind"], answer["apiVersion"]) == (kind, "v1"), answer
    assert answer["metadata"]["uid"] == created["metadata"]["uid"]


@pytest.mark.parametrize("kind", sorted(STATUS_KINDS))
def test_delete_answers_a_status_for_the_other_kinds(localkube, kube_namespace, kind):
    group, resource, collection, body = STATUS_KINDS[kind]
    path = collection.format(ns=kube_namespace)
    created = _create(localkube, path, body)
    query = "?propagationPolicy=Background" if resource == "jobs" else ""
    status, raw = send(localkube, "DELETE", f"{path}/x{query}")
    assert status == 200
    assert raw == success_status("x", group, resource, created["metadata"]["uid"])


@pytest.mark.parametrize("resource", ["clusterroles", "clusterrolebindings"])
def test_cluster_scoped_rbac_delete_answers_a_status(localkube, kube_namespace, resource):
    name = f"fidelity-{kube_namespace}"
    body: dict[str, Any] = {"metadata": {"name": name}}
    if resource == "clusterrolebindings":
        body["roleRef"] = {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"}
    created = _create(localkube, f"{RBAC}/{resource}", body)
    status, raw = send(localkube, "DELETE", f"{RBAC}/{resource}/{name}")
    assert status == 200
    assert raw == success_status(name, "rbac.authorization.k8s.io", resource, created["metadata"]["uid"])


def test_events_k8s_io_delete_answers_a_status(localkube, kube_namespace):
    path = f"/apis/events.k8s.io/v1/namespaces/{kube_namespace}/events"
    body = {
        "metadata": {"name": "x"},
        "eventTime": "2026-01-01T00:00:00.000000Z",
        "reportingController": "fidelity",
        "reportingInstance": "fidelity-1",
        "action": "Check",
        "reason": "Checked",
        "type": "Normal",
        "regarding": {"kind": "Pod", "name": "p", "namespace": kube_namespace},
    }
    created = _create(localkube, path, body)
    status, raw = send(localkube, "DELETE", f"{path}/x")
    assert status == 200
    assert raw == success_status("x", "events.k8s.io", "events", created["metadata"]["uid"])


def test_job_delete_without_policy_orphans_and_returns_the_terminating_job(localkube, kube_namespace):
    _, _, collection, body = STATUS_KINDS["Job (Background)"]
    path = collection.format(ns=kube_namespace)
    _create(localkube, path, body)
    status, answer = send_json(localkube, "DELETE", f"{path}/x")
    assert status == 200
    assert answer["kind"] == "Job" and answer["metadata"]["deletionTimestamp"]
    assert "orphan" in answer["metadata"]["finalizers"]


def test_custom_resource_delete_answers_a_status_with_its_group(localkube, kube_namespace):
    api = localkube.api_client()
    group, version, plural = create_crd(api)
    objects = kubernetes.client.CustomObjectsApi(api)
    created = objects.create_namespaced_custom_object(group, version, kube_namespace, plural, widget("x", group))
    status, raw = send(localkube, "DELETE", f"/apis/{group}/{version}/namespaces/{kube_namespace}/{plural}/x")
    assert status == 200
    assert raw == success_status("x", group, plural, created["metadata"]["uid"])


def test_crd_and_namespace_delete_return_the_object(localkube):
    api = localkube.api_client()
    group, _, plural = create_crd(api)
    status, answer = send_json(
        localkube, "DELETE", f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{plural}.{group}"
    )
    assert status == 200 and answer["kind"] == "CustomResourceDefinition"
    namespace = localkube.create_namespace("fidelity-")
    status, answer = send_json(localkube, "DELETE", f"/api/v1/namespaces/{namespace}")
    assert status == 200 and answer["kind"] == "Namespace"
    assert answer["status"]["phase"] == "Terminating" and answer["metadata"]["deletionTimestamp"]


def test_dry_run_delete_has_the_same_shape(localkube, kube_namespace):
    path = f"/api/v1/namespaces/{kube_namespace}/secrets"
    created = _create(localkube, path, {"metadata": {"name": "x"}})
    status, raw = send(localkube, "DELETE", f"{path}/x?dryRun=All")
    assert status == 200 and raw == success_status("x", "", "secrets", created["metadata"]["uid"])
    assert send(localkube, "GET", f"{path}/x")[0] == 200


def test_typed_client_reads_deleted_services_pvcs_and_serviceaccounts(localkube, kube_namespace):
    core = kubernetes.client.CoreV1Api(localkube.api_client())
    for kind in ("Service", "PersistentVolumeClaim", "ServiceAccount"):
        collection, body = OBJECT_KINDS[kind]
        _create(localkube, collection.format(ns=kube_namespace), json.loads(json.dumps(body)))
    assert core.delete_namespaced_service("x", kube_namespace).metadata.name == "x"
    assert core.delete_namespaced_persistent_volume_claim("x", kube_namespace).metadata.name == "x"
    assert core.delete_namespaced_service_account("x", kube_namespace).metadata.name == "x"


def test_cascading_delete_that_waits_is_202_accepted(localkube, kube_namespace):
    path = f"/api/v1/namespaces/{kube_namespace}/configmaps"
    _create(localkube, path, {"metadata": {"name": "held", "finalizers": ["example.com/hold"]}})
    status, answer = send_json(localkube, "DELETE", f"{path}/held?orphanDependents=false")
    assert status == 202 and answer["metadata"]["deletionTimestamp"]
    _create(localkube, path, {"metadata": {"name": "free"}})
    status, answer = send_json(localkube, "DELETE", f"{path}/free?orphanDependents=false")
    assert status == 200 and answer["kind"] == "Status"
    release = {"metadata": {"finalizers": None}}
    send_json(localkube, "PATCH", f"{path}/held", release, content_type="application/merge-patch+json")
