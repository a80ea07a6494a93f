"""Plain dict builders for AgenticSession, Job and Pod objects as the API server returns them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from ambient.contract import (
    ANNOTATION_SESSION_GENERATION,
    ANNOTATION_SESSION_START_TIME,
    API_VERSION,
    CONTAINER_CONTENT,
    CONTAINER_RUNNER,
    KIND,
    ConditionStatus,
    ConditionType,
    job_name,
    network_policy_name,
    pvc_name,
    role_binding_name,
    role_name,
    service_account_name,
    service_name,
    token_secret_name,
)
from reconciler.config import ReconcilerConfig, SecretCopy
from reconciler.lifecycle import Observed
from reconciler.manifests import Kind
from reconciler.timestamps import format_time

NOW = datetime(2025, 6, 1, 12, 0, 0, tzinfo=UTC)
START = NOW - timedelta(minutes=5)
NAME = "demo"
NAMESPACE = "project-a"
RUNNER_SECRET = "ambient-runner-secrets"
OPTIONAL_SECRET = "ambient-langfuse"

CONFIG = ReconcilerConfig(
    copied_secrets=(SecretCopy(RUNNER_SECRET, required=True), SecretCopy(OPTIONAL_SECRET, required=False))
)


def ago(seconds: float) -> str:
    return format_time(NOW - timedelta(seconds=seconds))


def condition(type_: ConditionType, status: ConditionStatus, reason: str, message: str = "") -> dict[str, Any]:
    return {
        "type": type_.value,
        "status": status.value,
        "reason": reason,
        "message": message,
        "lastTransitionTime": format_time(START),
        "observedGeneration": 1,
    }


def session(
    *,
    phase: str | None = None,
    generation: int = 1,
    annotations: dict[str, str] | None = None,
    spec: dict[str, Any] | None = None,
    status: dict[str, Any] | None = None,
    conditions: list[dict[str, Any]] | None = None,
    name: str = NAME,
) -> dict[str, Any]:
    body_status: dict[str, Any] = {}
    if phase is not None:
        body_status = {"phase": phase, "startTime": format_time(START), "observedGeneration": 1}
    if conditions is not None:
        body_status["conditions"] = conditions
    body_status.update(status or {})
    return {
        "apiVersion": API_VERSION,
        "kind": KIND,
        "metadata": {
            "name": name,
            "namespace": NAMESPACE,
            "uid": "0b0e5b2c-1111-2222-3333-444455556666",
            "generation": generation,
            "resourceVersion": "42",
            "creationTimestamp": format_time(START),
            "annotations": dict(annotations or {}),
        },
        "spec": {"initialPrompt": "Fix the bug", "interactive": False, **(spec or {})},
        "status": body_status,
    }


def job(
    *,
    created_seconds_ago: float = 60,
    start_time: str | None = None,
    generation: int = 1,
    failed: tuple[str, str] | None = None,
    deleting: bool = False,
    name: str = NAME,
) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "name": job_name(name),
        "namespace": NAMESPACE,
        "creationTimestamp": ago(created_seconds_ago),
        "annotations": {
            ANNOTATION_SESSION_GENERATION: str(generation),
            ANNOTATION_SESSION_START_TIME: start_time or format_time(START),
        },
    }
    if deleting:
        metadata["deletionTimestamp"] = ago(1)
    status: dict[str, Any] = {"active": 1}
    if failed:
        status = {
            "failed": 1,
            "conditions": [{"type": "Failed", "status": "True", "reason": failed[0], "message": failed[1]}],
        }
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": metadata, "status": status}


def running_state() -> dict[str, Any]:
    return {"running": {"startedAt": ago(30)}}


def waiting_state(reason: str, message: str = "") -> dict[str, Any]:
    return {"waiting": {"reason": reason, "message": message}}


def terminated_state(exit_code: int, reason: str = "Error", message: str = "") -> dict[str, Any]:
    return {"terminated": {"exitCode": exit_code, "reason": reason, "message": message}}


def content_status(state: dict[str, Any], *, ready: bool = False, restarts: int = 0, **extra: Any) -> dict[str, Any]:
    """The content sidecar's entry in initContainerStatuses (a native sidecar)."""
    return {"name": CONTAINER_CONTENT, "state": state, "ready": ready, "restartCount": restarts, **extra}


def ready_content() -> dict[str, Any]:
    return content_status({"running": {"startedAt": ago(31)}}, ready=True)


def pod(
    *,
    runner: dict[str, Any] | None = None,
    content: dict[str, Any] | None | bool = True,
    scheduled: bool | tuple[str, str] = True,
    phase: str = "Running",
    reason: str | None = None,
    message: str | None = None,
    started_seconds_ago: float = 30,
    deleting: bool = False,
) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "name": f"{job_name(NAME)}-abcde",
        "namespace": NAMESPACE,
        "creationTimestamp": ago(started_seconds_ago),
    }
    if deleting:
        metadata["deletionTimestamp"] = ago(1)
    if scheduled is True:
        conditions = [{"type": "PodScheduled", "status": "True"}]
    else:
        sched_reason, sched_message = scheduled if isinstance(scheduled, tuple) else ("Unschedulable", "")
        conditions = [{"type": "PodScheduled", "status": "False", "reason": sched_reason, "message": sched_message}]
    status: dict[str, Any] = {"phase": phase, "conditions": conditions, "startTime": ago(started_seconds_ago)}
    if reason:
        status["reason"] = reason
    if message:
        status["message"] = message
    # content: True = a ready sidecar, a dict = its status entry (content_status), None = no entry.
    sidecar = ready_content() if content is True else content or None
    if sidecar is not None:
        status["initContainerStatuses"] = [sidecar]
    if runner is not None:
        status["containerStatuses"] = [{"name": CONTAINER_RUNNER, "state": runner}]
    spec = {"nodeName": "node-1"} if scheduled is True else {}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec, "status": status}


def all_children(name: str = NAME, *, copies: tuple[str, ...] = (RUNNER_SECRET, OPTIONAL_SECRET)) -> frozenset:
    children = {
        (Kind.PERSISTENT_VOLUME_CLAIM.value, pvc_name(name)),
        (Kind.SERVICE.value, service_name(name)),
        (Kind.NETWORK_POLICY.value, network_policy_name(name)),
        (Kind.SERVICE_ACCOUNT.value, service_account_name(name)),
        (Kind.ROLE.value, role_name(name)),
        (Kind.ROLE_BINDING.value, role_binding_name(name)),
        (Kind.SECRET.value, token_secret_name(name)),
        *((Kind.SECRET.value, copy) for copy in copies),
    }
    return frozenset(children)


def observed(
    session_body: dict[str, Any],
    *,
    job_body: dict[str, Any] | None = None,
    pod_body: dict[str, Any] | None = None,
    children: frozenset | None = None,
    token_age_seconds: float | None = 60,
    missing_secrets: frozenset[str] = frozenset(),
    shared: bool = False,
) -> Observed:
    kids = all_children() if children is None else children
    if job_body is not None:
        kids = kids | {(Kind.JOB.value, job_body["metadata"]["name"])}
    refreshed = NOW - timedelta(seconds=token_age_seconds) if token_age_seconds is not None else None
    return Observed(
        session=session_body,
        job=job_body,
        pod=pod_body,
        children=kids,
        token_refreshed_at=refreshed,
        missing_secrets=missing_secrets,
        copied_secrets_shared=shared,
    )
