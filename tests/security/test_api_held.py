"""What held when the API was probed, kept: identity comes from the token alone, a runner token reaches
nothing through the API, system labels and annotations are refused, and a staff browser session
needs a CSRF token for writes."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from tests.api.support import bind, client_with, sessions_url
from tests.security.api_support import runner_token

pytestmark = [pytest.mark.localkube, pytest.mark.integration]


IDENTITY_HEADERS = {
    "HTTP_X_REMOTE_USER": "system:admin",
    "HTTP_X_REMOTE_GROUP": "system:masters",
    "HTTP_IMPERSONATE_USER": "system:admin",
    "HTTP_IMPERSONATE_GROUP": "system:masters",
    "HTTP_X_FORWARDED_USER": "system:admin",
    "HTTP_X_FORWARDED_GROUPS": "system:masters",
}


def test_identity_headers_without_a_token_are_401(project):
    assert client_with(None).get(sessions_url(project), **IDENTITY_HEADERS).status_code == 401


def test_identity_headers_do_not_lift_a_token_users_rights(project, make_user, seed_session):
    seed_session(project, "guarded")
    _, token = make_user()
    client = client_with(token)
    assert client.get(sessions_url(project), **IDENTITY_HEADERS).status_code == 403
    assert client.get("/api/projects", **IDENTITY_HEADERS).json()["items"] == []


def test_identity_headers_do_not_change_the_recorded_user(project, make_user):
    username, token = make_user("edit", project)
    created = client_with(token).post(sessions_url(project), {"initialPrompt": "x"}, format="json", **IDENTITY_HEADERS)
    assert created.status_code == 201
    assert created.json()["spec"]["userContext"]["userId"] == username


def test_a_runner_token_reaches_nothing_through_the_api(django_kube, project, seed_session):
    own = seed_session(project, "own")
    seed_session(project, "other")
    token = runner_token(django_kube, project, own)
    client = client_with(token)
    assert client.get(sessions_url(project)).status_code == 403
    assert client.get(sessions_url(project, "other")).status_code == 403
    assert client.post(sessions_url(project), {"initialPrompt": "x"}, format="json").status_code == 403
    assert client.post(sessions_url(project, "own", "stop")).status_code == 403


@pytest.mark.parametrize(
    "metadata",
    [
        {"annotations": {"ambient-code.io/desired-phase": "Running"}},
        {"annotations": {"ambient-code.io/runner-sa": "someone-else"}},
    ],
)
def test_system_annotations_are_refused(admin_token, project, seed_session, metadata):
    seed_session(project, "labelled", phase="Completed")
    response = client_with(admin_token).patch(sessions_url(project, "labelled"), {"metadata": metadata}, format="json")
    assert response.status_code == 400, response.json()


@pytest.mark.django_db
def test_staff_writes_need_a_csrf_token(django_kube, project):
    user = get_user_model().objects.create_user("csrf-operator", password="pw", is_staff=True)
    bind(django_kube, project, "csrf-operator", "edit")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    assert browser.get(sessions_url(project)).status_code == 200
    refused = browser.post(sessions_url(project), {"initialPrompt": "x"}, content_type="application/json")
    assert refused.status_code == 403
