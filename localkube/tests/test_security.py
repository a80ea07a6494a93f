"""What a namespace admin may not do to the host or the cluster: RBAC escalation, host access.

Escalation answers are kube-apiserver's (status, reason, message shape); the host-access policy
is localkube's own (HOST ACCESS in docs/design/LOCALKUBE.md) because its pods are host processes.
"""

from __future__ import annotations

import secrets
from typing import Any

import kubernetes.client
import pytest
from kubernetes.client import ApiException, V1ClusterRole, V1ClusterRoleBinding, V1Pod, V1Role, V1RoleBinding

from localkube.runtime.tests.e2e_support import TEST_IMAGE
from localkube.testing import LocalKube, present
from localkube.tests.helpers import status_body

pytestmark = [pytest.mark.localkube, pytest.mark.integration]

RBAC = "rbac.authorization.k8s.io"
UNMAPPED_IMAGE = "registry.invalid/never-mapped:1"


def namespace_admin(localkube: LocalKube, namespace: str) -> tuple[str, kubernetes.client.ApiClient]:
    """A user bound to the built-in ``admin`` ClusterRole in ``namespace`` (a project admin)."""
    username = f"admin-{secrets.token_hex(4)}"
    token = localkube.create_user(username)
    kubernetes.client.RbacAuthorizationV1Api(localkube.api_client()).create_namespaced_role_binding(
        namespace,
        V1RoleBinding.model_validate(
            {
                "metadata": {"name": f"{username}-admin"},
                "roleRef": {"apiGroup": RBAC, "kind": "ClusterRole", "name": "admin"},
                "subjects": [{"apiGroup": RBAC, "kind": "User", "name": username}],
            }
        ),
    )
    return username, localkube.api_client(token)


def binding(name: str, kind: str, role: str, subject: str) -> dict[str, Any]:
    return {
        "metadata": {"name": name},
        "roleRef": {"apiGroup": RBAC, "kind": kind, "name": role},
        "subjects": [{"apiGroup": RBAC, "kind": "User", "name": subject}],
    }


def refused(call: Any, *args: Any, **kwargs: Any) -> tuple[int, dict[str, Any]]:
    with pytest.raises(ApiException) as caught:
        call(*args, **kwargs)
    return caught.value.status, status_body(caught.value)


def test_rbac_writes_grant_no_more_than_the_writer_holds(localkube: LocalKube, kube_namespace: str) -> None:
    username, client = namespace_admin(localkube, kube_namespace)
    rbac = kubernetes.client.RbacAuthorizationV1Api(client)

    # A `*` Role: more than the admin ClusterRole gives, so refused exactly as kube words it.
    star = {"metadata": {"name": "star"}, "rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]}
    status, body = refused(rbac.create_namespaced_role, kube_namespace, star)
    assert status == 403 and body["reason"] == "Forbidden"
    assert body["message"] == (
        f'roles.{RBAC} "star" is forbidden: user "{username}" (groups=["system:authenticated"]) is attempting '
        'to grant RBAC permissions not currently held:\n{APIGroups:["*"], Resources:["*"], Verbs:["*"]}'
    )
    assert body["details"] == {"name": "star", "group": RBAC, "kind": "roles"}

    # A binding to cluster-admin: the writer does not hold its rules and may not `bind` it.
    status, body = refused(
        rbac.create_namespaced_role_binding, kube_namespace, binding("root", "ClusterRole", "cluster-admin", username)
    )
    assert status == 403
    assert body["message"].startswith(f'rolebindings.{RBAC} "root" is forbidden: user "{username}"')
    assert '{APIGroups:["*"], Resources:["*"], Verbs:["*"]}' in body["message"]
    assert '{NonResourceURLs:["*"], Verbs:["*"]}' in body["message"]

    # What the writer holds may be handed on: a Role inside its rights and a binding to `edit`.
    reader = {"metadata": {"name": "reader"}, "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]}
    rbac.create_namespaced_role(kube_namespace, V1Role.model_validate(reader))
    rbac.create_namespaced_role_binding(
        kube_namespace, V1RoleBinding.model_validate(binding("editors", "ClusterRole", "edit", "someone"))
    )
    rbac.create_namespaced_role_binding(
        kube_namespace, V1RoleBinding.model_validate(binding("readers", "Role", "reader", "someone"))
    )

    # An update is checked too: widening the covered Role to `*` is refused, the Role unchanged.
    status, _ = refused(rbac.patch_namespaced_role, "reader", kube_namespace, {"rules": star["rules"]})
    assert status == 403
    assert present(rbac.read_namespaced_role("reader", kube_namespace).rules, "the role's rules")[0].verbs == ["get"]
    bindings = rbac.list_namespaced_role_binding(kube_namespace).items
    assert [b for b in bindings if present(b.metadata, "metadata").name == "root"] == []


def test_escalate_and_bind_verbs_lift_the_check_by_name(localkube: LocalKube, kube_namespace: str) -> None:
    username = f"delegate-{secrets.token_hex(4)}"
    client = kubernetes.client.RbacAuthorizationV1Api(localkube.api_client(localkube.create_user(username)))
    admin = kubernetes.client.RbacAuthorizationV1Api(localkube.api_client())
    delegate_rules = [
        {"apiGroups": [RBAC], "resources": ["roles", "rolebindings"], "verbs": ["create", "get", "patch"]},
        {"apiGroups": [RBAC], "resources": ["clusterroles"], "verbs": ["bind"], "resourceNames": ["view"]},
    ]
    admin.create_namespaced_role(
        kube_namespace, V1Role.model_validate({"metadata": {"name": "delegate"}, "rules": delegate_rules})
    )
    admin.create_namespaced_role_binding(
        kube_namespace, V1RoleBinding.model_validate(binding("delegate", "Role", "delegate", username))
    )

    # `bind` on the view ClusterRole by name: binding view works although the writer cannot read.
    client.create_namespaced_role_binding(
        kube_namespace, V1RoleBinding.model_validate(binding("viewers", "ClusterRole", "view", "someone"))
    )
    # ...and only view: resourceNames is honoured.
    status, _ = refused(
        client.create_namespaced_role_binding, kube_namespace, binding("editors", "ClusterRole", "edit", "someone")
    )
    assert status == 403

    # Without `escalate`, a Role with rights the writer lacks is refused; with it, allowed.
    wide = {"metadata": {"name": "wide"}, "rules": [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["*"]}]}
    status, _ = refused(client.create_namespaced_role, kube_namespace, wide)
    assert status == 403
    admin.patch_namespaced_role(
        "delegate",
        kube_namespace,
        {"rules": [*delegate_rules, {"apiGroups": [RBAC], "resources": ["roles"], "verbs": ["escalate"]}]},
    )
    created = client.create_namespaced_role(kube_namespace, V1Role.model_validate(wide))
    assert present(created.metadata, "metadata").name == "wide"


def test_cluster_scoped_rbac_needs_cluster_wide_rights(localkube: LocalKube) -> None:
    username = f"crb-writer-{secrets.token_hex(4)}"
    client = kubernetes.client.RbacAuthorizationV1Api(localkube.api_client(localkube.create_user(username)))
    admin = kubernetes.client.RbacAuthorizationV1Api(localkube.api_client())
    suffix = secrets.token_hex(4)
    writer_role = f"rbac-writer-{suffix}"
    admin.create_cluster_role(
        V1ClusterRole.model_validate(
            {
                "metadata": {"name": writer_role},
                "rules": [
                    {"apiGroups": [RBAC], "resources": ["clusterroles", "clusterrolebindings"], "verbs": ["create"]}
                ],
            }
        )
    )
    admin.create_cluster_role_binding(
        V1ClusterRoleBinding.model_validate(binding(writer_role, "ClusterRole", writer_role, username))
    )
    try:
        status, body = refused(
            client.create_cluster_role_binding, binding(f"root-{suffix}", "ClusterRole", "cluster-admin", username)
        )
        assert status == 403 and "attempting to grant RBAC permissions not currently held" in body["message"]
        aggregated = {
            "metadata": {"name": f"gather-{suffix}"},
            "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": {"anything": "true"}}]},
            "rules": [],
        }
        status, body = refused(client.create_cluster_role, aggregated)
        assert status == 403
        assert body["message"] == (
            f'clusterroles.{RBAC} "gather-{suffix}" is forbidden: '
            "must have cluster-admin privileges to use the aggregationRule"
        )
    finally:
        admin.delete_cluster_role_binding(writer_role)
        admin.delete_cluster_role(writer_role)


