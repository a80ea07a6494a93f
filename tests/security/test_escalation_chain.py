"""The chain that once reached the host of `make run`, replayed step by step.

A user with no binding created a project (and so became its admin), bound ``cluster-admin`` (or a
``*`` Role) in it, then ran a pod with a platform image and a ``hostPath``: a command as the host
user. Each step must now be refused on its own, so every step after the first starts from what
the attacker would hold had the previous one succeeded. The localkube steps run against a
localkube configured as embedded mode configures it (the platform's image map).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kubernetes.client
import pytest
from django.conf import settings
from kubernetes.client import ApiException, V1ClusterRole, V1Role, V1RoleBinding

from localkube.testing import LocalKube
from reconciler import embedded_images
from sessions.api_constants import RBAC_MANIFESTS, ROLE_ADMIN
from sessions.management.commands.install_crds import manifest_documents
from tests.api.support import client_with

pytestmark = [pytest.mark.localkube, pytest.mark.integration]

RBAC = "rbac.authorization.k8s.io"


@pytest.fixture
def embedded_kube(tmp_path: Path) -> Iterator[LocalKube]:
    """A localkube with the image map and project roles `make run` gives it (no pod runtime)."""
    image_map = embedded_images.write_image_map(
        tmp_path / "images.yaml",
        embedded_images.image_map(
            runner_image=settings.RECONCILER_RUNNER_IMAGE, content_image=settings.RECONCILER_CONTENT_IMAGE
        ),
    )
    with LocalKube(tmp_path / "state", image_map_file=image_map, controllers=[]) as kube:
        rbac = kubernetes.client.RbacAuthorizationV1Api(kube.api_client())
        for document in manifest_documents(RBAC_MANIFESTS):
            if document["kind"] == "ClusterRole":
                rbac.create_cluster_role(V1ClusterRole.model_validate(document))
        yield kube


def grant(kube: LocalKube, namespace: str, username: str, role_kind: str, role: str) -> None:
    """What a step would have given the attacker, granted by the cluster admin instead."""
    kubernetes.client.RbacAuthorizationV1Api(kube.api_client()).create_namespaced_role_binding(
        namespace,
        V1RoleBinding.model_validate(
            {
                "metadata": {"name": f"granted-{secrets.token_hex(4)}"},
                "roleRef": {"apiGroup": RBAC, "kind": role_kind, "name": role},
                "subjects": [{"apiGroup": RBAC, "kind": "User", "name": username}],
            }
        ),
    )


def refused(call: Any, *args: Any) -> int:
    with pytest.raises(ApiException) as caught:
        call(*args)
    return caught.value.status


def test_step_1_a_user_without_bindings_cannot_create_a_project(make_user) -> None:
    _, token = make_user()
    name = f"ambient-{secrets.token_hex(4)}"
    response = client_with(token).post("/api/projects", {"name": name}, format="json")
    assert response.status_code == 403, response.json()


def test_step_2_a_project_admin_cannot_bind_more_than_it_holds(embedded_kube: LocalKube) -> None:
    namespace = embedded_kube.create_namespace("proj-")
    username = f"attacker-{secrets.token_hex(4)}"
    token = embedded_kube.create_user(username)
    grant(embedded_kube, namespace, username, "ClusterRole", ROLE_ADMIN)
    rbac = kubernetes.client.RbacAuthorizationV1Api(embedded_kube.api_client(token))
    to_cluster_admin: dict[str, Any] = {
        "metadata": {"name": "root"},
        "roleRef": {"apiGroup": RBAC, "kind": "ClusterRole", "name": "cluster-admin"},
        "subjects": [{"apiGroup": RBAC, "kind": "User", "name": username}],
    }
    assert refused(rbac.create_namespaced_role_binding, namespace, to_cluster_admin) == 403
    star = {"metadata": {"name": "star"}, "rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]}
    assert refused(rbac.create_namespaced_role, namespace, star) == 403
    # A `*` Role someone else left in the namespace cannot be bound either.
    kubernetes.client.RbacAuthorizationV1Api(embedded_kube.api_client()).create_namespaced_role(
        namespace, V1Role.model_validate(star)
    )
    to_star = {**to_cluster_admin, "metadata": {"name": "star"}, "roleRef": {**to_cluster_admin["roleRef"]}}
    to_star["roleRef"].update(kind="Role", name="star")
    assert refused(rbac.create_namespaced_role_binding, namespace, to_star) == 403


@pytest.mark.parametrize("image_setting", ["RECONCILER_CONTENT_IMAGE", "RECONCILER_RUNNER_IMAGE"])
def test_step_3_even_a_namespace_cluster_admin_cannot_run_a_platform_image_or_mount_the_host(
    embedded_kube: LocalKube, image_setting: str
) -> None:
    namespace = embedded_kube.create_namespace("proj-")
    username = f"attacker-{secrets.token_hex(4)}"
    token = embedded_kube.create_user(username)
    grant(embedded_kube, namespace, username, "ClusterRole", "cluster-admin")
    pods = kubernetes.client.CoreV1Api(embedded_kube.api_client(token))
    container = {"name": "main", "image": getattr(settings, image_setting), "command": ["sh", "-c", "id"]}
    with_host: dict[str, Any] = {
        "metadata": {"name": "escape"},
        "spec": {
            "containers": [{**container, "volumeMounts": [{"name": "host", "mountPath": "/host"}]}],
            "volumes": [{"name": "host", "hostPath": {"path": "/"}}],
        },
    }
    assert refused(pods.create_namespaced_pod, namespace, with_host) == 403
    image_only = {"metadata": {"name": "image-only"}, "spec": {"containers": [container]}}
    assert refused(pods.create_namespaced_pod, namespace, image_only) == 403
    host_only = {**with_host, "spec": {**with_host["spec"], "containers": [{**with_host["spec"]["containers"][0]}]}}
    host_only["spec"]["containers"][0]["image"] = "registry.invalid/anything:1"
    assert refused(pods.create_namespaced_pod, namespace, host_only) == 403
    assert pods.list_namespaced_pod(namespace).items == []
