"""Project creation is a privileged write (the control plane creates the namespace and binds its
admin): it needs an explicit right, a person's identity verified afresh, a free quota and a name in
the installation's pattern."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import kubernetes.client
import pytest

from ambient.contract import service_account_name
from tests.api.support import client_with, make_project_creator
from tests.security.api_support import revoke, runner_token

pytestmark = [pytest.mark.localkube, pytest.mark.integration]


@pytest.fixture
def project_names(django_kube) -> Iterator[list[str]]:
    """Names the test may create; whatever exists of them afterwards is deleted."""
    names: list[str] = []
    yield names
    core = kubernetes.client.CoreV1Api(django_kube.api_client())
    for name in names:
        try:
            core.delete_namespace(name)
        except kubernetes.client.ApiException as error:
            if error.status != 404:
                raise


def fresh_name(names: list[str], prefix: str = "ambient-") -> str:
    names.append(f"{prefix}{secrets.token_hex(4)}")
    return names[-1]


def test_a_runner_service_account_token_cannot_create_projects(django_kube, project, seed_session, project_names):
    session = seed_session(project, "agent")
    token = runner_token(django_kube, project, session)
    # Even a ServiceAccount an admin granted the creator role is refused: agents must not replicate.
    make_project_creator(django_kube, f"system:serviceaccount:{project}:{service_account_name('agent')}", kind="User")
    response = client_with(token).post("/api/projects", {"name": fresh_name(project_names)}, format="json")
    assert response.status_code == 403, response.json()
    assert "ServiceAccount" in response.json()["error"]


def test_a_user_without_the_creator_right_cannot_create_projects(make_user, project_names):
    _, token = make_user()
    response = client_with(token).post("/api/projects", {"name": fresh_name(project_names)}, format="json")
    assert response.status_code == 403, response.json()
    assert response.json()["code"] == "project_creation_forbidden"


def test_projects_per_user_are_limited_by_a_quota(settings, django_kube, make_user, project_names):
    settings.PROJECT_QUOTA_PER_USER = 2
    username, token = make_user()
    make_project_creator(django_kube, username)
    client = client_with(token)
    for _ in range(2):
        assert client.post("/api/projects", {"name": fresh_name(project_names)}, format="json").status_code == 201
    refused = client.post("/api/projects", {"name": fresh_name(project_names)}, format="json")
    assert refused.status_code == 403
    assert refused.json()["code"] == "project_quota_exceeded"
    assert refused.json()["details"] == {"quota": 2, "projects": 2}


@pytest.mark.parametrize("name", ["istio-system", "cert-manager", "monitoring", "argocd", "default", "kube-x"])
def test_names_outside_the_project_pattern_are_refused(django_kube, make_user, name):
    # Not handed to `project_names`: its clean-up would delete the cluster's own `default`.
    username, token = make_user()
    make_project_creator(django_kube, username)
    response = client_with(token).post("/api/projects", {"name": name}, format="json")
    assert response.status_code == 400, response.json()
    assert "name" in response.json()["details"]["fields"]


def test_the_project_name_pattern_is_a_setting(settings, django_kube, make_user, project_names):
    settings.PROJECT_NAME_PATTERN = r"team-[a-z0-9]+"
    username, token = make_user()
    make_project_creator(django_kube, username)
    client = client_with(token)
    assert client.post("/api/projects", {"name": fresh_name(project_names, "team-")}, format="json").status_code == 201
    assert client.post("/api/projects", {"name": fresh_name(project_names)}, format="json").status_code == 400


def test_a_revoked_token_creates_no_project_from_a_cached_identity(django_kube, make_user, project_names):
    username, token = make_user()
    make_project_creator(django_kube, username)
    client = client_with(token)
    # The first create caches the token's identity and access answers for the read paths.
    assert client.post("/api/projects", {"name": fresh_name(project_names)}, format="json").status_code == 201
    revoke(django_kube, token)
    late = fresh_name(project_names)
    assert client.post("/api/projects", {"name": late}, format="json").status_code == 401
    with pytest.raises(kubernetes.client.ApiException) as missing:
        kubernetes.client.CoreV1Api(django_kube.api_client()).read_namespace(late)
    assert missing.value.status == 404
