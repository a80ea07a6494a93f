"""Pod status from observed container states: phase, conditions, containerStatuses.

Pure and table-tested; the kubelet holds ``ContainerRecord``s and writes what this computes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from localkube.runtime.constants import (
    COND_CONTAINERS_READY,
    COND_INITIALIZED,
    COND_POD_SCHEDULED,
    COND_READY,
    POD_IP,
)

StateName = Literal["waiting", "running", "terminated"]


@dataclass
class ContainerRecord:
    """What the kubelet knows about one container right now."""

    name: str
    image: str
    init: bool = False
    # A native sidecar (init container with restartPolicy Always): runs beside the main containers.
    sidecar: bool = False
    state: StateName = "waiting"
    reason: str | None = None
    message: str | None = None
    exit_code: int | None = None
    started_at: str | None = None
    finished_at: str | None = None
    ready: bool = False
    restart_count: int = 0
    last_terminated: dict[str, Any] | None = None
    container_id: str = ""

    def succeeded(self) -> bool:
        return self.state == "terminated" and self.exit_code == 0

    def initialized(self) -> bool:
        """Done as an init step: exited 0, or, for a sidecar, started once."""
        return self.succeeded() or (self.sidecar and (self.started_at is not None or self.restart_count > 0))

    def status(self) -> dict[str, Any]:
        if self.state == "running":
            state: dict[str, Any] = {"running": {"startedAt": self.started_at}}
        elif self.state == "terminated":
            terminated: dict[str, Any] = {
                "exitCode": self.exit_code,
                "reason": self.reason,
                "startedAt": self.started_at,
                "finishedAt": self.finished_at,
            }
            if self.message:
                terminated["message"] = self.message
            if self.container_id:
                terminated["containerID"] = self.container_id
            state = {"terminated": terminated}
        else:
            waiting = {"reason": self.reason or "ContainerCreating"}
            if self.message:
                waiting["message"] = self.message
            state = {"waiting": waiting}
        result: dict[str, Any] = {
            "name": self.name,
            "image": self.image,
            "imageID": "",
            "ready": self.ready,
            "restartCount": self.restart_count,
            "started": self.state == "running",
            "state": state,
            "lastState": {"terminated": self.last_terminated} if self.last_terminated else {},
        }
        if self.container_id:
            result["containerID"] = self.container_id
        return result


@dataclass
class PodView:
    """Inputs for one status computation."""

    restart_policy: str
    init: list[ContainerRecord]
    containers: list[ContainerRecord]
    scheduled: bool
    unschedulable_message: str | None = None
    start_time: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _restarting(record: ContainerRecord) -> bool:
    return record.state == "waiting" and record.last_terminated is not None


def pod_phase(view: PodView) -> str:
    """kubelet's getPhase, for the cases localkube produces."""
    if not view.scheduled:
        return "Pending"
    for record in view.init:
        failed = record.state == "terminated" and record.exit_code != 0
        if failed and not record.sidecar and view.restart_policy == "Never":
            return "Failed"
    if not all(record.initialized() for record in view.init):
        return "Pending"
    running = waiting = stopped = succeeded = 0
    for record in view.containers:
        if record.state == "running":
            running += 1
        elif record.state == "terminated":
            stopped += 1
            succeeded += record.exit_code == 0
        elif _restarting(record):
            stopped += 1
        else:
            waiting += 1
    if waiting:
        return "Pending"
    if running:
        return "Running"
    if view.restart_policy == "Always":
        return "Running"
    if stopped == succeeded:
        return "Succeeded"
    return "Failed" if view.restart_policy == "Never" else "Running"


def _condition(kind: str, ok: bool, reason: str | None = None, message: str | None = None) -> dict[str, Any]:
    condition: dict[str, Any] = {"type": kind, "status": "True" if ok else "False"}
    if not ok and reason:
        condition["reason"] = reason
    if not ok and message:
        condition["message"] = message
    return condition


def pod_conditions(view: PodView, phase: str) -> list[dict[str, Any]]:
    """Conditions without timestamps (``stamp_conditions`` adds them)."""
    if not view.scheduled:
        return [_condition(COND_POD_SCHEDULED, False, "Unschedulable", view.unschedulable_message)]
    terminal = phase in ("Succeeded", "Failed")
    pending_init = [record.name for record in view.init if not record.initialized()]
    initialized = not pending_init
    # Native sidecars count towards readiness (the kubelet lists them first), plain init containers do not.
    sidecars = [record for record in view.init if record.sidecar]
    unready = [record.name for record in [*sidecars, *view.containers] if not record.ready]
    if terminal:
        ready = _condition(COND_READY, False, "PodCompleted")
        containers_ready = _condition(COND_CONTAINERS_READY, False, "PodCompleted")
    elif not initialized:
        names = " ".join(record.name for record in view.containers)
        message = f"containers with unready status: [{names}]"
        ready = _condition(COND_READY, False, "ContainersNotReady", message)
        containers_ready = _condition(COND_CONTAINERS_READY, False, "ContainersNotReady", message)
    else:
        message = f"containers with unready status: [{' '.join(unready)}]"
        ready = _condition(COND_READY, not unready, "ContainersNotReady", message)
        containers_ready = _condition(COND_CONTAINERS_READY, not unready, "ContainersNotReady", message)
    init_message = f"containers with incomplete status: [{' '.join(pending_init)}]"
    return [
        _condition(COND_INITIALIZED, initialized, "ContainersNotInitialized", init_message),
        ready,
        containers_ready,
        _condition(COND_POD_SCHEDULED, True),
    ]


def stamp_conditions(
    previous: list[dict[str, Any]] | None, current: list[dict[str, Any]], now: str
) -> list[dict[str, Any]]:
    """Keep ``lastTransitionTime`` where the status did not change, as the kubelet does."""
    before = {condition.get("type"): condition for condition in previous or []}
    stamped = []
    for condition in current:
        old = before.get(condition["type"])
        since = old.get("lastTransitionTime") if old and old.get("status") == condition["status"] else now
        stamped.append({**condition, "lastProbeTime": None, "lastTransitionTime": since})
    return stamped


def pod_status(view: PodView, previous: dict[str, Any] | None, now: str) -> dict[str, Any]:
    """The full ``status`` a merge patch replaces (null clears fields that no longer apply)."""
    phase = pod_phase(view)
    status: dict[str, Any] = {
        "phase": phase,
        "conditions": stamp_conditions((previous or {}).get("conditions"), pod_conditions(view, phase), now),
        "reason": None,
        "message": None,
    }
    if view.scheduled:
        status.update(
            hostIP=POD_IP,
            hostIPs=[{"ip": POD_IP}],
            podIP=POD_IP,
            podIPs=[{"ip": POD_IP}],
            startTime=view.start_time,
            containerStatuses=[record.status() for record in view.containers],
        )
        if view.init:
            status["initContainerStatuses"] = [record.status() for record in view.init]
    status.update(view.extra)
    return status
