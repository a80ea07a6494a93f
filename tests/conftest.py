"""Fixtures for the session API against localkube: a managed project, users bound to a role, clients.

They serve tests/api and tests/security; the plain helpers live in tests/api/support.py.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

import kubernetes.client
import pytest
from rest_framework.test import APIClient

from ambient.contract import API_VERSION, GROUP, KIND, PLURAL, VERSION
from sessions.api_constants import MANAGED_LABEL, MANAGED_LABEL_VALUE
from tests.api.support import bind, client_with


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
