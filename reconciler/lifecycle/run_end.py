"""How a run ended, most authoritative evidence first: the Job's verdict, then the pod.

A terminal (or interim) Job condition decides that the run is over, whatever its pods look like:
DeadlineExceeded is a Timeout and Complete is Completed. Another failure (BackoffLimitExceeded, …)
ended the run too; the pod it counted says why (the runner's exit, or the infrastructure).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ambient.contract import CONTAINER_RUNNER, ConditionReason, Phase
from reconciler.lifecycle.job_state import describe_duration, job_deadline_seconds, job_timed_out, job_verdict
from reconciler.lifecycle.pod_state import (
    Outcome,
    container_state,
    infrastructure_loss,
    is_deleting,
    pod_finished,
    pod_outcome,
)

Object = Mapping[str, Any]


@dataclass(frozen=True)
class InfrastructureLoss:
    """The node or kubelet ended the pod: a new run on a new pod, not a runner failure."""

    cause: str


RunEnd = Outcome | InfrastructureLoss


def timeout_outcome(job: Object, pod: Object | None) -> Outcome:
    deadline = job_deadline_seconds(job)
    limit = "its timeout"
    if deadline:
        written = describe_duration(deadline)
        # "1h (3600s)" helps someone who set 3600; "5s (5s)" helps nobody.
        limit = f"its timeout of {written}" if written == f"{deadline}s" else f"its timeout of {written} ({deadline}s)"
    message = f"Session ran longer than {limit}; the runner was stopped and the workspace kept"
    return Outcome(Phase.FAILED, ConditionReason.TIMEOUT, message, bool(container_state(pod, CONTAINER_RUNNER)))


def ended_by_job(job: Object | None, pod: Object | None, now: datetime) -> RunEnd | None:
    """The run's end as the Job decided it, or None when the Job has not decided (yet)."""
    if job is None:
        return None
    if job_timed_out(job, now):
        return timeout_outcome(job, pod)
    verdict = job_verdict(job)
    if verdict is None:
        return None
    if verdict.succeeded:
        return Outcome(Phase.COMPLETED, ConditionReason.COMPLETED, "Runner finished successfully", True)
    loss = lost_to_infrastructure(pod)
    if loss is not None:
        return loss
    if pod is not None and not pod_finished(pod) and not is_deleting(pod):
        return None  # the pod read lags the Job's: its final status is on the way
    outcome = pod_outcome(pod)
    if outcome is not None and outcome.phase == Phase.FAILED:
        return outcome
    detail = f": {verdict.message}" if verdict.message else ""
    return Outcome(Phase.FAILED, ConditionReason.RUNNER_EXIT, f"Job failed ({verdict.reason}){detail}"[:1024], False)


def lost_to_infrastructure(pod: Object | None) -> InfrastructureLoss | None:
    loss = infrastructure_loss(pod)
    return InfrastructureLoss(loss) if loss is not None else None
