"""Session routes serve managed projects only: a namespace without the Ambient label is not a project,
whoever asks (staff acting through the control plane included)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from tests.api.support import bind, client_with, sessions_url

pytestmark = [pytest.mark.localkube, pytest.mark.integration, pytest.mark.django_db]


def staff_client() -> APIClient:
    user = get_user_model().objects.create_user("platform-operator", password="pw", is_staff=True)
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
