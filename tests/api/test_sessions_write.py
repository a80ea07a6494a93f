"""Session actions that write the spec or metadata over HTTP against localkube.

2 create, 4 update (PUT), 5 patch, 6 delete, 7 clone and 10 display name: success, 403, 404, 409 and
field-level 400s.
"""

from __future__ import annotations

import pytest

from ambient.contract import ANNOTATION_PARENT_SESSION_ID
from sessions.api_constants import ANNOTATION_CLONED_FROM, CODE_SESSION_RUNNING, CODE_STALE
from tests.api.support import ACTIVE, FINISHED, bind, client_with, managed_namespace, sessions_url

pytestmark = [pytest.mark.localkube, pytest.mark.integration]


# --- 2 create -----------------------------------------------------------------------------------


def test_create_with_generated_name_and_derived_user_context(make_user, project):
    username, token = make_user("edit", project)
    response = client_with(token).post(
        sessions_url(project),
        {
            "prompt": "legacy prompt",
            "userContext": {"userId": "mallory"},
            "repos": [{"input": {"url": "https://github.com/o/r.git", "branch": "dev"}}],
            "parent_session_id": "earlier",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    session = response.json()
    name = session["metadata"]["name"]
    assert name.startswith("session-")
    assert response["Location"].endswith(sessions_url(project, name))
    assert session["spec"]["initialPrompt"] == "legacy prompt"
    assert session["spec"]["userContext"]["userId"] == username
    assert session["spec"]["repos"] == [{"url": "https://github.com/o/r.git", "branch": "dev"}]
    assert session["metadata"]["annotations"][ANNOTATION_PARENT_SESSION_ID] == "earlier"
    assert "status" not in session  # the API never writes status


def test_create_with_a_taken_name_is_409(admin_client, project, seed_session):
    seed_session(project, "taken")
    response = admin_client.post(sessions_url(project), {"name": "taken"}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "session_exists"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "UPPER"}, "name"),
        ({"timeout": -5}, "timeout"),
        ({"interactive": "sometimes"}, "interactive"),
        ({"displayName": "x" * 201}, "displayName"),
        ({"llmSettings": {"temperature": 9}}, "llmSettings"),
        ({"repos": [{"url": "ext::sh"}]}, "repos"),
        ({"repos": [{"url": "https://github.com/o/r"}], "mainRepoIndex": 3}, "mainRepoIndex"),
        ({"activeWorkflow": {"path": "x"}}, "activeWorkflow"),
        ({"environmentVariables": {"bad-name": "x"}}, "environmentVariables"),
        ({"resourceOverrides": {"memory": "a lot"}}, "resourceOverrides"),
        ({"labels": {"agentic-session": "x"}}, "labels"),
        ({"annotations": {"ambient-code.io/desired-phase": "Running"}}, "annotations"),
        ({"parentSessionId": "Bad Parent"}, "parentSessionId"),
    ],
)
def test_create_names_each_invalid_field(admin_client, project, body, field):
    response = admin_client.post(sessions_url(project), body, format="json")
    assert response.status_code == 400
    assert field in response.json()["details"]["fields"]


def test_view_user_cannot_create(client_as, project):
    assert client_as("view", project).post(sessions_url(project), {}, format="json").status_code == 403


# --- 4 update (PUT) -----------------------------------------------------------------------------


@pytest.mark.parametrize("phase", FINISHED)
def test_put_replaces_the_spec_of_a_finished_session(admin_client, project, seed_session, phase):
    seed_session(project, "done", phase=phase.value, displayName="old", timeout=60)
    response = admin_client.put(
        sessions_url(project, "done"), {"initialPrompt": "again", "timeout": 120}, format="json"
    )
    assert response.status_code == 200, response.json()
    spec = response.json()["spec"]
    assert spec["initialPrompt"] == "again" and spec["timeout"] == 120
    assert "displayName" not in spec  # replaced, not merged


