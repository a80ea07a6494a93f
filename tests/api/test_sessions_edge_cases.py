"""Edge cases of PUT and clone found in review, over HTTP against localkube.

A GET response sent back to PUT keeps its spec; clones of long names and display names stay within
the limits the CRD and the derived object names impose.
"""

from __future__ import annotations

import pytest

from ambient.contract import MAX_SESSION_NAME_LENGTH
from sessions.api_constants import DISPLAY_NAME_MAX_LENGTH
from tests.api.support import bind, client_with, managed_namespace, sessions_url

pytestmark = [pytest.mark.localkube, pytest.mark.integration]


def test_put_of_a_get_response_keeps_the_spec(admin_client, project, seed_session):
    seed_session(project, "done", phase="Completed", displayName="keep me", timeout=60)
    session = admin_client.get(sessions_url(project, "done")).json()
    session["spec"]["timeout"] = 120
    response = admin_client.put(sessions_url(project, "done"), session, format="json")
    assert response.status_code == 200, response.json()
    spec = response.json()["spec"]
    assert spec["timeout"] == 120
    assert spec["displayName"] == "keep me" and spec["initialPrompt"] == "seeded"


def test_put_of_a_stale_get_response_is_409(admin_client, project, seed_session):
    seed_session(project, "done", phase="Completed")
    session = admin_client.get(sessions_url(project, "done")).json()
    assert (
        admin_client.put(sessions_url(project, "done", "displayname"), {"displayName": "x"}, format="json").status_code
        == 200
    )
    response = admin_client.put(sessions_url(project, "done"), session, format="json")
    assert response.status_code == 409


def test_put_refuses_the_legacy_parent_session_id(admin_client, project, seed_session):
    seed_session(project, "done", phase="Completed")
    response = admin_client.put(sessions_url(project, "done"), {"parent_session_id": "earlier"}, format="json")
    assert response.status_code == 400
    assert "parentSessionId" in response.json()["details"]["fields"]


def test_clone_of_a_long_display_name_fits_the_limit(admin_client, project, seed_session):
    seed_session(project, "src", phase="Completed", displayName="d" * DISPLAY_NAME_MAX_LENGTH)
    response = admin_client.post(sessions_url(project, "src", "clone"), {}, format="json")
    assert response.status_code == 201, response.json()
    display_name = response.json()["spec"]["displayName"]
    assert len(display_name) <= DISPLAY_NAME_MAX_LENGTH and display_name.endswith("(Duplicate)")


def test_clone_of_a_long_kubectl_made_name_gets_a_valid_session_name(django_kube, make_user, project, seed_session):
    """Into another project, where the source's own name is free, the copy must still not take it."""
    target = managed_namespace(django_kube)
    username, token = make_user("edit", project)
    bind(django_kube, target, username, "edit")
    long_name = "k" * (MAX_SESSION_NAME_LENGTH + 8)
    seed_session(project, long_name, phase="Completed")
    response = client_with(token).post(
        sessions_url(project, long_name, "clone"), {"targetProject": target}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert len(response.json()["metadata"]["name"]) <= MAX_SESSION_NAME_LENGTH
