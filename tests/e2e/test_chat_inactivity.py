"""Inactivity auto-stop with real processes: the real runner in the pod, the api over ASGI, the
worker running the beat task. A session nobody talks to stops with `stoppedReason: inactivity`; one
that keeps chatting stays Running past the same timeout."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

import kubernetes.client
import pytest
import requests

from ambient.contract import ANNOTATION_DESIRED_PHASE, ConditionReason
from sessions.api_constants import MANAGED_LABEL
from tests.e2e.stack import Stack
from tests.e2e.support import conditions, session_create, session_read, wait_for, wait_phase

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

TIMEOUT_SECONDS = 3


@pytest.fixture
def chat_stack(stack: Stack, kube_namespace: str) -> Stack:
    patch = {"metadata": {"labels": {MANAGED_LABEL: "true"}}}
    kubernetes.client.CoreV1Api(stack.admin).patch_namespace(kube_namespace, patch)
    stack.start_api()
    stack.set_image_map(real_runner=True)
    return stack


@contextlib.contextmanager
def chatting(stack: Stack, namespace: str, name: str) -> Iterator[None]:
    """Post a message to `name` on entry, then every half second while the block runs. The first is
    sent before the block starts: the session may have been idle past its timeout already while the
    test waited for the other one to run, and the block's first inactivity check would stop it."""
    url = f"{stack.api_url}/api/projects/{namespace}/agentic-sessions/{name}/messages"
    headers = {"Authorization": f"Bearer {stack.kube.admin_token}"}
    stop = threading.Event()
    failures: list[str] = []

    def post(number: int) -> None:
        response = requests.post(url, json={"content": f"still here {number}"}, headers=headers, timeout=30)
        if response.status_code != 202:
            failures.append(response.text)

    def chat() -> None:
        number = 0
        while not stop.wait(0.5):
            number += 1
            post(number)

    post(0)
    thread = threading.Thread(target=chat, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=30)
    assert not failures, failures


def test_a_quiet_session_stops_for_inactivity_and_a_chatting_one_stays_running(
    chat_stack: Stack, kube_namespace: str
) -> None:
    for name in ("quiet", "chatty"):
        session_create(chat_stack.admin, kube_namespace, name, interactive=True, inactivityTimeout=TIMEOUT_SECONDS)
    for name in ("quiet", "chatty"):
        wait_phase(chat_stack.admin, kube_namespace, name, "Running", timeout=120)

    with chatting(chat_stack, kube_namespace, "chatty"):

        def quiet_stopped() -> dict | None:
            chat_stack.send_task("sessions.tasks.stop_inactive_sessions")
            session = session_read(chat_stack.admin, kube_namespace, "quiet")
            return session if (session.get("status") or {}).get("phase") == "Stopped" else None

        quiet = wait_for(quiet_stopped, 120, "the quiet session to stop for inactivity", interval=1.0)
        chatty = session_read(chat_stack.admin, kube_namespace, "chatty")

    assert quiet["status"]["stoppedReason"] == "inactivity"
    assert conditions(quiet)["Ready"] == ("False", ConditionReason.INACTIVITY_TIMEOUT.value)
    assert chatty["status"]["phase"] == "Running"
    assert ANNOTATION_DESIRED_PHASE not in (chatty["metadata"].get("annotations") or {})
    events = kubernetes.client.CoreV1Api(chat_stack.admin).list_namespaced_event(kube_namespace).items
    assert any(
        event.involved_object.name == "quiet" and event.reason == ConditionReason.INACTIVITY_TIMEOUT.value
        for event in events
    )
