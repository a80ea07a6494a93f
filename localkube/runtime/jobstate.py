"""The Job controller's decision for one Job given its pods: pure, so it is table-tested.

Follows kube's job controller for NonIndexed jobs: ``failed > backoffLimit`` fails the Job,
``activeDeadlineSeconds`` counts from ``startTime``, and the terminal condition comes with its
interim one (``SuccessCriteriaMet``/``FailureTarget``) as in Kubernetes 1.31+.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from localkube.runtime import constants as c
from localkube.runtime.clock import parse_rfc3339

_NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"  # apimachinery's generateName alphabet
MESSAGE_BACKOFF = "Job has reached the specified backoff limit"
MESSAGE_DEADLINE = "Job was active longer than specified deadline"
MESSAGE_COMPLETE = "Reached expected number of succeeded pods"


@dataclass
class JobPlan:
    status: dict[str, Any]
    create: int = 0
    delete: list[str] = field(default_factory=list)
    events: list[tuple[str, str, bool]] = field(default_factory=list)  # reason, message, warning
    requeue_after: float | None = None


def _rfc3339(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def job_condition(kind: str, reason: str, message: str, now: str) -> dict[str, Any]:
    return {
        "type": kind,
        "status": "True",
        "reason": reason,
        "message": message,
        "lastProbeTime": now,
        "lastTransitionTime": now,
    }


def is_finished(job: dict[str, Any]) -> str | None:
    for condition in (job.get("status") or {}).get("conditions") or []:
        if condition.get("type") in (c.JOB_COMPLETE, c.JOB_FAILED) and condition.get("status") == "True":
            return str(condition["type"])
    return None


def _is_ready(pod: dict[str, Any]) -> bool:
    return any(
        condition.get("type") == c.COND_READY and condition.get("status") == "True"
        for condition in (pod.get("status") or {}).get("conditions") or []
    )


def _restarts(pod: dict[str, Any]) -> int:
    status = pod.get("status") or {}
    entries = [*(status.get("initContainerStatuses") or []), *(status.get("containerStatuses") or [])]
    return sum(int(entry.get("restartCount") or 0) for entry in entries)


def plan_job(
    job: dict[str, Any],
    pods: list[dict[str, Any]],
    now: datetime,
    *,
    pending_creates: int = 0,
    backoff_base: float = 1.0,
) -> JobPlan:
    spec, status = job.get("spec") or {}, dict(job.get("status") or {})
    now_text = _rfc3339(now)
    phase = {pod["metadata"]["name"]: (pod.get("status") or {}).get("phase") for pod in pods}
    terminating = [pod for pod in pods if pod["metadata"].get("deletionTimestamp")]
    active = [
        pod for pod in pods if phase[pod["metadata"]["name"]] not in ("Succeeded", "Failed") and pod not in terminating
    ]
    succeeded = max(int(status.get("succeeded") or 0), sum(value == "Succeeded" for value in phase.values()))
    failed = max(int(status.get("failed") or 0), sum(value == "Failed" for value in phase.values()))
    status.update(
        active=len(active) + pending_creates,
        succeeded=succeeded,
        failed=failed,
        ready=sum(_is_ready(pod) for pod in active),
        terminating=len(terminating),
        uncountedTerminatedPods={},
    )
    for key in ("active", "succeeded", "failed"):
        if not status[key]:
            status.pop(key)  # kube omits zero counts
    plan = JobPlan(status=status)
    if is_finished(job):
        if is_finished(job) == c.JOB_FAILED:
            plan.delete = [pod["metadata"]["name"] for pod in active]
        return plan
    if spec.get("suspend"):
        return plan

    start = status.setdefault("startTime", now_text)
    completions = int(spec.get("completions") or 1)
    parallelism = int(spec["parallelism"]) if spec.get("parallelism") is not None else 1
    backoff_limit = int(spec["backoffLimit"]) if spec.get("backoffLimit") is not None else 6
    retries = failed
    if (spec.get("template") or {}).get("spec", {}).get("restartPolicy") == "OnFailure":
        retries += sum(_restarts(pod) for pod in active)
    deadline = spec.get("activeDeadlineSeconds")
    elapsed = (now - parse_rfc3339(start)).total_seconds()
    conditions = list(status.get("conditions") or [])

    def finish(interim: str, final: str, reason: str, message: str, warning: bool) -> JobPlan:
        conditions.extend(
            [job_condition(interim, reason, message, now_text), job_condition(final, reason, message, now_text)]
        )
        status["conditions"] = conditions
        plan.delete = [pod["metadata"]["name"] for pod in active]
        plan.events.append(
            (reason if final == c.JOB_FAILED else "Completed", message if warning else "Job completed", warning)
        )
        return plan

    if succeeded >= completions:
        status["completionTime"] = now_text
        return finish(c.JOB_SUCCESS_CRITERIA_MET, c.JOB_COMPLETE, c.REASON_COMPLETIONS_REACHED, MESSAGE_COMPLETE, False)
    if retries > backoff_limit:
        return finish(c.JOB_FAILURE_TARGET, c.JOB_FAILED, c.REASON_BACKOFF_LIMIT_EXCEEDED, MESSAGE_BACKOFF, True)
    if deadline is not None and elapsed >= float(deadline):
        return finish(c.JOB_FAILURE_TARGET, c.JOB_FAILED, c.REASON_DEADLINE_EXCEEDED, MESSAGE_DEADLINE, True)

    wanted = min(parallelism, completions - succeeded) - len(active) - pending_creates
    if wanted > 0 and failed:
        # Kube delays re-creating after failures (10s, 20s, ...); localkube uses a shorter base.
        finished_at = [
            parse_rfc3339(pod["status"]["containerStatuses"][0]["state"]["terminated"]["finishedAt"])
            for pod in pods
            if phase[pod["metadata"]["name"]] == "Failed" and _finished_at(pod)
        ]
        wait = backoff_base * 2 ** (failed - 1) - ((now - max(finished_at)).total_seconds() if finished_at else 1e9)
        if wait > 0:
            plan.requeue_after = min(wait, 300.0)
            wanted = 0
    plan.create = max(wanted, 0)
    if deadline is not None:
        remaining = float(deadline) - elapsed
        plan.requeue_after = min(plan.requeue_after or remaining, remaining)
    return plan


def _finished_at(pod: dict[str, Any]) -> bool:
    try:
        return bool(pod["status"]["containerStatuses"][0]["state"]["terminated"]["finishedAt"])
    except (KeyError, IndexError, TypeError):
        return False


def job_pod_name(job_name: str) -> str:
    suffix = "".join(random.choice(_NAME_ALPHABET) for _ in range(5))  # noqa: S311 - names, not secrets
    return f"{job_name[:57]}-{suffix}"


def pod_from_template(job: dict[str, Any], name: str) -> dict[str, Any]:
    """The pod kube's job controller would create: template + job labels + controller ownerRef."""
    metadata = job["metadata"]
    template = (job.get("spec") or {}).get("template") or {}
    template_metadata = template.get("metadata") or {}
    labels = {
        **(template_metadata.get("labels") or {}),
        c.LABEL_CONTROLLER_UID: metadata["uid"],
        c.LABEL_BATCH_CONTROLLER_UID: metadata["uid"],
        c.LABEL_JOB_NAME: metadata["name"],
        c.LABEL_BATCH_JOB_NAME: metadata["name"],
    }
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": metadata.get("namespace"),
            "labels": labels,
            "annotations": dict(template_metadata.get("annotations") or {}),
            "ownerReferences": [
                {
                    "apiVersion": "batch/v1",
                    "kind": "Job",
                    "name": metadata["name"],
                    "uid": metadata["uid"],
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
        },
        "spec": dict(template.get("spec") or {}),
    }
