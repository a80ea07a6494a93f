"""A session's run over HTTP against localkube: start and stop intents, and what runs for it.

8/9 start and stop (202, 409 by phase, 404, 403; the same annotations `kubectl annotate` would write),
12 k8s-resources, and 11, 30–32: the endpoints removed in favour of the reconciler and content service.
"""

from __future__ import annotations

import kubernetes.client
import pytest

from ambient.contract import (
    ANNOTATION_DESIRED_PHASE,
    ANNOTATION_START_REQUESTED_AT,
    ANNOTATION_STOP_REQUESTED_AT,
    GROUP,
    PLURAL,
    VERSION,
    DesiredPhase,
)
from sessions.api_constants import CODE_ENDPOINT_REMOVED
from tests.api.support import ACTIVE, FINISHED, client_with, sessions_url

pytestmark = [pytest.mark.localkube, pytest.mark.integration]


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
