"""Actions 13–15: repos and workflow are spec writes on a Running session (the reconciler clones)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.api.support import client_with, sessions_url

pytestmark = [pytest.mark.localkube, pytest.mark.integration]

REPO_URL = "https://git.example.com/org/tools.git"


def test_adding_a_repo_appends_it_to_the_spec(admin_client, project, running_session):
    running_session(project, "s1")
    response = admin_client.post(
        sessions_url(project, "s1", "repos"), {"url": REPO_URL, "branch": "dev"}, format="json"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["name"] == "tools"
    assert body["session"]["spec"]["repos"] == [{"url": REPO_URL, "branch": "dev", "name": "tools"}]
    assert body["session"]["metadata"]["generation"] == 2


def test_adding_a_repo_signs_the_callers_identity(make_user, project, running_session):
    username, token = make_user("edit", project)
    running_session(project, "s1")
    response = client_with(token).post(sessions_url(project, "s1", "repos"), {"url": REPO_URL}, format="json")
    assert response.status_code == 200, response.json()
    context = response.json()["session"]["spec"]["userContext"]
    assert context["userId"] == username
    assert context["signature"]


def test_the_older_input_shape_is_accepted(admin_client, project, running_session):
    running_session(project, "s1")
    body = {"input": {"url": REPO_URL, "branch": "main"}, "name": "renamed"}
    response = admin_client.post(sessions_url(project, "s1", "repos"), body, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["session"]["spec"]["repos"][0] == {"url": REPO_URL, "branch": "main", "name": "renamed"}


@pytest.mark.parametrize("phase", ["Pending", "Creating", "Stopping", "Stopped", "Completed", "Failed"])
def test_repos_change_only_while_running(admin_client, project, seed_session, phase):
    seed_session(project, "idle", phase=phase, interactive=True, repos=[{"url": REPO_URL, "name": "tools"}])
    added = admin_client.post(sessions_url(project, "idle", "repos"), {"url": REPO_URL, "name": "b"}, format="json")
    assert added.status_code == 409
    assert added.json()["code"] == "invalid_phase"
    assert "start the session" in added.json()["error"]
    removed = admin_client.delete(sessions_url(project, "idle", "repos/tools"))
    assert removed.status_code == 409
    workflow = admin_client.post(sessions_url(project, "idle", "workflow"), {"gitUrl": REPO_URL}, format="json")
    assert workflow.status_code == 409


def test_a_non_interactive_session_gets_no_repos(admin_client, project, running_session):
    running_session(project, "batch", interactive=False)
    response = admin_client.post(sessions_url(project, "batch", "repos"), {"url": REPO_URL}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "session_not_interactive"


def test_a_duplicate_name_is_refused(admin_client, project, running_session):
    running_session(project, "s1", repos=[{"url": "https://git.example.com/other/tools"}])
    response = admin_client.post(sessions_url(project, "s1", "repos"), {"url": REPO_URL}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "repo_exists"
    assert response.json()["details"] == {"name": "tools"}


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"url": "ext::sh -c touch% /tmp/pwned"},
        {"url": "--upload-pack=touch /tmp/pwned"},
        {"url": "ssh://-oProxyCommand=touch/x"},
        {"url": "git@-oProxyCommand:x"},
        {"url": "http://plain.example.com/x.git"},
        {"url": REPO_URL, "branch": "-f"},
        {"url": REPO_URL, "branch": "main\nevil"},
        {"url": REPO_URL, "name": "../escape"},
        {"url": REPO_URL, "output": {"url": "ext::sh"}},
        ["not", "an", "object"],
    ],
)
def test_bad_repo_bodies_are_400(admin_client, project, running_session, body):
    running_session(project, "s1")
    response = admin_client.post(sessions_url(project, "s1", "repos"), body, format="json")
    assert response.status_code == 400, response.json()


def test_viewers_may_not_change_repos(client_as, project, running_session):
    running_session(project, "s1", repos=[{"url": REPO_URL, "name": "tools"}])
    viewer = client_as("view", project)
    assert viewer.post(sessions_url(project, "s1", "repos"), {"url": REPO_URL}, format="json").status_code == 403
    assert viewer.delete(sessions_url(project, "s1", "repos/tools")).status_code == 403
    assert viewer.post(sessions_url(project, "s1", "workflow"), {"gitUrl": REPO_URL}, format="json").status_code == 403


def test_without_a_token_it_is_401(project, running_session):
    running_session(project, "s1")
    assert (
        client_with(None).post(sessions_url(project, "s1", "repos"), {"url": REPO_URL}, format="json").status_code
        == 401
    )


def test_a_missing_session_is_404(admin_client, project):
    response = admin_client.post(sessions_url(project, "ghost", "repos"), {"url": REPO_URL}, format="json")
    assert response.status_code == 404


def test_removing_a_repo(admin_client, project, running_session):
    running_session(project, "s1", repos=[{"url": REPO_URL}, {"url": "https://git.example.com/org/docs"}])
    response = admin_client.delete(sessions_url(project, "s1", "repos/tools"))
    assert response.status_code == 200, response.json()
    assert [repo["url"] for repo in response.json()["session"]["spec"]["repos"]] == ["https://git.example.com/org/docs"]
    missing = admin_client.delete(sessions_url(project, "s1", "repos/tools"))
    assert missing.status_code == 404
    assert missing.json()["code"] == "repo_not_found"


def test_switching_the_workflow(admin_client, project, running_session):
    running_session(project, "s1", activeWorkflow={"gitUrl": REPO_URL, "branch": "main", "path": "flows/spec"})
    response = admin_client.post(
        sessions_url(project, "s1", "workflow"), {"gitUrl": "https://git.example.com/org/wf.git"}, format="json"
    )
    assert response.status_code == 200, response.json()
    # The keys the new workflow leaves out are gone, not kept from the old one.
    assert response.json()["session"]["spec"]["activeWorkflow"] == {"gitUrl": "https://git.example.com/org/wf.git"}


@pytest.mark.parametrize(
    "body",
    [{}, {"gitUrl": "ext::sh -c id"}, {"gitUrl": REPO_URL, "path": "../up"}, {"gitUrl": REPO_URL, "path": "/abs"}],
)
def test_bad_workflow_bodies_are_400(admin_client, project, running_session, body):
    running_session(project, "s1")
    assert admin_client.post(sessions_url(project, "s1", "workflow"), body, format="json").status_code == 400


CONCURRENT_ADDS = 50


# Fifty writers racing one spec: a stress run for `make test`, not the fast lane.
@pytest.mark.slow
def test_fifty_parallel_repo_adds_all_land(admin_token, project, running_session):
    running_session(project, "crowded")
    url = sessions_url(project, "crowded", "repos")
    barrier = threading.Barrier(CONCURRENT_ADDS)

    def add(index: int) -> int:
        barrier.wait()
        body = {"url": f"https://git.example.com/org/repo-{index}.git"}
        return client_with(admin_token).post(url, body, format="json").status_code

    with ThreadPoolExecutor(max_workers=CONCURRENT_ADDS) as pool:
        codes = list(pool.map(add, range(CONCURRENT_ADDS)))
    assert codes == [200] * CONCURRENT_ADDS
    repos = client_with(admin_token).get(sessions_url(project, "crowded")).json()["spec"]["repos"]
    assert sorted(repo["name"] for repo in repos) == sorted(f"repo-{index}" for index in range(CONCURRENT_ADDS))