@pytest.mark.parametrize("phase", ACTIVE)
def test_put_is_refused_while_active(admin_client, project, seed_session, phase):
    seed_session(project, "busy", phase=phase.value)
    response = admin_client.put(sessions_url(project, "busy"), {"initialPrompt": "x"}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == CODE_SESSION_RUNNING
    assert response.json()["details"]["phase"] == phase.value


def test_put_with_a_stale_resource_version_is_409(admin_client, project, seed_session):
    seed_session(project, "raced", phase="Completed")
    stale = admin_client.get(sessions_url(project, "raced")).json()["metadata"]["resourceVersion"]
    assert (
        admin_client.put(sessions_url(project, "raced"), {"initialPrompt": "first"}, format="json").status_code == 200
    )
    response = admin_client.put(
        sessions_url(project, "raced"),
        {"initialPrompt": "second", "metadata": {"resourceVersion": stale}},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["code"] == CODE_STALE


def test_put_400_404_403(client_as, admin_client, project, seed_session):
    seed_session(project, "s", phase="Completed")
    response = admin_client.put(sessions_url(project, "s"), {"timeout": "never"}, format="json")
    assert response.status_code == 400 and "timeout" in response.json()["details"]["fields"]
    assert admin_client.put(sessions_url(project, "nope"), {}, format="json").status_code == 404
    assert client_as("view", project).put(sessions_url(project, "s"), {}, format="json").status_code == 403


# --- 5 patch ------------------------------------------------------------------------------------


def test_patch_merges_labels_and_annotations(admin_client, project, seed_session):
    seed_session(project, "p")
    response = admin_client.patch(
        sessions_url(project, "p"),
        {"metadata": {"labels": {"team": "a"}, "annotations": {"ambient-code.io/sdk-session-id": "abc"}}},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["metadata"]["labels"]["team"] == "a"
    removed = admin_client.patch(sessions_url(project, "p"), {"metadata": {"labels": {"team": None}}}, format="json")
    assert "team" not in (removed.json()["metadata"].get("labels") or {})


def test_patch_accepts_merge_patch_content_type(admin_client, project, seed_session):
    seed_session(project, "p")
    response = admin_client.generic(
        "PATCH",
        sessions_url(project, "p"),
        data='{"metadata": {"annotations": {"example.com/k": "v"}}}',
        content_type="application/merge-patch+json",
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"metadata": {"annotations": {"ambient-code.io/runner-sa": "x"}}},
        {"metadata": {"annotations": {"ambient-code.io/stop-requested-at": "x"}}},
        {"metadata": {"annotations": {"ambient-code.io/cloned-from": "other/session"}}},
        {"metadata": {"labels": {"ambient-code.io/session": "x"}}},
        {"spec": {"timeout": 1}},
    ],
)
def test_patch_refuses_system_keys_and_spec(admin_client, project, seed_session, body):
    seed_session(project, "p")
    response = admin_client.patch(sessions_url(project, "p"), body, format="json")
    assert response.status_code == 400
    assert response.json()["details"]["fields"]


def test_patch_stale_404_403(client_as, admin_client, project, seed_session):
    seed_session(project, "p")
    body = {"metadata": {"labels": {"a": "b"}, "resourceVersion": "1"}}
    response = admin_client.patch(sessions_url(project, "p"), body, format="json")
    assert response.status_code == 409 and response.json()["code"] == CODE_STALE
    assert admin_client.patch(sessions_url(project, "nope"), {"labels": {"a": "b"}}, format="json").status_code == 404
    viewer = client_as("view", project)
    assert viewer.patch(sessions_url(project, "p"), {"labels": {"a": "b"}}, format="json").status_code == 403


# --- 6 delete -----------------------------------------------------------------------------------


# django_db: a delete also removes the session's chat history.
@pytest.mark.django_db
def test_delete(client_as, admin_client, project, seed_session):
    seed_session(project, "gone")
    assert client_as("edit", project).delete(sessions_url(project, "gone")).status_code == 403
    assert admin_client.delete(sessions_url(project, "gone")).status_code == 204
    assert admin_client.get(sessions_url(project, "gone")).status_code == 404
    assert admin_client.delete(sessions_url(project, "gone")).status_code == 404


# --- 7 clone ------------------------------------------------------------------------------------


def test_clone_in_the_same_project_dedupes_the_name(admin_client, project, seed_session):
    seed_session(project, "src", phase="Completed", displayName="Source")
    first = admin_client.post(sessions_url(project, "src", "clone"), {}, format="json")
    second = admin_client.post(sessions_url(project, "src", "clone"), {}, format="json")
    assert first.status_code == 201 and second.status_code == 201
    assert first.json()["metadata"]["name"] == "src-duplicate"
    assert second.json()["metadata"]["name"] == "src-duplicate-2"
    assert first.json()["spec"]["displayName"] == "Source (Duplicate)"
    assert first.json()["metadata"]["annotations"][ANNOTATION_CLONED_FROM] == f"{project}/src"
    assert "status" not in first.json()


def test_clone_across_projects(django_kube, make_user, project, seed_session):
    target = managed_namespace(django_kube)
    username, token = make_user("edit", project)
    client = client_with(token)
    seed_session(project, "src", initialPrompt="copy me")
    denied = client.post(sessions_url(project, "src", "clone"), {"targetProject": target}, format="json")
    assert denied.status_code == 403
    bind(django_kube, target, username, "edit")
    response = client.post(
        sessions_url(project, "src", "clone"), {"targetProject": target, "newSessionName": "copy"}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["metadata"]["namespace"] == target
    assert response.json()["spec"]["initialPrompt"] == "copy me"
    assert response.json()["spec"]["userContext"]["userId"] == username


def test_clone_404s_and_400(admin_client, project, seed_session):
    seed_session(project, "src")
    assert admin_client.post(sessions_url(project, "nope", "clone"), {}, format="json").status_code == 404
    missing = admin_client.post(
        sessions_url(project, "src", "clone"), {"targetProject": "no-such-project"}, format="json"
    )
    assert missing.status_code == 404
    bad = admin_client.post(sessions_url(project, "src", "clone"), {"newSessionName": "Bad"}, format="json")
    assert bad.status_code == 400 and "newSessionName" in bad.json()["details"]["fields"]


# --- 10 display name ----------------------------------------------------------------------------


def test_display_name_in_any_phase(admin_client, client_as, project, seed_session):
    seed_session(project, "s", phase="Running")
    response = admin_client.put(sessions_url(project, "s", "displayname"), {"displayName": "  Renamed "}, format="json")
    assert response.status_code == 200
    assert response.json()["spec"]["displayName"] == "Renamed"
    bad = admin_client.put(sessions_url(project, "s", "displayname"), {"displayName": ""}, format="json")
    assert bad.status_code == 400 and "displayName" in bad.json()["details"]["fields"]
    stale = admin_client.put(
        sessions_url(project, "s", "displayname"), {"displayName": "x", "resourceVersion": "1"}, format="json"
    )
    assert stale.status_code == 409
    assert (
        admin_client.put(sessions_url(project, "nope", "displayname"), {"displayName": "x"}, format="json").status_code
        == 404
    )
    viewer = client_as("view", project)
    assert viewer.put(sessions_url(project, "s", "displayname"), {"displayName": "x"}, format="json").status_code == 403
