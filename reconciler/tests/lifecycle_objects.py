"""Job and pod variants for the verdict and infrastructure rows, built on the plain factories."""

from __future__ import annotations

from typing import Any

from ambient.contract import CONTAINER_RUNNER
from reconciler.tests.factories import ago, job, pod, running_state, terminated_state

DEADLINE_SECONDS = 3600


def job_with(
    verdict: tuple[str, str, str] | None = None,
    *,
    deadline: int = DEADLINE_SECONDS,
    active_seconds: float = 60,
    deleting: bool = False,
) -> dict[str, Any]:
    """A Job active for `active_seconds` with `verdict` = (condition type, reason, message) set True."""
    body = job(deleting=deleting)
    body["spec"] = {"activeDeadlineSeconds": deadline, "backoffLimit": 0}
    status: dict[str, Any] = {"startTime": ago(active_seconds), "active": 1}
    if verdict is not None:
        kind, reason, message = verdict
        status = {"startTime": ago(active_seconds), "conditions": []}
        if kind in ("Failed", "Complete"):
            # The interim condition comes first (Kubernetes 1.31+), then the terminal one.
            interim = "FailureTarget" if kind == "Failed" else "SuccessCriteriaMet"
            status["conditions"].append({"type": interim, "status": "True", "reason": reason, "message": message})
        status["conditions"].append({"type": kind, "status": "True", "reason": reason, "message": message})
    body["status"] = status
    return body


DEADLINE_EXCEEDED = ("Failed", "DeadlineExceeded", "Job was active longer than specified deadline")
DEADLINE_EXCEEDED_INTERIM = ("FailureTarget", "DeadlineExceeded", "Job was active longer than specified deadline")
BACKOFF_LIMIT_EXCEEDED = ("Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit")
COMPLETE = ("Complete", "CompletionsReached", "Reached expected number of succeeded pods")
SUCCESS_INTERIM = ("SuccessCriteriaMet", "CompletionsReached", "Reached expected number of succeeded pods")


def runner_pod(
    runner: dict[str, Any] | None = None,
    *,
    phase: str = "Running",
    deleting: bool = False,
    reason: str | None = None,
    message: str | None = None,
    disruption: tuple[str, str] | None = None,
    memory_limit: str | None = None,
) -> dict[str, Any]:
    body = pod(runner=runner or running_state(), phase=phase, deleting=deleting, reason=reason, message=message)
    if disruption is not None:
        body["status"]["conditions"].append(
            {"type": "DisruptionTarget", "status": "True", "reason": disruption[0], "message": disruption[1]}
        )
    if memory_limit is not None:
        body["spec"]["containers"] = [{"name": CONTAINER_RUNNER, "resources": {"limits": {"memory": memory_limit}}}]
    return body


def lost_container_pod() -> dict[str, Any]:
    """What the kubelet reports after a restart for a container it can no longer find."""
    state = terminated_state(
        137, "ContainerStatusUnknown", "The container could not be located when the pod was terminated"
    )
    return runner_pod(state, phase="Failed")


# The pod of a run, in each shape the verdict rows combine with: (id, pod or None).
POD_SHAPES: tuple[tuple[str, dict[str, Any] | None], ...] = (
    ("pod-running", runner_pod()),
    ("pod-sigterm", runner_pod(terminated_state(143, "Error"), phase="Failed")),
    ("pod-terminating", runner_pod(deleting=True)),
    ("pod-gone", None),
)
