"""Error paths an attacker reaches first: the token is judged before any lookup or body parsing, odd
tokens and bodies get a clean 4xx (never a 500 or 502), and names are matched whole."""

from __future__ import annotations

import pytest

from ambient.kube import error_from_response
from tests.api.support import client_with, make_project_creator, sessions_url

pytestmark = [pytest.mark.localkube, pytest.mark.integration]


INVALID_TOKEN = "not-a-token-anyone-issued"


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def post_raw(token: str, url: str, body: str):
    return client_with(token).generic("POST", url, body, content_type="application/json")


@pytest.mark.parametrize("depth", [100_000, 40])
def test_deeply_nested_json_with_an_invalid_token_is_401(project, depth):
    for url in ("/api/projects", sessions_url(project)):
        assert post_raw(INVALID_TOKEN, url, nested(depth)).status_code == 401


@pytest.mark.parametrize("depth", [100_000, 40])
def test_deeply_nested_json_with_a_valid_token_is_400(admin_token, project, depth):
    body = '{"initialPrompt": "x", "llmSettings": ' + nested(depth) + "}"
    for url in ("/api/projects", sessions_url(project)):
        response = post_raw(admin_token, url, body)
        assert response.status_code == 400
        assert "nested" in response.json()["error"]


def test_a_non_utf8_bearer_token_is_401(project):
    client = client_with(None)
    # What a server hands Django for raw bytes 0xff 0xfe: latin-1 decoded text.
    response = client.get(sessions_url(project), HTTP_AUTHORIZATION="Bearer \xff\xfe\x80token")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_a_non_ascii_forwarded_token_is_401(project):
    response = client_with(None).get(sessions_url(project), HTTP_X_FORWARDED_ACCESS_TOKEN="t\u00e9ken")
    assert response.status_code == 401


def test_a_10_kb_token_is_401(project):
    response = client_with("a" * 10 * 1024).get(sessions_url(project))
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_a_kubernetes_413_is_an_api_413(admin_token, project, seed_session):
    seed_session(project, "big", phase="Completed")
    body = {"metadata": {"annotations": {"example.com/blob": "x" * (2 * 1024 * 1024)}}}
    response = client_with(admin_token).patch(sessions_url(project, "big"), body, format="json")
    assert response.status_code == 413, response.json()
    assert response.json()["code"] == "payload_too_large"


def test_kubernetes_413_maps_to_413():
    assert error_from_response(413, None, "Request Entity Too Large").status_code == 413


def test_project_names_in_paths_are_matched_whole(make_user):
    _, token = make_user()
    assert client_with(token).get("/api/projects/ambient-x%0A").status_code == 400
    assert client_with(token).get("/api/projects/ambient-x%0A/agentic-sessions").status_code == 400


def test_project_names_in_bodies_are_matched_whole(django_kube, make_user):
    username, token = make_user()
    make_project_creator(django_kube, username)
    response = client_with(token).post("/api/projects", {"name": "ambient-trailing\n"}, format="json")
    assert response.status_code == 400
    assert "name" in response.json()["details"]["fields"]


@pytest.mark.parametrize("method", ["get", "delete"])
def test_an_invalid_token_gets_401_whether_or_not_the_project_exists(project, method):
    client = client_with(INVALID_TOKEN)
    absent = getattr(client, method)("/api/projects/ambient-absent-project")
    existing = getattr(client, method)(f"/api/projects/{project}")
    assert (absent.status_code, existing.status_code) == (401, 401)
    assert absent.json() == existing.json()
