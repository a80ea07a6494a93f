"""Inactivity auto-stop end to end against localkube: the sweep writes the stop intent, the reconciler
ends the session Stopped/inactivity, and a session that chats stays Running."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import kubernetes.client
import pytest
from rest_framework.test import APIClient

from ambient.contract import (
    ANNOTATION_DESIRED_PHASE,
    ANNOTATION_STOP_REASON,
    GROUP,
    PLURAL,
    VERSION,
    ConditionReason,
    ConditionType,
)
from reconciler.services import session_reconcile
from sessions.chat.inactivity import sessions_stop_inactive
from sessions.tasks import stop_inactive_sessions
from tests.api.support import sessions_url

pytestmark = [pytest.mark.localkube, pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def running_since(kube_sessions: Any, project: str, name: str, started: datetime) -> None:
    status = {"phase": "Running", "startTime": started.strftime("%Y-%m-%dT%H:%M:%SZ")}
    kube_sessions.patch_namespaced_custom_object_status(GROUP, VERSION, project, PLURAL, name, {"status": status})


def read(kube_sessions: Any, project: str, name: str) -> dict[str, Any]:
    return dict(kube_sessions.get_namespaced_custom_object(GROUP, VERSION, project, PLURAL, name))


def reconcile_until_settled(project: str, name: str, kube_sessions: Any) -> dict[str, Any]:
    for _ in range(6):
        session_reconcile(project, name)
        current = read(kube_sessions, project, name)
        if current["status"]["phase"] == "Stopped":
            return current
    return current


@pytest.fixture
def idle_and_chatting(
    project: str, seed_session: Callable[..., dict[str, Any]], kube_sessions: Any, admin_client: APIClient
) -> datetime:
    """Two Running sessions with inactivityTimeout 3, started 10 s ago; `chatty` has just been sent a message."""
    started = datetime.now(UTC) - timedelta(seconds=10)
    for name in ("idle", "chatty"):
        seed_session(project, name, interactive=True, inactivityTimeout=3)
        running_since(kube_sessions, project, name, started)
    sent = admin_client.post(
        sessions_url(project, "chatty", "messages"),
        json.dumps({"content": "still here"}),
        content_type="application/json",
    )
    assert sent.status_code == 202
    return datetime.now(UTC)


def test_a_quiet_session_is_stopped_for_inactivity_and_a_chatting_one_stays_running(
    project: str, idle_and_chatting: datetime, kube_sessions: Any, django_kube: Any
) -> None:
    # One second after the last message: `idle` has been quiet for 11 s, `chatty` for 1 s (timeout 3 s).
    stopped = sessions_stop_inactive(now=idle_and_chatting + timedelta(seconds=1))

    assert stopped == [f"{project}/idle"]
    annotations = read(kube_sessions, project, "idle")["metadata"]["annotations"]
    assert annotations[ANNOTATION_DESIRED_PHASE] == "Stopped"
    assert annotations[ANNOTATION_STOP_REASON] == "inactivity"
    assert ANNOTATION_DESIRED_PHASE not in (read(kube_sessions, project, "chatty")["metadata"].get("annotations") or {})

    idle = reconcile_until_settled(project, "idle", kube_sessions)
    assert idle["status"]["phase"] == "Stopped"
    assert idle["status"]["stoppedReason"] == "inactivity"
    ready = {condition["type"]: condition for condition in idle["status"]["conditions"]}[ConditionType.READY]
    assert (ready["status"], ready["reason"]) == ("False", ConditionReason.INACTIVITY_TIMEOUT)
    assert read(kube_sessions, project, "chatty")["status"]["phase"] == "Running"

    core = kubernetes.client.CoreV1Api(django_kube.api_client())
    reasons = {(event.involved_object.name, event.reason) for event in core.list_namespaced_event(project).items}
    assert ("idle", ConditionReason.INACTIVITY_TIMEOUT.value) in reasons
    assert not any(name == "chatty" for name, _ in reasons)


def test_the_sweep_leaves_a_session_alone_when_it_chatted_after_the_sweep_read_it(
    project: str, idle_and_chatting: datetime, admin_client: APIClient, kube_sessions: Any
) -> None:
    admin_client.post(
        sessions_url(project, "idle", "messages"), json.dumps({"content": "back"}), content_type="application/json"
    )
    from sessions.chat.inactivity import session_stop_for_inactivity

    assert session_stop_for_inactivity(namespace=project, name="idle", now=datetime.now(UTC)) is None
    assert ANNOTATION_DESIRED_PHASE not in (read(kube_sessions, project, "idle")["metadata"].get("annotations") or {})


def test_the_beat_task_runs_the_sweep(
    project: str, seed_session: Callable[..., dict[str, Any]], kube_sessions: Any
) -> None:
    seed_session(project, "forgotten", interactive=True, inactivityTimeout=3)
    running_since(kube_sessions, project, "forgotten", datetime.now(UTC) - timedelta(hours=1))

    assert stop_inactive_sessions() >= 1
    assert read(kube_sessions, project, "forgotten")["metadata"]["annotations"][ANNOTATION_STOP_REASON] == "inactivity"


def test_a_projects_annotation_sets_the_default_and_zero_in_the_spec_still_wins(
    project: str, seed_session: Callable[..., dict[str, Any]], kube_sessions: Any, django_kube: Any
) -> None:
    from sessions.api_constants import ANNOTATION_PROJECT_INACTIVITY_TIMEOUT

    core = kubernetes.client.CoreV1Api(django_kube.api_client())
    core.patch_namespace(project, {"metadata": {"annotations": {ANNOTATION_PROJECT_INACTIVITY_TIMEOUT: "3"}}})
    seed_session(project, "defaulted", interactive=True)
    seed_session(project, "never", interactive=True, inactivityTimeout=0)
    for name in ("defaulted", "never"):
        running_since(kube_sessions, project, name, datetime.now(UTC) - timedelta(seconds=10))

    stopped = sessions_stop_inactive()

    assert f"{project}/defaulted" in stopped and f"{project}/never" not in stopped
    assert read(kube_sessions, project, "defaulted")["metadata"]["annotations"][ANNOTATION_STOP_REASON] == "inactivity"


@pytest.mark.parametrize(("value", "status"), [(3, 201), (0, 201), (-1, 400), ("soon", 400)])
def test_create_accepts_a_whole_inactivity_timeout(
    project: str, admin_client: APIClient, kube_sessions: Any, value: Any, status: int
) -> None:
    body = {"name": "timed", "initialPrompt": "hi", "interactive": True, "inactivityTimeout": value}
    response = admin_client.post(sessions_url(project), json.dumps(body), content_type="application/json")

    assert response.status_code == status, response.content
    if status == 201:
        assert read(kube_sessions, project, "timed")["spec"]["inactivityTimeout"] == value
