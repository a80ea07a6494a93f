"""Reading sessions and their children the way a user would (admin client), with bounded waits."""

from __future__ import annotations

from typing import Any

import kubernetes.client

from ambient.contract import (
    ANNOTATION_DESIRED_PHASE,
    ANNOTATION_START_REQUESTED_AT,
    ANNOTATION_STOP_REQUESTED_AT,
    LABEL_SESSION_OWNER,
)
from reconciler.tests.services_support import session_create, session_patch, session_read
from tests.e2e.processes import wait_for

__all__ = ["session_create", "session_patch", "session_read", "wait_for"]

# Generous bounds: they only stop a hung test; nothing asserts how fast anything happened.
PHASE_TIMEOUT = 60.0


def fake_runner_env(*, exit_code: int = 0, sleep: str = "0", release_file: str | None = None) -> dict[str, str]:
    env = {"FAKE_RUNNER_EXIT": str(exit_code), "FAKE_RUNNER_SLEEP": sleep}
    if release_file:
        env["FAKE_RUNNER_RELEASE_FILE"] = release_file
    return env


def conditions(session: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {c["type"]: (c["status"], c["reason"]) for c in (session.get("status") or {}).get("conditions", [])}


def wait_phase(
    api: kubernetes.client.ApiClient, namespace: str, name: str, phase: str, timeout: float = PHASE_TIMEOUT
) -> dict:
    def reached() -> dict | None:
        session = session_read(api, namespace, name)
        return session if (session.get("status") or {}).get("phase") == phase else None

    try:
        return wait_for(reached, timeout, f"{namespace}/{name} to reach {phase}")
    except AssertionError:
        session = session_read(api, namespace, name)
        raise AssertionError(f"{name} stuck in {session.get('status')}") from None


def wait_ready(api: kubernetes.client.ApiClient, namespace: str, name: str, timeout: float = PHASE_TIMEOUT) -> dict:
    """Ready=True: the runner runs and the content sidecar answers (what a client should wait for)."""

    def ready() -> dict | None:
        session = session_read(api, namespace, name)
        return session if conditions(session).get("Ready", ("", ""))[0] == "True" else None

    return wait_for(ready, timeout, f"{namespace}/{name} to be Ready")


def wait_caught_up(api: kubernetes.client.ApiClient, namespace: str, name: str, timeout: float = PHASE_TIMEOUT) -> dict:
    def caught_up() -> dict | None:
        session = session_read(api, namespace, name)
        observed = (session.get("status") or {}).get("observedGeneration")
        return session if observed == session["metadata"]["generation"] else None

    return wait_for(caught_up, timeout, f"{name} observedGeneration to catch up")


def jobs(api: kubernetes.client.ApiClient, namespace: str, name: str) -> list[Any]:
    batch = kubernetes.client.BatchV1Api(api)
    return batch.list_namespaced_job(namespace, label_selector=f"{LABEL_SESSION_OWNER}={name}").items


def pods(api: kubernetes.client.ApiClient, namespace: str, name: str) -> list[Any]:
    core = kubernetes.client.CoreV1Api(api)
    return core.list_namespaced_pod(namespace, label_selector=f"{LABEL_SESSION_OWNER}={name}").items


def children(api: kubernetes.client.ApiClient, namespace: str, name: str) -> dict[str, list[str]]:
    """Every kind a session owns, by label (the same way cleanup finds them)."""
    core = kubernetes.client.CoreV1Api(api)
    rbac = kubernetes.client.RbacAuthorizationV1Api(api)
    selector = f"{LABEL_SESSION_OWNER}={name}"
    listers = {
        "Job": lambda: jobs(api, namespace, name),
        "Pod": lambda: pods(api, namespace, name),
        "PersistentVolumeClaim": lambda: (
            core.list_namespaced_persistent_volume_claim(namespace, label_selector=selector).items
        ),
        "Service": lambda: core.list_namespaced_service(namespace, label_selector=selector).items,
        "Secret": lambda: core.list_namespaced_secret(namespace, label_selector=selector).items,
        "ServiceAccount": lambda: core.list_namespaced_service_account(namespace, label_selector=selector).items,
        "Role": lambda: rbac.list_namespaced_role(namespace, label_selector=selector).items,
        "RoleBinding": lambda: rbac.list_namespaced_role_binding(namespace, label_selector=selector).items,
    }
    return {kind: [item.metadata.name for item in lister()] for kind, lister in listers.items()}


def request_stop(api: kubernetes.client.ApiClient, namespace: str, name: str) -> None:
    annotations = {ANNOTATION_DESIRED_PHASE: "Stopped", ANNOTATION_STOP_REQUESTED_AT: "2025-01-01T00:00:00Z"}
    session_patch(api, namespace, name, {"metadata": {"annotations": annotations}})


def request_start(api: kubernetes.client.ApiClient, namespace: str, name: str) -> None:
    annotations = {ANNOTATION_DESIRED_PHASE: "Running", ANNOTATION_START_REQUESTED_AT: "2025-01-01T00:00:00Z"}
    session_patch(api, namespace, name, {"metadata": {"annotations": annotations}})


def wait_run_gone(api: kubernetes.client.ApiClient, namespace: str, name: str) -> None:
    wait_for(
        lambda: not jobs(api, namespace, name) and not pods(api, namespace, name),
        PHASE_TIMEOUT,
        f"{name}'s Job and pods to go",
    )
