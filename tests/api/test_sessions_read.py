"""Session actions 1 (list) and 3 (get) over HTTP against localkube, and who may call them.

Paging, search and filters; 400 for bad queries or project names; 401 without a valid token (and the
forwarded access token accepted); 403 without a binding; 404.
"""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.api.support import client_with, sessions_url

pytestmark = [pytest.mark.localkube, pytest.mark.integration]


def names(response):
    return [item["metadata"]["name"] for item in response.json()["items"]]


# --- 1 list -------------------------------------------------------------------------------------


def test_list_empty_is_a_list(admin_client, project):
    response = admin_client.get(sessions_url(project))
    assert response.status_code == 200
    assert response.json() == {"items": [], "totalCount": 0, "limit": 20, "offset": 0, "hasMore": False}


def test_list_pages_searches_and_filters(admin_client, project, seed_session):
    seed_session(project, "one", phase="Running", displayName="Login fix")
    seed_session(project, "two", phase="Completed")
    seed_session(project, "three")
    page = admin_client.get(sessions_url(project), {"limit": 2})
    assert page.status_code == 200
    assert page.json()["totalCount"] == 3 and page.json()["hasMore"] is True and len(page.json()["items"]) == 2
    assert names(admin_client.get(sessions_url(project), {"search": "login"})) == ["one"]
    assert names(admin_client.get(sessions_url(project), {"phase": "Completed"})) == ["two"]
    assert names(admin_client.get(sessions_url(project), {"phase": "Pending"})) == ["three"]


@pytest.mark.parametrize(
    ("query", "field"),
    [({"limit": 0}, "limit"), ({"limit": 101}, "limit"), ({"offset": -1}, "offset"), ({"phase": "Nope"}, "phase")],
)
def test_list_rejects_bad_query(admin_client, project, query, field):
    response = admin_client.get(sessions_url(project), query)
    assert response.status_code == 400
    assert field in response.json()["details"]["fields"]


def test_invalid_project_name_is_400(admin_client):
    response = admin_client.get(sessions_url("Not_A_Namespace"))
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_project"


def test_no_token_is_401(project):
    response = client_with(None).get(sessions_url(project))
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_unknown_token_is_401(project):
    assert client_with("not-a-token").get(sessions_url(project)).status_code == 401


def test_forwarded_access_token_is_accepted(make_user, project):
    _, token = make_user("view", project)
    client = APIClient()
    client.credentials(HTTP_X_FORWARDED_ACCESS_TOKEN=token)
    assert client.get(sessions_url(project)).status_code == 200


def test_user_without_binding_is_403(client_as, project):
    response = client_as(None, project).get(sessions_url(project))
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


# --- 3 get --------------------------------------------------------------------------------------


def test_get_and_404(client_as, project, seed_session):
    seed_session(project, "here")
    viewer = client_as("view", project)
    response = viewer.get(sessions_url(project, "here"))
    assert response.status_code == 200
    assert response.json()["metadata"]["name"] == "here"
    assert "managedFields" not in response.json()["metadata"]
    assert viewer.get(sessions_url(project, "absent")).status_code == 404
