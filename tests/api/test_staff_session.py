"""Django staff logged in to the admin use the API (browsable) as themselves: the control plane
impersonates them (username, `ambient:django-staff` and their Django groups), so RBAC decides."""

from __future__ import annotations

import secrets

import kubernetes.client
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from kubernetes.client import V1RoleBinding
from rest_framework.test import APIClient

from tests.api.support import ROLES, bind, client_with, sessions_url

pytestmark = [pytest.mark.localkube, pytest.mark.integration, pytest.mark.django_db]


def staff_client(*, is_staff: bool, username: str = "operator", groups: tuple[str, ...] = ()) -> APIClient:
    user = get_user_model().objects.create_user(username, password="pw", is_staff=is_staff)
    for name in groups:
        user.groups.add(Group.objects.get_or_create(name=name)[0])
    client = APIClient(enforce_csrf_checks=False)
    client.force_login(user)
    return client


def test_staff_without_a_binding_are_refused_like_any_user(project, seed_session):
    seed_session(project, "hidden")
    response = staff_client(is_staff=True).get(sessions_url(project))
    assert response.status_code == 403, response.json()


def test_staff_bound_in_the_project_can_browse_and_create(django_kube, project, seed_session):
    seed_session(project, "seen")
    bind(django_kube, project, "operator", "edit")
    client = staff_client(is_staff=True)
    page = client.get(sessions_url(project), HTTP_ACCEPT="text/html")
    assert page.status_code == 200
    assert b"seen" in page.content
    created = client.post(sessions_url(project), {"initialPrompt": "from admin"}, format="json")
    assert created.status_code == 201
    assert created.json()["spec"]["userContext"]["userId"] == "operator"


def test_a_django_group_is_impersonated_as_a_kubernetes_group(django_kube, project, seed_session):
    seed_session(project, "for-the-team")
    team = f"team-{secrets.token_hex(3)}"
    kubernetes.client.RbacAuthorizationV1Api(django_kube.api_client()).create_namespaced_role_binding(
        project,
        V1RoleBinding.model_validate(
            {
                "metadata": {"name": "team-view"},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": ROLES["view"]},
                "subjects": [{"kind": "Group", "name": team, "apiGroup": "rbac.authorization.k8s.io"}],
            }
        ),
    )
    member = staff_client(is_staff=True, username="member", groups=(team,))
    assert member.get(sessions_url(project)).status_code == 200
    # Viewing does not allow creating: RBAC said so, not the control plane's own rights.
    assert member.post(sessions_url(project), {"initialPrompt": "x"}, format="json").status_code == 403


def test_non_staff_django_users_are_refused(project):
    assert staff_client(is_staff=False).get(sessions_url(project)).status_code in (401, 403)


def test_docs_and_schema_render(client):
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200


def test_api_root_answers_a_token_caller(make_user):
    _, token = make_user()
    response = client_with(token).get("/api/")
    assert response.status_code == 200
    assert "projects" in response.json()
