"""The kinds and verbs the product uses, each answered with kube-apiserver's status code and body
shape (API conventions: create 201 with the stored object, get/update/patch 200, list ``<Kind>List``
with a list resourceVersion, stale update 409 Conflict, missing object 404, reviews and
TokenRequest 201 with their status filled in)."""

from __future__ import annotations

from typing import Any

import pytest

from localkube.tests.helpers import create_crd, widget
from localkube.tests.wire import send, send_json

CONTAINER = {"name": "c", "image": "unmapped.example/none"}

# kind: (group, version, resource, body, an update to apply, keeps metadata.generation)
KINDS: dict[str, tuple[str, str, str, dict[str, Any], dict[str, Any], bool]] = {
    "Pod": ("", "v1", "pods", {"spec": {"containers": [CONTAINER]}}, {"metadata": {"labels": {"a": "b"}}}, True),
    "Service": ("", "v1", "services", {"spec": {"ports": [{"port": 80}]}}, {"spec": {"selector": {"a": "b"}}}, False),
    "ServiceAccount": ("", "v1", "serviceaccounts", {}, {"automountServiceAccountToken": False}, False),
    "PersistentVolumeClaim": (
        "",
        "v1",
        "persistentvolumeclaims",
        {"spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}},
        {"metadata": {"labels": {"a": "b"}}},
        False,
    ),
    "Secret": ("", "v1", "secrets", {"stringData": {"k": "v"}}, {"data": {"k": "dw=="}}, False),
    "ConfigMap": ("", "v1", "configmaps", {"data": {"k": "v"}}, {"data": {"k": "w"}}, False),
    "Event": (
        "",
        "v1",
        "events",
        {"involvedObject": {"kind": "Pod", "name": "p"}, "reason": "Started", "type": "Normal"},
        {"count": 2},
        False,
    ),
    "Job": (
        "batch",
        "v1",
        "jobs",
        {"spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [CONTAINER]}}}},
        {"spec": {"activeDeadlineSeconds": 60}},
        True,
    ),
    "Role": (
        "rbac.authorization.k8s.io",
        "v1",
        "roles",
        {"rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]},
        {"rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}]},
        False,
    ),
    "RoleBinding": (
        "rbac.authorization.k8s.io",
        "v1",
        "rolebindings",
        {"roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"}},
        {"subjects": [{"kind": "User", "name": "ann", "apiGroup": "rbac.authorization.k8s.io"}]},
        False,
    ),
    "Lease": (
        "coordination.k8s.io",
        "v1",
        "leases",
        {"spec": {"holderIdentity": "a", "leaseDurationSeconds": 15}},
        {"spec": {"holderIdentity": "b"}},
        False,
    ),
    "NetworkPolicy": (
        "networking.k8s.io",
        "v1",
        "networkpolicies",
        {"spec": {"podSelector": {}, "policyTypes": ["Ingress"]}},
        {"spec": {"podSelector": {"matchLabels": {"a": "b"}}}},
        True,
    ),
}


def _collection(group: str, version: str, resource: str, namespace: str) -> str:
    prefix = f"/apis/{group}/{version}" if group else f"/api/{version}"
    return f"{prefix}/namespaces/{namespace}/{resource}"


def _api_version(group: str, version: str) -> str:
    return f"{group}/{version}" if group else version


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_crud_status_codes_and_shapes(localkube, kube_namespace, kind):
    group, version, resource, body, change, keeps_generation = KINDS[kind]
    path = _collection(group, version, resource, kube_namespace)
    api_version = _api_version(group, version)

    status, created = send_json(
        localkube, "POST", path, {"apiVersion": api_version, "kind": kind, "metadata": {"name": "x"}, **body}
    )
    assert status == 201, created
    assert (created["kind"], created["apiVersion"]) == (kind, api_version)
    metadata = created["metadata"]
    assert {"name", "namespace", "uid", "resourceVersion", "creationTimestamp"} <= set(metadata)
    assert ("generation" in metadata) is keeps_generation, metadata
    assert "generateName" not in metadata and "selfLink" not in metadata

    status, read = send_json(localkube, "GET", f"{path}/x")
    assert status == 200 and (read["kind"], read["metadata"]["uid"]) == (kind, metadata["uid"])

    status, listing = send_json(localkube, "GET", path)
    assert status == 200
    assert (listing["kind"], listing["apiVersion"]) == (f"{kind}List", api_version)
    assert listing["metadata"]["resourceVersion"].isdigit()
    assert [item["metadata"]["name"] for item in listing["items"]] == ["x"] or kind == "ServiceAccount"
    assert all("kind" not in item and "apiVersion" not in item for item in listing["items"])  # typed list items

    status, patched = send_json(localkube, "PATCH", f"{path}/x", change, content_type="application/merge-patch+json")
    assert status == 200 and patched["kind"] == kind
    assert int(patched["metadata"]["resourceVersion"]) > int(created["metadata"]["resourceVersion"])

    for _attempt in range(20):  # the runtime writes pod status too: read-modify-write until ours lands
        current = send_json(localkube, "GET", f"{path}/x")[1]
        current["metadata"].setdefault("annotations", {})["touched"] = "yes"
        status, updated = send_json(localkube, "PUT", f"{path}/x", current)
        if status != 409:
            break
    assert status == 200 and updated["metadata"]["annotations"]["touched"] == "yes"

    stale = {**patched, "metadata": {**patched["metadata"], "resourceVersion": created["metadata"]["resourceVersion"]}}
    stale.setdefault("metadata", {}).setdefault("labels", {})["stale"] = "yes"
    status, conflict = send_json(localkube, "PUT", f"{path}/x", stale)
    assert status == 409 and conflict["reason"] == "Conflict"
    qualified = f"{resource}.{group}" if group else resource
    assert conflict["message"].startswith(f'Operation cannot be fulfilled on {qualified} "x"')
    assert conflict["details"] == {"name": "x", **({"group": group} if group else {}), "kind": resource}

    status, missing = send_json(localkube, "GET", f"{path}/nope")
    assert status == 404
    assert missing["details"] == {"name": "nope", **({"group": group} if group else {}), "kind": resource}


def test_agentic_session_like_custom_resource(localkube, kube_namespace):
    """Custom resources (the product's AgenticSession): generation, status subresource, Status on delete."""
    group, version, plural = create_crd(localkube.api_client())
    path = f"/apis/{group}/{version}/namespaces/{kube_namespace}/{plural}"
    status, created = send_json(localkube, "POST", path, widget("s", group))
    assert status == 201 and created["metadata"]["generation"] == 1
    status, patched = send_json(
        localkube,
        "PATCH",
        f"{path}/s/status",
        {"status": {"phase": "Running"}},
        content_type="application/merge-patch+json",
    )
    assert status == 200 and patched["status"]["phase"] == "Running" and patched["metadata"]["generation"] == 1
    status, listing = send_json(localkube, "GET", path)
    assert listing["kind"] == "WidgetList" and listing["items"][0]["kind"] == "Widget"
    status, answer = send_json(localkube, "DELETE", f"{path}/s")
    assert status == 200 and answer["kind"] == "Status" and answer["details"]["group"] == group


def test_token_request(localkube, kube_namespace):
    send_json(
        localkube, "POST", f"/api/v1/namespaces/{kube_namespace}/serviceaccounts", {"metadata": {"name": "runner"}}
    )
    status, answer = send_json(
        localkube,
        "POST",
        f"/api/v1/namespaces/{kube_namespace}/serviceaccounts/runner/token",
        {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": {"expirationSeconds": 3600}},
    )
    assert status == 201
    assert (answer["kind"], answer["apiVersion"]) == ("TokenRequest", "authentication.k8s.io/v1")
    assert answer["status"]["token"] and answer["status"]["expirationTimestamp"].endswith("Z")
    assert answer["spec"]["expirationSeconds"] == 3600
    status, missing = send_json(
        localkube,
        "POST",
        f"/api/v1/namespaces/{kube_namespace}/serviceaccounts/ghost/token",
        {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": {}},
    )
    assert status == 404 and missing["details"] == {"name": "ghost", "kind": "serviceaccounts"}


def test_access_and_token_reviews(localkube, kube_namespace):
    attributes = {"namespace": kube_namespace, "verb": "get", "resource": "pods"}
    status, ssar = send_json(
        localkube,
        "POST",
        "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
        {
            "apiVersion": "authorization.k8s.io/v1",
            "kind": "SelfSubjectAccessReview",
            "spec": {"resourceAttributes": attributes},
        },
    )
    assert status == 201 and ssar["kind"] == "SelfSubjectAccessReview" and ssar["status"]["allowed"] is True
    status, sar = send_json(
        localkube,
        "POST",
        "/apis/authorization.k8s.io/v1/subjectaccessreviews",
        {
            "apiVersion": "authorization.k8s.io/v1",
            "kind": "SubjectAccessReview",
            "spec": {"user": "nobody-in-particular", "resourceAttributes": attributes},
        },
    )
    assert status == 201 and sar["kind"] == "SubjectAccessReview" and sar["status"]["allowed"] is False
    status, review = send_json(
        localkube,
        "POST",
        "/apis/authentication.k8s.io/v1/tokenreviews",
        {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview", "spec": {"token": localkube.admin_token}},
    )
    assert status == 201 and review["status"]["authenticated"] is True
    assert review["status"]["user"]["username"] == "localkube-admin"
    status, _ = send(localkube, "GET", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews")
    assert status == 405
