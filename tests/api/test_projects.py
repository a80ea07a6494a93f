"""Projects: list, create (namespace + admin binding by the control plane), get, delete."""

from __future__ import annotations

import secrets

import kubernetes.client
import pytest

from sessions.api_constants import MANAGED_LABEL, MANAGED_LABEL_VALUE, ROLE_ADMIN
from tests.api.support import client_with, make_project_creator, sessions_url

pytestmark = [pytest.mark.localkube, pytest.mark.integration]


@pytest.fixture
def new_project_name(django_kube):
    name = f"ambient-{secrets.token_hex(4)}"
    yield name
    core = kubernetes.client.CoreV1Api(django_kube.api_client())
    try:
        core.delete_namespace(name)
    except kubernetes.client.ApiException as error:
        if error.status != 404:
            raise


def test_create_project_makes_the_caller_admin(django_kube, make_user, new_project_name):
    username, token = make_user()
    make_project_creator(django_kube, username)
    client = client_with(token)
    response = client.post("/api/projects", {"name": new_project_name, "displayName": "My project"}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["displayName"] == "My project"
    namespace = kubernetes.client.CoreV1Api(django_kube.api_client()).read_namespace(new_project_name)
    assert namespace.metadata.labels[MANAGED_LABEL] == MANAGED_LABEL_VALUE
    bindings = kubernetes.client.RbacAuthorizationV1Api(django_kube.api_client()).list_namespaced_role_binding(
        new_project_name
    )
    assert [(b.role_ref.name, b.subjects[0].name) for b in bindings.items] == [(ROLE_ADMIN, username)]
    # The new admin can use it at once: create a session, see the project listed, get it.
    assert client.post(sessions_url(new_project_name), {"initialPrompt": "hi"}, format="json").status_code == 201
    assert new_project_name in [item["name"] for item in client.get("/api/projects").json()["items"]]
    assert client.get(f"/api/projects/{new_project_name}").status_code == 200
    assert client.post("/api/projects", {"name": new_project_name}, format="json").status_code == 409


@pytest.mark.parametrize(
    ("body", "field"), [({"name": "Bad Name"}, "name"), ({"name": "kube-system"}, "name"), ({}, "name")]
)
def test_create_project_validates(django_kube, make_user, body, field):
    username, token = make_user()
    make_project_creator(django_kube, username)
    response = client_with(token).post("/api/projects", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["details"]["fields"]


def test_create_project_needs_a_token():
    assert client_with(None).post("/api/projects", {"name": "x"}, format="json").status_code == 401


def test_project_creation_needs_the_creator_right(django_kube, make_user, new_project_name):
    _, outsider = make_user()
    creator, token = make_user()
    make_project_creator(django_kube, creator)
    body = {"name": new_project_name}
    refused = client_with(outsider).post("/api/projects", body, format="json")
    assert refused.status_code == 403
    assert "ambient-project-creator" in refused.json()["error"]
    assert client_with(token).post("/api/projects", body, format="json").status_code == 201


def test_project_creation_right_can_be_granted_to_a_group(django_kube, make_user, new_project_name):
    _, token = make_user(groups=("ambient:creators",))
    make_project_creator(django_kube, "ambient:creators", kind="Group")
    assert client_with(token).post("/api/projects", {"name": new_project_name}, format="json").status_code == 201


def test_get_unmanaged_or_missing_project_is_404(django_kube, make_user):
    _, token = make_user()
    plain = django_kube.create_namespace("plain-")
    assert client_with(token).get(f"/api/projects/{plain}").status_code == 404
    assert client_with(token).get("/api/projects/does-not-exist").status_code == 404
    assert client_with(token).get("/api/projects/Bad_Name").status_code == 400


def test_delete_project(client_as, project):
    assert client_as("edit", project).delete(f"/api/projects/{project}").status_code == 403
    admin = client_as("admin", project)
    assert admin.delete(f"/api/projects/{project}").status_code == 204
