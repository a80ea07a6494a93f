"""The content sidecar's health in session status, with real processes: Ready=True only once the
workspace answers, and a sidecar killed with SIGKILL is reported and restarted by the kubelet (it
runs as a native sidecar)."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import kubernetes.client
import pytest
from rest_framework.test import APIClient

from ambient.contract import CONTAINER_CONTENT
from tests.e2e.stack import Stack
from tests.e2e.support import conditions, fake_runner_env, pods, session_read, wait_for, wait_phase, wait_ready

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.slow, pytest.mark.django_db]

WAIT = 90.0


def _content_status(stack: Stack, namespace: str, name: str) -> kubernetes.client.V1ContainerStatus:
    pod = pods(stack.admin, namespace, name)[0]
    return next(item for item in pod.status.init_container_statuses or () if item.name == CONTAINER_CONTENT)


def test_ready_waits_for_the_workspace_and_a_killed_sidecar_is_reported_then_restarted(
    stack: Stack, kube_namespace: str, api: APIClient, tmp_path: Path
) -> None:
    name = "content-health"
    base = f"/api/projects/{kube_namespace}/agentic-sessions"
    env = fake_runner_env(release_file=str(tmp_path / "release"))
    created = api.post(
        base, {"name": name, "interactive": True, "timeout": 600, "environmentVariables": env}, format="json"
    )
    assert created.status_code == 201, created.content

    # Ready=True means the workspace answers: the first call after it is not a 503.
    session = wait_ready(stack.admin, kube_namespace, name, WAIT)
    assert session["status"]["phase"] == "Running"
    assert conditions(session)["ContentServiceReady"] == ("True", "ContainerReady")
    assert api.get(f"{base}/{name}/workspace").status_code == 200

    # kill -9 the content service (gunicorn's master; the container's process).
    sidecar = _content_status(stack, kube_namespace, name)
    os.kill(int(str(sidecar.container_id).removeprefix("localkube://")), signal.SIGKILL)

    def reported() -> dict | None:
        current = session_read(stack.admin, kube_namespace, name)
        return current if conditions(current).get("ContentServiceReady", ("", ""))[0] == "False" else None

    down = wait_for(reported, WAIT, "ContentServiceReady=False after the kill")
    assert down["status"]["phase"] == "Running"
    assert conditions(down)["Ready"] == ("False", "ContentServiceUnavailable")
    assert "Content service" in down["status"]["message"]

    # The kubelet restarts it (restartPolicy Always), and the session is Ready again.
    back = wait_ready(stack.admin, kube_namespace, name, WAIT)
    assert conditions(back)["ContentServiceReady"] == ("True", "ContainerReady")
    assert _content_status(stack, kube_namespace, name).restart_count >= 1
    assert "Failed" not in conditions(back)
    assert api.get(f"{base}/{name}/workspace").status_code == 200
    wait_phase(stack.admin, kube_namespace, name, "Running")
