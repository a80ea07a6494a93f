"""Reading a Job and its pod the way the kubelet and the Job controller report them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ambient.contract import (
    ANNOTATION_SESSION_GENERATION,
    ANNOTATION_SESSION_START_TIME,
    CONTAINER_CONTENT,
    CONTAINER_RUNNER,
    EXIT_PREREQUISITES_MISSING,
    EXIT_SDK_ERROR,
    EXIT_SUCCESS,
    FATAL_WAITING_REASONS,
    ConditionReason,
    Phase,
)
from reconciler.lifecycle.kubernetes_vocabulary import (
    CONTAINER_OOM_KILLED,
    CONTAINER_STATUS_UNKNOWN,
    POD_DISRUPTION_TARGET,
    POD_INFRASTRUCTURE_REASONS,
)
from reconciler.timestamps import parse_time

Object = Mapping[str, Any]
# Kubelet messages can be long (image pull errors quote registries); conditions should stay readable.
MAX_MESSAGE_LENGTH = 1024


def _truncate(message: str) -> str:
    return message if len(message) <= MAX_MESSAGE_LENGTH else message[: MAX_MESSAGE_LENGTH - 1] + "…"


def is_deleting(obj: Object | None) -> bool:
    return bool(obj and (obj.get("metadata") or {}).get("deletionTimestamp"))


def created_at(obj: Object) -> datetime | None:
    return parse_time((obj.get("metadata") or {}).get("creationTimestamp"))


def job_annotation(job: Object, key: str) -> str | None:
    return ((job.get("metadata") or {}).get("annotations") or {}).get(key)


def job_generation(job: Object) -> int | None:
    value = job_annotation(job, ANNOTATION_SESSION_GENERATION)
    return int(value) if value and value.isdigit() else None


def job_belongs_to_run(job: Object, start_time: str | None) -> bool:
    """A Job built for another run (older startTime) is a leftover; unannotated Jobs are trusted."""
    stamped = job_annotation(job, ANNOTATION_SESSION_START_TIME)
    return stamped is None or stamped == start_time


def _container_statuses(pod: Object, key: str) -> list[Mapping[str, Any]]:
    return list((pod.get("status") or {}).get(key) or ())


def container_state(pod: Object | None, container: str) -> Mapping[str, Any]:
    for status in _container_statuses(pod or {}, "containerStatuses"):
        if status.get("name") == container:
            return status.get("state") or {}
    return {}


def runner_running(pod: Object | None) -> bool:
    return "running" in container_state(pod, CONTAINER_RUNNER)


def _any_container_status(pod: Object | None, container: str) -> Mapping[str, Any] | None:
    """A container's status from either list: the content service is a native sidecar (an init
    container) in new Jobs and a plain container in Jobs built before that."""
    for key in ("initContainerStatuses", "containerStatuses"):
        for status in _container_statuses(pod or {}, key):
            if status.get("name") == container:
                return status
    return None


@dataclass(frozen=True)
class ContentHealth:
    """Whether the content sidecar answers, as its container status says (readiness probe passed)."""

    ready: bool
    reason: ConditionReason | str
    message: str


def content_health(pod: Object | None) -> ContentHealth:
    status = _any_container_status(pod, CONTAINER_CONTENT)
    if status is None:
        return ContentHealth(False, ConditionReason.CONTAINER_NOT_READY, "Content service has not started")
    restarts = int(status.get("restartCount") or 0)
    restarted = f" (restarted {restarts} time{'s' if restarts != 1 else ''})" if restarts else ""
    state = status.get("state") or {}
    if "running" in state:
        if status.get("ready") is True:
            return ContentHealth(True, ConditionReason.CONTAINER_READY, f"Content service is ready{restarted}")
        message = f"Content service is running but its readiness probe has not passed{restarted}"
        return ContentHealth(False, ConditionReason.CONTAINER_NOT_READY, message)
    if "terminated" in state:
        terminated = state["terminated"]
        message = f"Content service exited with code {terminated.get('exitCode')}{restarted}"
        return ContentHealth(False, ConditionReason.CONTAINER_EXITED, _truncate(message))
    waiting = state.get("waiting") or {}
    last = ((status.get("lastState") or {}).get("terminated") or {}).get("exitCode")
    exited = f"; it last exited with code {last}" if last is not None else ""
    detail = f": {waiting['message']}" if waiting.get("message") else ""
    message = f"Content service is waiting ({waiting.get('reason') or 'ContainerCreating'}){exited}{restarted}{detail}"
    return ContentHealth(False, str(waiting.get("reason") or "ContainerCreating"), _truncate(message))


@dataclass(frozen=True)
class Outcome:
    """How a run ended: Completed, or Failed with a reason from LIFECYCLE.md's table."""

    phase: Phase
    reason: ConditionReason
    message: str
    runner_ran: bool


def memory_limit(pod: Object | None, container: str) -> str | None:
    for spec in ((pod or {}).get("spec") or {}).get("containers") or ():
        if spec.get("name") == container:
            limit = ((spec.get("resources") or {}).get("limits") or {}).get("memory")
            return str(limit) if limit else None
    return None


