"""Actions 16–26 and 33: proxied to the session's content service, directly or through the service proxy."""

from __future__ import annotations

import os

import pytest

from tests.api.support import client_with, sessions_url

pytestmark = [pytest.mark.localkube, pytest.mark.integration]


@pytest.fixture(params=["direct", "service-proxy"])
def served(request, project, running_session, content_token, fake_content, direct_route, service_proxy_route):
    """A Running session "s1" whose content service answers on the route under test."""
    running_session(project, "s1")
    service = fake_content(content_token(project, "s1"))
    if request.param == "direct":
        direct_route(service)
    else:
        service_proxy_route(project, "s1", service)
    return service


def test_listing_and_files_round_trip(admin_client, project, served):
    url = sessions_url(project, "s1", "workspace/artifacts/notes.bin")
    payload = bytes(range(256)) * 64
    put = admin_client.put(url, payload, content_type="application/octet-stream")
    assert put.status_code == 200, put.content
    assert (served.root / "artifacts" / "notes.bin").read_bytes() == payload
    got = admin_client.get(url)
    assert got.status_code == 200
    assert b"".join(got.streaming_content) == payload
    listed = admin_client.get(sessions_url(project, "s1", "workspace"), {"path": "artifacts"})
    assert listed.status_code == 200
    assert [item["name"] for item in listed.json()["items"]] == ["notes.bin"]


def test_the_content_token_goes_with_every_request(admin_client, project, served):
    admin_client.get(sessions_url(project, "s1", "workspace"))
    assert served.received, "the content service saw no request"
    assert all("x-ambient-content-token" in record.headers for record in served.received)


def test_content_errors_are_relayed(admin_client, project, served):
    missing = admin_client.get(sessions_url(project, "s1", "workspace/nothing/here.txt"))
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"
    conflict = admin_client.post(sessions_url(project, "s1", "git/pull"), {"path": "repos/x"}, format="json")
    assert conflict.status_code == 409
    assert conflict.json()["details"]["conflictingFiles"] == ["README.md"]


def test_git_and_metadata_routes(admin_client, project, served):
    status = admin_client.get(sessions_url(project, "s1", "git/status"), {"path": "repos/tools"})
    assert status.status_code == 200
    assert status.json() == {"initialized": False, "hasChanges": False}
    assert served.received[-1].query == {"path": "repos/tools"}
    pushed = admin_client.post(
        sessions_url(project, "s1", "git/push"), {"path": "artifacts", "branch": "main", "message": "m"}, format="json"
    )
    assert pushed.status_code == 200, pushed.json()
    assert served.received[-1].path == "/git/push"
    metadata = admin_client.get(sessions_url(project, "s1", "workflow/metadata"))
    assert metadata.json()["commands"] == [{"id": "plan"}]


@pytest.mark.parametrize(
    ("method", "suffix", "data"),
    [
        ("get", "workspace", {"path": "../etc"}),
        ("get", "workspace", {"path": "/etc"}),
        ("get", "git/status", {"path": "a\x00b"}),
        ("get", "git/status", {"path": "--upload-pack=x"}),
        ("post", "git/push", {"path": "artifacts", "branch": "-f"}),
        ("post", "git/create-branch", {"path": "artifacts"}),
        ("post", "git/create-branch", {"path": "artifacts", "branchName": "a\nb"}),
        ("post", "git/configure-remote", {"path": "artifacts", "remoteUrl": "ext::sh -c id"}),
        ("post", "git/synchronize", {}),
    ],
)
def test_bad_paths_and_bodies_never_reach_the_content_service(admin_client, project, served, method, suffix, data):
    call = getattr(admin_client, method)
    response = call(sessions_url(project, "s1", suffix), data, **({"format": "json"} if method == "post" else {}))
    assert response.status_code == 400, response.content
    assert served.received == []


@pytest.mark.parametrize("path", ["workspace/..%2F..%2Fetc%2Fpasswd", "workspace/a/../../b", "workspace/-rf"])
def test_bad_file_paths_are_refused(admin_client, project, served, path):
    response = admin_client.get(sessions_url(project, "s1", path))
    assert response.status_code in (400, 404)
    assert served.received == []


def test_viewers_read_but_do_not_write(client_as, project, served):
    viewer = client_as("view", project)
    assert viewer.get(sessions_url(project, "s1", "workspace")).status_code == 200
    put = viewer.put(sessions_url(project, "s1", "workspace/a.txt"), b"x", content_type="text/plain")
    assert put.status_code == 403
    assert viewer.post(sessions_url(project, "s1", "git/push"), {}, format="json").status_code == 403


def test_no_token_is_401(project, served):
    assert client_with(None).get(sessions_url(project, "s1", "workspace")).status_code == 401


def test_a_session_that_is_not_running_is_409(admin_client, project, seed_session):
    seed_session(project, "idle", phase="Stopped")
    response = admin_client.get(sessions_url(project, "idle", "workspace"))
    assert response.status_code == 409
    assert response.json()["code"] == "session_not_running"
    assert "Start the session" in response.json()["error"]


def test_an_unreachable_content_service_is_503_with_a_hint(
    admin_client, project, running_session, content_token, settings
):
    running_session(project, "s1")
    content_token(project, "s1")
    settings.CONTENT_SERVICE_ROUTE = "direct"
    settings.CONTENT_SERVICE_URL_TEMPLATE = "http://127.0.0.1:9"  # discard port: nothing listens
    response = admin_client.get(sessions_url(project, "s1", "workspace"))
    assert response.status_code == 503
    assert response.json()["code"] == "content_service_unavailable"
    assert "k8s-resources" in response.json()["error"]


def test_no_ready_pod_behind_the_service_proxy_is_503(admin_client, project, running_session, content_token, settings):
    running_session(project, "s1")
    content_token(project, "s1")
    settings.CONTENT_SERVICE_ROUTE = "service-proxy"
    response = admin_client.get(sessions_url(project, "s1", "workspace"))
    assert response.status_code == 503
    assert "service-proxy" in response.json()["error"]


def test_a_session_without_a_content_token_is_503(admin_client, project, running_session):
    running_session(project, "s1")
    response = admin_client.get(sessions_url(project, "s1", "workspace"))
    assert response.status_code == 503
    assert response.json()["code"] == "content_token_missing"


LARGE_FILE_BYTES = 8 * 1024 * 1024


def test_a_large_file_streams_both_ways(admin_client, project, served):
    payload = os.urandom(LARGE_FILE_BYTES)
    url = sessions_url(project, "s1", "workspace/big.bin")
    assert admin_client.put(url, payload, content_type="application/octet-stream").status_code == 200
    got = admin_client.get(url)
    assert got.streaming
    assert b"".join(got.streaming_content) == payload
