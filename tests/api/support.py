"""Helpers the session API tests share: URLs, role bindings, managed namespaces, clients."""

from __future__ import annotations

import secrets
from typing import Any

import kubernetes.client
from kubernetes.client import V1ClusterRoleBinding, V1RoleBinding
from rest_framework.test import APIClient

from ambient.contract import Phase
from sessions.api_constants import MANAGED_LABEL, MANAGED_LABEL_VALUE, ROLE_ADMIN, ROLE_EDIT, ROLE_VIEW
from sessions.services.projects import PROJECT_CREATOR_ROLE

ROLES = {"admin": ROLE_ADMIN, "edit": ROLE_EDIT, "view": ROLE_VIEW}

# Session phases with a run in progress, and those after one: what start, stop and PUT accept or refuse.
ACTIVE = [Phase.PENDING, Phase.CREATING, Phase.RUNNING, Phase.STOPPING]
FINISHED = [Phase.COMPLETED, Phase.FAILED, Phase.STOPPED]


def sessions_url(project: str, session: str = "", suffix: str = "") -> str:
    url = f"/api/projects/{project}/agentic-sessions"
    if session:
        url += f"/{session}"
    if suffix:
        url += f"/{suffix}"
    return url


def bind(localkube: Any, namespace: str, username: str, role: str) -> None:
    rbac = kubernetes.client.RbacAuthorizationV1Api(localkube.api_client())
    rbac.create_namespaced_role_binding(
        namespace,
        V1RoleBinding.model_validate(
            {
                "metadata": {"name": f"{role}-{secrets.token_hex(6)}"},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": ROLES[role]},
                "subjects": [{"kind": "User", "name": username, "apiGroup": "rbac.authorization.k8s.io"}],
            }
        ),
    )


def make_project_creator(localkube: Any, subject: str, *, kind: str = "User") -> None:
    """Grant `subject` the right to create projects (ClusterRoleBinding to ambient-project-creator)."""
    rbac = kubernetes.client.RbacAuthorizationV1Api(localkube.api_client())
    rbac.create_cluster_role_binding(
        V1ClusterRoleBinding.model_validate(
            {
                "metadata": {"name": f"creator-{secrets.token_hex(6)}"},
                "roleRef": {
                    "apiGroup": "rbac.authorization.k8s.io",
                    "kind": "ClusterRole",
                    "name": PROJECT_CREATOR_ROLE,
                },
                "subjects": [{"kind": kind, "name": subject, "apiGroup": "rbac.authorization.k8s.io"}],
            }
        )
    )


def managed_namespace(localkube: Any) -> str:
    name = localkube.create_namespace("proj-")
    core = kubernetes.client.CoreV1Api(localkube.api_client())
    core.patch_namespace(name, {"metadata": {"labels": {MANAGED_LABEL: MANAGED_LABEL_VALUE}}})
    return name


def client_with(token: str | None) -> APIClient:
    client = APIClient()
    if token:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client