def pod_body(name: str, image: str, *, host_path: str | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {"containers": [{"name": "main", "image": image, "command": ["id"]}]}
    if host_path is not None:
        spec["volumes"] = [{"name": "host", "hostPath": {"path": host_path}}]
        spec["containers"][0]["volumeMounts"] = [{"name": "host", "mountPath": "/host"}]
    return {"metadata": {"name": name}, "spec": spec}


def test_only_the_control_plane_runs_mapped_images_or_mounts_host_paths(
    localkube: LocalKube, core: kubernetes.client.CoreV1Api, kube_namespace: str
) -> None:
    _, client = namespace_admin(localkube, kube_namespace)
    pods = kubernetes.client.CoreV1Api(client)
    jobs = kubernetes.client.BatchV1Api(client)

    status, body = refused(pods.create_namespaced_pod, kube_namespace, pod_body("mapped", TEST_IMAGE))
    assert status == 403 and body["reason"] == "Forbidden"
    assert body["message"].startswith('pods "mapped" is forbidden: localkube admission:')
    assert TEST_IMAGE in body["message"]
    status, body = refused(pods.create_namespaced_pod, kube_namespace, pod_body("host", UNMAPPED_IMAGE, host_path="/"))
    assert status == 403 and 'hostPath volume "host"' in body["message"]

    # A Job would have the Job controller (the control plane) create the pod: refused at the Job.
    job = {
        "metadata": {"name": "mapped-job"},
        "spec": {"template": {"spec": {**pod_body("x", TEST_IMAGE)["spec"], "restartPolicy": "Never"}}},
    }
    status, body = refused(jobs.create_namespaced_job, kube_namespace, job)
    assert status == 403 and body["message"].startswith('jobs.batch "mapped-job" is forbidden')

    # An unmapped image is admitted (it never runs); switching it to a mapped one is refused.
    pods.create_namespaced_pod(kube_namespace, V1Pod.model_validate(pod_body("plain", UNMAPPED_IMAGE)))
    patch = {"spec": {"containers": [{"name": "main", "image": TEST_IMAGE}]}}
    status, _ = refused(pods.patch_namespaced_pod, "plain", kube_namespace, patch)
    assert status == 403
    plain = present(pods.read_namespaced_pod("plain", kube_namespace).spec, "the pod spec")
    assert plain.containers[0].image == UNMAPPED_IMAGE

    # The control plane (system:masters) may do both; dry run, so nothing starts on the host.
    admitted = core.create_namespaced_pod(
        kube_namespace, V1Pod.model_validate(pod_body("platform", TEST_IMAGE, host_path="/tmp")), dry_run="All"
    )
    volumes = present(admitted.spec, "the pod spec").volumes or []
    assert [volume.host_path.path for volume in volumes if volume.host_path] == ["/tmp"]
