"""Session routes serve managed projects only: a namespace without the Ambient label is not a project,
whoever asks (a staff user allowed everywhere by RBAC included)."""

from __future__ import annotations

import secrets

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from ambient import kube
from tests.api.support import ROLES, bind, client_with, sessions_url

pytestmark = [pytest.mark.localkube, pytest.mark.integration, pytest.mark.django_db]


def staff_client() -> APIClient:
    """A staff user whom RBAC lets administer sessions in every namespace (a ClusterRoleBinding)."""
    username = f"platform-operator-{secrets.token_hex(3)}"
    kube.control_plane_gateway().create(
        kube.CLUSTER_ROLE_BINDING,
        None,
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRoleBinding",
            "metadata": {"name": username},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": ROLES["admin"]},
            "subjects": [{"kind": "User", "name": username, "apiGroup": "rbac.authorization.k8s.io"}],
        },
    )
    user = get_user_model().objects.create_user(username, password="pw", is_staff=True)
    client = APIClient()
    client.force_login(user)
    return client


@pytest.mark.parametrize("namespace", ["kube-system", "default"])
def test_staff_cannot_create_sessions_in_system_namespaces(django_kube, namespace):
    response = staff_client().post(sessions_url(namespace), {"initialPrompt": "x"}, format="json")
    assert response.status_code == 404, response.json()
    assert response.json()["code"] == "project_not_found"


def test_staff_cannot_list_sessions_of_an_unmanaged_namespace(django_kube):
    plain = django_kube.create_namespace("plain-")
    assert staff_client().get(sessions_url(plain)).status_code == 404


def test_a_user_bound_in_an_unmanaged_namespace_is_not_served(django_kube, make_user):
    plain = django_kube.create_namespace("plain-")
    username, token = make_user()
    bind(django_kube, plain, username, "admin")
    client = client_with(token)
    assert client.get(sessions_url(plain)).status_code == 404
    assert client.post(sessions_url(plain), {"initialPrompt": "x"}, format="json").status_code == 404
