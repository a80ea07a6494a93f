"""Django staff logged in to the admin use the API (browsable) through the control plane's identity."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from tests.api.support import client_with, sessions_url

pytestmark = [pytest.mark.localkube, pytest.mark.integration, pytest.mark.django_db]


def staff_client(*, is_staff: bool) -> APIClient:
    user = get_user_model().objects.create_user("operator", password="pw", is_staff=is_staff)
    client = APIClient(enforce_csrf_checks=False)
    client.force_login(user)
    return client


def test_staff_can_browse_and_create(project, seed_session):
    seed_session(project, "seen")
    client = staff_client(is_staff=True)
    page = client.get(sessions_url(project), HTTP_ACCEPT="text/html")
    assert page.status_code == 200
    assert b"seen" in page.content
    created = client.post(sessions_url(project), {"initialPrompt": "from admin"}, format="json")
    assert created.status_code == 201
    assert created.json()["spec"]["userContext"]["userId"] == "operator"


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
