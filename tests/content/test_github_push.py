"""Actions 28–29 through the api, the content service and the git server, with the user's token."""

from __future__ import annotations

from typing import Any

import kubernetes.client
import pytest

from tests.api.support import sessions_url
from tests.content.test_content_sync import _sync

pytestmark = [pytest.mark.localkube, pytest.mark.integration]


@pytest.fixture
def pushable(project, running_session, content_token, content_process, direct_route, project_secret, git_server):
    """`pushable(repo)` → content process: a Running session "s1" with `repo` cloned, whose git credentials
    come only from the project's GITHUB_TOKEN (sent by the api as X-Git-Token)."""

    def make(repo: dict[str, Any]):
        project_secret(project, {"GITHUB_TOKEN": git_server.token})
        session = running_session(project, "s1", repos=[repo])
        process = content_process(content_token(project, "s1"), git_token_fallback=False)
        direct_route(process)
        _decision, failed = _sync(session)
        assert not failed
        return process

    return make


def _events(django_kube: Any, project: str) -> list[Any]:
    core = kubernetes.client.CoreV1Api(django_kube.api_client())
    return [
        event for event in core.list_namespaced_event(project).items if event.reason in ("GitPushed", "GitPushFailed")
    ]


def test_push_goes_to_the_output_remote_on_the_session_branch(
    django_kube, admin_client, project, pushable, git_repository, git_server
):
    source = git_repository({"README.md": "hello"})
    output = git_repository({"README.md": "hello"})
    pushable({"url": source, "name": "app", "output": {"url": output}})
    put = admin_client.put(
        sessions_url(project, "s1", "workspace/repos/app/notes.txt"), b"pushed\n", content_type="text/plain"
    )
    assert put.status_code == 200, put.content

    diff = admin_client.get(sessions_url(project, "s1", "github/diff"), {"repo": "app"})
    assert diff.status_code == 200, diff.json()
    assert diff.json()["files"]["added"] == 1
    assert diff.json()["total_added"] == 1

    pushed = admin_client.post(
        sessions_url(project, "s1", "github/push"), {"repo": "app", "commitMessage": "notes"}, format="json"
    )
    assert pushed.status_code == 200, pushed.json()
    output_name = output.rsplit("/", 1)[-1].removesuffix(".git")
    assert git_server.read_file(output_name, "notes.txt", branch="ambient/s1") == b"pushed\n"
    assert [event.reason for event in _events(django_kube, project)] == ["GitPushed"]


def test_a_failed_push_is_an_error_and_an_event(
    django_kube, admin_client, project, pushable, git_repository, git_server
):
    source = git_repository({"README.md": "hello"})
    pushable({"url": source, "name": "app", "output": {"url": git_server.url_for("missing-output")}})
    admin_client.put(sessions_url(project, "s1", "workspace/repos/app/x.txt"), b"x", content_type="text/plain")
    pushed = admin_client.post(sessions_url(project, "s1", "github/push"), {"repoIndex": 0}, format="json")
    assert pushed.status_code >= 400, pushed.json()
    assert pushed.json()["error"]
    assert [event.reason for event in _events(django_kube, project)] == ["GitPushFailed"]


@pytest.mark.parametrize(
    "body",
    [{}, {"repo": "../x"}, {"repoIndex": -1}, {"repo": "app", "branch": "-f"}, {"repo": "app", "branch": "a b"}],
)
def test_bad_push_bodies_are_400(admin_client, project, running_session, body):
    running_session(project, "s1", repos=[{"url": "https://git.example.com/org/app.git"}])
    response = admin_client.post(sessions_url(project, "s1", "github/push"), body, format="json")
    assert response.status_code == 400, response.json()


def test_unknown_repos_are_404_and_viewers_may_not_push(
    client_as, admin_client, project, running_session, content_token, fake_content, direct_route
):
    running_session(project, "s1", repos=[{"url": "https://git.example.com/org/app.git"}])
    direct_route(fake_content(content_token(project, "s1")))
    assert admin_client.get(sessions_url(project, "s1", "github/diff"), {"repo": "nope"}).status_code == 404
    assert (
        admin_client.post(sessions_url(project, "s1", "github/push"), {"repoIndex": 3}, format="json").status_code
        == 400
    )
    viewer = client_as("view", project)
    assert viewer.post(sessions_url(project, "s1", "github/push"), {"repo": "app"}, format="json").status_code == 403
