"""The admin console against localkube, with Django's test client: pages, filters, the timeline,
actions through the services as the impersonated staff user, refusals as messages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from ambient import kube
from ambient.contract import ANNOTATION_DESIRED_PHASE
from reconciler.models import ConditionTransition
from tests.api.support import bind

pytestmark = [pytest.mark.localkube, pytest.mark.integration, pytest.mark.django_db]


def console_client(username: str, *, superuser: bool = True) -> Client:
    user = get_user_model().objects.create_user(username, password="pw", is_staff=True, is_superuser=superuser)
    client = Client()
    client.force_login(user)
    return client


def page_messages(response: Any) -> list[str]:
    return [str(message) for message in response.context["messages"]] if response.context else []


@pytest.fixture
def operator(django_kube, project) -> Client:
    bind(django_kube, project, "operator", "admin")
    return console_client("operator")


def test_dashboard_counts_sessions_per_phase_and_project(operator, project, seed_session):
    seed_session(project, "one", phase="Running")
    seed_session(project, "two", phase="Running")
    seed_session(project, "three", phase="Failed")
    response = operator.get("/admin/console/")
    assert response.status_code == 200
    counts = response.context["counts"]
    assert counts.by_phase["Running"] == 2 and counts.by_phase["Failed"] == 1 and counts.total == 3
    assert (project, [0, 0, 2, 0, 0, 0, 1], 3) in counts.by_project


def test_the_admin_index_links_the_console(operator):
    assert b"/admin/console/sessions/" in operator.get("/admin/").content


def test_list_filters_by_project_phase_reason_and_search(operator, project, seed_session, kube_sessions):
    seed_session(project, "alpha", phase="Running", displayName="Fix the parser")
    seed_session(project, "beta", phase="Stopped")
    kube_sessions.patch_namespaced_custom_object_status(
        "vteam.ambient-code",
        "v1alpha1",
        project,
        "agenticsessions",
        "beta",
        {"status": {"conditions": [{"type": "Ready", "status": "False", "reason": "UserStopped"}]}},
    )

    def names(query: str) -> list[str]:
        return [row.name for row in operator.get(f"/admin/console/sessions/?{query}").context["page"].object_list]

    assert sorted(names("")) == ["alpha", "beta"]
    assert names("phase=Running") == ["alpha"]
    assert names("reason=UserStopped") == ["beta"]
    assert names("q=parser") == ["alpha"]
    assert sorted(names(f"project={project}")) == ["alpha", "beta"]
    assert names("project=elsewhere") == []


def test_a_staff_user_without_bindings_sees_no_session(django_kube, project, seed_session):
    seed_session(project, "secret", phase="Running")
    response = console_client("nobody").get("/admin/console/sessions/")
    assert response.status_code == 200
    assert response.context["total"] == 0
    assert console_client("nobody2").get(f"/admin/console/sessions/{project}/secret/").status_code == 404


def test_session_page_shows_conditions_and_a_merged_coloured_timeline(operator, project, seed_session, kube_sessions):
    created = seed_session(project, "story", phase="Running")
    uid = created["metadata"]["uid"]
    start = datetime.now(UTC) - timedelta(minutes=2)
    for offset, (condition, before, after, reason) in enumerate(
        [
            ("PVCReady", "", "True", "Bound"),
            ("Ready", "False", "True", "Running"),
            ("Ready", "True", "False", "UserStopped"),
        ]
    ):
        ConditionTransition.objects.create(
            namespace=project,
            session_name="story",
            session_uid=uid,
            condition_type=condition,
            status=after,
            previous_status=before,
            reason=reason,
            message="",
            observed_generation=1,
            transitioned_at=start + timedelta(seconds=offset * 5),
        )
    kube_sessions.patch_namespaced_custom_object_status(
        "vteam.ambient-code",
        "v1alpha1",
        project,
        "agenticsessions",
        "story",
        {
            "status": {
                "conditions": [
                    {
                        "type": "Ready",
                        "status": "True",
                        "reason": "Running",
                        "message": "up",
                        "observedGeneration": 1,
                        "lastTransitionTime": "2026-01-01T00:00:00Z",
                    }
                ]
            }
        },
    )
    response = operator.get(f"/admin/console/sessions/{project}/story/")
    assert response.status_code == 200
    body = response.content.decode()
    conditions = response.context["conditions"]
    assert conditions[0]["type"] == "Ready" and conditions[0]["behind"] is False
    entries = response.context["timeline"].entries
    titles = [entry.title for entry in entries if entry.source == "condition"]
    assert titles == ["PVCReady: unset → True", "Ready: False → True", "Ready: True → False"]
    tones = [entry.tone for entry in entries if entry.source == "condition"]
    assert tones == ["good", "good", "warn"]
    assert entries[1].since_previous == "5.0 s" and entries[2].since_start == "10.0 s"
    assert 'class="tone-good source-condition"' in body
    # The live fragment the page refreshes is the same part, alone.
    live = operator.get(f"/admin/console/sessions/{project}/story/live/")
    assert live.status_code == 200 and b'id="timeline"' in live.content


def test_refused_start_shows_the_api_message_and_no_traceback(operator, project, seed_session):
    seed_session(project, "busy", phase="Running")
    response = operator.post(f"/admin/console/sessions/{project}/busy/start/", follow=True)
    assert response.status_code == 200
    assert page_messages(response) == [
        "Refused: Cannot start a session that is Running: only Completed, Failed or Stopped sessions can be started."
    ]
    assert b"Traceback" not in response.content


def test_stop_goes_through_the_service_and_records_who_asked(operator, project, seed_session):
    seed_session(project, "to-stop", phase="Running")
    response = operator.post(f"/admin/console/sessions/{project}/to-stop/stop/", follow=True)
    assert page_messages(response) == [f"Stop requested: {project}/to-stop."]
    gateway = kube.control_plane_gateway()
    stored = gateway.read(kube.SESSION, project, "to-stop")
    assert stored["metadata"]["annotations"][ANNOTATION_DESIRED_PHASE] == "Stopped"
    events = gateway.list(kube.EVENT, project)
    recorded = [event for event in events if event["reason"] == "ConsoleStopRequested"]
    assert [event["message"] for event in recorded] == ["Stop requested by operator (admin console)"]
    # ...and it is on the session's timeline.
    page = operator.get(f"/admin/console/sessions/{project}/to-stop/")
    assert any(entry.title == "ConsoleStopRequested" for entry in page.context["timeline"].entries)


def test_create_rename_and_clone(operator, project):
    created = operator.post(
        "/admin/console/sessions/new/",
        {"project": project, "name": "made-here", "displayName": "Made", "initialPrompt": "hi", "interactive": "on"},
    )
    assert created.status_code == 302 and created["Location"] == f"/admin/console/sessions/{project}/made-here/"
    gateway = kube.control_plane_gateway()
    session = gateway.read(kube.SESSION, project, "made-here")
    assert session["spec"]["userContext"]["userId"] == "operator" and session["spec"]["interactive"] is True

    operator.post(f"/admin/console/sessions/{project}/made-here/rename/", {"displayName": "Renamed"})
    assert gateway.read(kube.SESSION, project, "made-here")["spec"]["displayName"] == "Renamed"

    cloned = operator.post(
        f"/admin/console/sessions/{project}/made-here/clone/", {"targetProject": project}, follow=True
    )
    assert page_messages(cloned)[-1] == f"Cloned from {project}/made-here: {project}/made-here-duplicate."


def test_create_with_a_bad_name_says_what_to_fix(operator, project):
    response = operator.post("/admin/console/sessions/new/", {"project": project, "name": "Not_A_Name"})
    assert response.status_code == 200
    (message,) = page_messages(response)
    assert message.startswith("Refused: Please correct the form: name:")


def test_only_superusers_may_delete(django_kube, project, seed_session):
    seed_session(project, "keep", phase="Stopped")
    bind(django_kube, project, "helper", "admin")
    staff = console_client("helper", superuser=False)
    page = staff.get(f"/admin/console/sessions/{project}/keep/")
    assert b'id="action-delete"' not in page.content
    refused = staff.post(f"/admin/console/sessions/{project}/keep/delete/", follow=True)
    assert page_messages(refused) == ["Refused: only superusers may delete sessions from the console."]
    assert kube.control_plane_gateway().get(kube.SESSION, project, "keep") is not None


def test_superuser_deletes_after_confirmation(operator, project, seed_session):
    seed_session(project, "gone", phase="Stopped")
    confirm = operator.get(f"/admin/console/sessions/{project}/gone/delete/")
    assert confirm.status_code == 200 and b"cannot be undone" in confirm.content
    assert kube.control_plane_gateway().get(kube.SESSION, project, "gone") is not None
    deleted = operator.post(f"/admin/console/sessions/{project}/gone/delete/", follow=True)
    assert page_messages(deleted) == [f"Session {project}/gone deleted."]
    assert kube.control_plane_gateway().get(kube.SESSION, project, "gone") is None


def test_rbac_decides_a_viewer_cannot_stop(django_kube, project, seed_session):
    seed_session(project, "watched", phase="Running")
    bind(django_kube, project, "viewer", "view")
    response = console_client("viewer").post(f"/admin/console/sessions/{project}/watched/stop/", follow=True)
    (message,) = page_messages(response)
    assert message.startswith("Refused: ") and "viewer" in message


def test_chat_send_stores_the_message_as_the_staff_user(operator, project, seed_session):
    seed_session(project, "talk", phase="Running")
    operator.post(f"/admin/console/sessions/{project}/talk/chat/", {"content": "hello there"})
    page = operator.get(f"/admin/console/sessions/{project}/talk/")
    lines = page.context["transcript"].lines
    assert [(line.sender, line.type, line.text) for line in lines] == [("operator", "user_message", "hello there")]


def test_chat_send_of_only_spaces_is_refused_with_a_plain_hint(operator, project, seed_session):
    from sessions.chat.models import ChatMessage

    seed_session(project, "quiet", phase="Running")
    response = operator.post(f"/admin/console/sessions/{project}/quiet/chat/", {"content": "   "}, follow=True)
    (message,) = page_messages(response)
    assert "Write a message first." in message
    assert not ChatMessage.objects.filter(session="quiet").exists()


def test_the_embedded_superuser_administers_every_project(django_kube, project, seed_session):
    from ambient.embedded.cluster import console_admin_access_ensure
    from sessions.api_constants import ROLE_ADMIN, ROLE_PROJECT_CREATOR

    seed_session(project, "anywhere", phase="Running")
    console_admin_access_ensure(username="embedded-admin", cluster_role=ROLE_ADMIN, creator_role=ROLE_PROJECT_CREATOR)
    console_admin_access_ensure(username="embedded-admin", cluster_role=ROLE_ADMIN, creator_role=ROLE_PROJECT_CREATOR)
    page = console_client("embedded-admin").get(f"/admin/console/sessions/?project={project}")
    assert [row.name for row in page.context["page"].object_list] == ["anywhere"]
