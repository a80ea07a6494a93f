"""Actions 1–12 over HTTP against localkube: success, 401, 403, 404, 409 and field-level 400s."""

from __future__ import annotations

import kubernetes.client
import pytest
from rest_framework.test import APIClient

from sessions.api_constants import ANNOTATION_CLONED_FROM, CODE_ENDPOINT_REMOVED, CODE_SESSION_RUNNING, CODE_STALE
from sessions.constants import (
    ANNOTATION_DESIRED_PHASE,
    ANNOTATION_PARENT_SESSION_ID,
    ANNOTATION_START_REQUESTED_AT,
    ANNOTATION_STOP_REQUESTED_AT,
    GROUP,
    PLURAL,
    VERSION,
    DesiredPhase,
    Phase,
)
from tests.api.conftest import bind, client_with, managed_namespace, sessions_url

pytestmark = [pytest.mark.localkube, pytest.mark.integration]

ACTIVE = [Phase.PENDING, Phase.CREATING, Phase.RUNNING, Phase.STOPPING]
FINISHED = [Phase.COMPLETED, Phase.FAILED, Phase.STOPPED]


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


# --- 3 get --------------------------------------------------------------------------------------


def test_get_and_404(client_as, project, seed_session):
    seed_session(project, "here")
    viewer = client_as("view", project)
    response = viewer.get(sessions_url(project, "here"))
    assert response.status_code == 200
    assert response.json()["metadata"]["name"] == "here"
    assert "managedFields" not in response.json()["metadata"]
    assert viewer.get(sessions_url(project, "absent")).status_code == 404


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


# --- 8/9 start and stop -------------------------------------------------------------------------


@pytest.mark.parametrize("phase", FINISHED)
def test_start_a_finished_session(admin_client, project, seed_session, phase):
    seed_session(project, "s", phase=phase.value)
    response = admin_client.post(sessions_url(project, "s", "start"))
    assert response.status_code == 202
    annotations = response.json()["metadata"]["annotations"]
    assert annotations[ANNOTATION_DESIRED_PHASE] == DesiredPhase.RUNNING
    assert ANNOTATION_START_REQUESTED_AT in annotations
    assert response.json()["status"]["phase"] == phase.value  # the reconciler, not the API, moves the phase


@pytest.mark.parametrize("phase", ACTIVE)
def test_start_an_active_session_is_409(admin_client, project, seed_session, phase):
    seed_session(project, "s", phase=phase.value)
    response = admin_client.post(sessions_url(project, "s", "start"))
    assert response.status_code == 409
    assert response.json()["details"]["phase"] == phase.value


def test_start_a_session_without_status_is_409(admin_client, project, seed_session):
    seed_session(project, "new")
    assert admin_client.post(sessions_url(project, "new", "start")).status_code == 409


@pytest.mark.parametrize("phase", ACTIVE)
def test_stop_an_active_session(admin_client, project, seed_session, phase):
    seed_session(project, "s", phase=phase.value)
    response = admin_client.post(sessions_url(project, "s", "stop"))
    assert response.status_code == 202
    annotations = response.json()["metadata"]["annotations"]
    assert annotations[ANNOTATION_DESIRED_PHASE] == DesiredPhase.STOPPED
    assert ANNOTATION_STOP_REQUESTED_AT in annotations


@pytest.mark.parametrize("phase", FINISHED)
def test_stop_a_finished_session_is_409(admin_client, project, seed_session, phase):
    seed_session(project, "s", phase=phase.value)
    response = admin_client.post(sessions_url(project, "s", "stop"))
    assert response.status_code == 409
    assert response.json()["details"]["phase"] == phase.value


def test_start_stop_404_and_view_403(client_as, admin_client, project, seed_session):
    seed_session(project, "s", phase="Running")
    assert admin_client.post(sessions_url(project, "nope", "start")).status_code == 404
    assert admin_client.post(sessions_url(project, "nope", "stop")).status_code == 404
    viewer = client_as("view", project)
    assert viewer.post(sessions_url(project, "s", "stop")).status_code == 403
    assert viewer.post(sessions_url(project, "s", "start")).status_code == 403


def test_start_matches_kubectl_annotate(admin_client, project, seed_session, kube_sessions):
    """The reconciler sees the same thing whether intent came from the API or `kubectl annotate`."""
    seed_session(project, "s", phase="Stopped")
    api = admin_client.post(sessions_url(project, "s", "start")).json()["metadata"]["annotations"]
    stored = kube_sessions.get_namespaced_custom_object(GROUP, VERSION, project, PLURAL, "s")["metadata"]["annotations"]
    assert api == stored


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


# --- 12 k8s-resources ---------------------------------------------------------------------------


def test_k8s_resources(django_kube, client_as, project, seed_session):
    seed_session(project, "s", phase="Running")
    core = kubernetes.client.CoreV1Api(django_kube.api_client())
    core.create_namespaced_persistent_volume_claim(
        project,
        {
            "metadata": {"name": "ambient-workspace-s"},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "5Gi"}}},
        },
    )
    viewer = client_as("view", project)
    response = viewer.get(sessions_url(project, "s", "k8s-resources"))
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["jobName"] == "s-job" and body["jobExists"] is False and body["pods"] == []
    assert body["pvcExists"] is True and body["pvcSize"] == "5Gi"
    assert body["contentServiceReady"] is False
    assert viewer.get(sessions_url(project, "nope", "k8s-resources")).status_code == 404


# --- 11, 30–32 removed --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "suffix", "mentions"),
    [
        ("put", "status", "reconciler"),
        ("post", "spawn-content-pod", "content service"),
        ("get", "content-pod-status", "content service"),
        ("delete", "content-pod", "content service"),
    ],
)
def test_removed_endpoints_are_gone(admin_client, project, method, suffix, mentions):
    response = getattr(admin_client, method)(sessions_url(project, "any", suffix))
    assert response.status_code == 410
    assert response.json()["code"] == CODE_ENDPOINT_REMOVED
    assert mentions in response.json()["error"]
    assert getattr(client_with(None), method)(sessions_url(project, "any", suffix)).status_code == 401
