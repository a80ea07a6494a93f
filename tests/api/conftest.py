"""Fixtures for the session API against localkube: a managed project, users bound to a role, clients."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

import kubernetes.client
import pytest
from rest_framework.test import APIClient

from sessions.api_constants import MANAGED_LABEL, MANAGED_LABEL_VALUE, ROLE_ADMIN, ROLE_EDIT, ROLE_VIEW
from sessions.constants import API_VERSION, GROUP, KIND, PLURAL, VERSION, Phase
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
        {
            "metadata": {"name": f"{role}-{secrets.token_hex(6)}"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": ROLES[role]},
            "subjects": [{"kind": "User", "name": username, "apiGroup": "rbac.authorization.k8s.io"}],
        },
    )


def make_project_creator(localkube: Any, subject: str, *, kind: str = "User") -> None:
    """Grant `subject` the right to create projects (ClusterRoleBinding to ambient-project-creator)."""
    rbac = kubernetes.client.RbacAuthorizationV1Api(localkube.api_client())
    rbac.create_cluster_role_binding(
        {
            "metadata": {"name": f"creator-{secrets.token_hex(6)}"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": PROJECT_CREATOR_ROLE},
            "subjects": [{"kind": kind, "name": subject, "apiGroup": "rbac.authorization.k8s.io"}],
        }
    )


def managed_namespace(localkube: Any) -> str:
    name = localkube.create_namespace("proj-")
    core = kubernetes.client.CoreV1Api(localkube.api_client())
    core.patch_namespace(name, {"metadata": {"labels": {MANAGED_LABEL: MANAGED_LABEL_VALUE}}})
    return name


@pytest.fixture
def project(django_kube, kube_namespace: str) -> str:
    """A fresh namespace labelled as an Ambient project."""
    core = kubernetes.client.CoreV1Api(django_kube.api_client())
    core.patch_namespace(kube_namespace, {"metadata": {"labels": {MANAGED_LABEL: MANAGED_LABEL_VALUE}}})
    return kube_namespace


@pytest.fixture
def make_user(django_kube) -> Callable[..., tuple[str, str]]:
    """`make_user(role, project)` → (username, token); role None means no binding at all."""

    def make(role: str | None = None, project: str | None = None, *, groups: tuple[str, ...] = ()) -> tuple[str, str]:
        username = f"user-{secrets.token_hex(4)}@example.com"
        token = django_kube.create_user(username, groups=groups)
        if role is not None:
            assert project is not None
            bind(django_kube, project, username, role)
        return username, token

    return make


def client_with(token: str | None) -> APIClient:
    client = APIClient()
    if token:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.fixture
def client_as(make_user) -> Callable[[str | None, str], APIClient]:
    """`client_as(role, project)`: an API client authenticated as a new user holding `role` there."""

    def make(role: str | None, project: str) -> APIClient:
        _, token = make_user(role, project)
        return client_with(token)

    return make


@pytest.fixture
def admin_client(client_as, project: str) -> APIClient:
    return client_as("admin", project)


@pytest.fixture
def admin_token(make_user, project: str) -> str:
    """The bearer token of a project admin (for tests that need several clients)."""
    _, token = make_user("admin", project)
    return token


@pytest.fixture
def kube_sessions(django_kube) -> Any:
    return kubernetes.client.CustomObjectsApi(django_kube.api_client())


@pytest.fixture
def seed_session(kube_sessions) -> Callable[..., dict[str, Any]]:
    """Create a CR directly (as the cluster admin), optionally with a status phase the reconciler would set."""

    def seed(project: str, name: str, *, phase: str | None = None, **spec: Any) -> dict[str, Any]:
        body = {
            "apiVersion": API_VERSION,
            "kind": KIND,
            "metadata": {"name": name},
            "spec": {"initialPrompt": "seeded", **spec},
        }
        created = kube_sessions.create_namespaced_custom_object(GROUP, VERSION, project, PLURAL, body)
        if phase is not None:
            created = kube_sessions.patch_namespaced_custom_object_status(
                GROUP, VERSION, project, PLURAL, name, {"status": {"phase": phase}}
            )
        return created

    return seed