def _exit_outcome(terminated: Mapping[str, Any], limit: str | None) -> Outcome:
    code = terminated.get("exitCode")
    detail = str(terminated.get("message") or "").strip()
    suffix = f": {detail}" if detail else ""
    if terminated.get("reason") == CONTAINER_OOM_KILLED:
        bound = f"its memory limit of {limit}" if limit else "its memory limit"
        return Outcome(
            Phase.FAILED,
            ConditionReason.OOM_KILLED,
            _truncate(f"Runner was killed for using more than {bound} (exit code {code}){suffix}"),
            True,
        )
    if code == EXIT_SUCCESS:
        return Outcome(Phase.COMPLETED, ConditionReason.COMPLETED, "Runner finished successfully", True)
    reasons: dict[int | None, ConditionReason] = {
        EXIT_SDK_ERROR: ConditionReason.SDK_ERROR,
        EXIT_PREREQUISITES_MISSING: ConditionReason.PREREQUISITE_FAILED,
    }
    reason = reasons.get(code, ConditionReason.RUNNER_EXIT)
    return Outcome(Phase.FAILED, reason, _truncate(f"Runner exited with code {code}{suffix}"), True)


def pod_outcome(pod: Object | None) -> Outcome | None:
    """How the runner's own process ended, if it has (infrastructure loss is checked before this)."""
    terminated = container_state(pod, CONTAINER_RUNNER).get("terminated")
    if terminated is not None:
        return _exit_outcome(terminated, memory_limit(pod, CONTAINER_RUNNER))
    if ((pod or {}).get("status") or {}).get("phase") == "Failed":
        return Outcome(Phase.FAILED, ConditionReason.RUNNER_EXIT, _truncate(_pod_failure_message(pod or {})), False)
    return None


def pod_finished(pod: Object | None) -> bool:
    return ((pod or {}).get("status") or {}).get("phase") in ("Succeeded", "Failed")


def infrastructure_loss(pod: Object | None) -> str | None:
    """Why the node or kubelet (not the runner) ended this pod, or None.

    DisruptionTarget (eviction, preemption, taint-manager deletion, node shutdown, pod GC), a pod
    reason like Evicted, or a container the kubelet could no longer find after a restart.
    """
    if pod is None:
        return None
    status = pod.get("status") or {}
    for condition in status.get("conditions") or ():
        if condition.get("type") == POD_DISRUPTION_TARGET and condition.get("status") == "True":
            return _truncate(_cause(str(condition.get("reason") or POD_DISRUPTION_TARGET), condition.get("message")))
    if status.get("reason") in POD_INFRASTRUCTURE_REASONS:
        return _truncate(_cause(str(status["reason"]), status.get("message")))
    for key in ("initContainerStatuses", "containerStatuses"):
        for entry in _container_statuses(pod, key):
            terminated = (entry.get("state") or {}).get("terminated") or {}
            if terminated.get("reason") == CONTAINER_STATUS_UNKNOWN:
                message = f"container {entry.get('name')}: {terminated.get('message') or 'status unknown'}"
                return _truncate(_cause(CONTAINER_STATUS_UNKNOWN, message))
    return None


def _cause(reason: str, message: Any) -> str:
    return f"{reason}: {message}" if message else reason


def _pod_failure_message(pod: Object) -> str:
    for key in ("initContainerStatuses", "containerStatuses"):
        for status in _container_statuses(pod, key):
            terminated = (status.get("state") or {}).get("terminated") or {}
            if terminated.get("exitCode"):
                detail = terminated.get("message") or terminated.get("reason") or ""
                return f"Container {status.get('name')} exited with code {terminated['exitCode']} {detail}".strip()
    pod_status = pod.get("status") or {}
    return str(pod_status.get("message") or pod_status.get("reason") or "Pod failed")


@dataclass(frozen=True)
class FatalWaiting:
    container: str
    reason: ConditionReason
    message: str


def fatal_waiting(pod: Object | None) -> FatalWaiting | None:
    """A container (init, content or runner) stuck in a waiting state that will not fix itself.

    A content sidecar in CrashLoopBackOff is the exception: the kubelet keeps restarting it while the
    runner works on, and ContentServiceReady reports it (content_health)."""
    for key in ("initContainerStatuses", "containerStatuses"):
        for status in _container_statuses(pod or {}, key):
            waiting = (status.get("state") or {}).get("waiting") or {}
            reason = waiting.get("reason")
            if reason == ConditionReason.CRASH_LOOP_BACK_OFF and status.get("name") == CONTAINER_CONTENT:
                continue
            if reason in FATAL_WAITING_REASONS:
                message = f"Container {status.get('name')}: {waiting.get('message') or reason}"
                return FatalWaiting(str(status.get("name")), ConditionReason(reason), _truncate(message))
    return None


def waiting_since(pod: Object) -> datetime | None:
    """The kubelet does not timestamp waiting states; the pod's start is the earliest they began."""
    return parse_time((pod.get("status") or {}).get("startTime")) or created_at(pod)


@dataclass(frozen=True)
class Scheduling:
    scheduled: bool
    reason: str
    message: str


def scheduling(pod: Object | None) -> Scheduling | None:
    if pod is None:
        return None
    for condition in (pod.get("status") or {}).get("conditions") or ():
        if condition.get("type") == "PodScheduled":
            if condition.get("status") == "True":
                node = (pod.get("spec") or {}).get("nodeName")
                return Scheduling(True, ConditionReason.SCHEDULED, f"Scheduled on {node}" if node else "Scheduled")
            return Scheduling(
                False,
                str(condition.get("reason") or ConditionReason.UNSCHEDULABLE),
                _truncate(str(condition.get("message") or "")),
            )
    if (pod.get("spec") or {}).get("nodeName"):
        return Scheduling(True, ConditionReason.SCHEDULED, f"Scheduled on {pod['spec']['nodeName']}")
    return None
