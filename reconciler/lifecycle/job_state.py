"""Reading a Job's own verdict: its terminal conditions and its deadline (activeDeadlineSeconds)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from reconciler.lifecycle.kubernetes_vocabulary import (
    JOB_FAILURE_TYPES,
    JOB_REASON_DEADLINE_EXCEEDED,
    JOB_SUCCESS_TYPES,
)
from reconciler.timestamps import parse_time, seconds_between

Object = Mapping[str, Any]
# status field: the deadline (seconds) of the Job in force for this run; absent means no limit.
TIMEOUT_FIELD = "timeoutSeconds"


@dataclass(frozen=True)
class JobVerdict:
    succeeded: bool
    reason: str
    message: str


def job_verdict(job: Object | None) -> JobVerdict | None:
    """The Job controller's decision (terminal or interim condition True), if it made one."""
    for condition in ((job or {}).get("status") or {}).get("conditions") or ():
        if condition.get("status") != "True":
            continue
        kind = condition.get("type")
        if kind in JOB_SUCCESS_TYPES or kind in JOB_FAILURE_TYPES:
            return JobVerdict(
                kind in JOB_SUCCESS_TYPES, str(condition.get("reason") or ""), str(condition.get("message") or "")
            )
    return None


def job_deadline_seconds(job: Object | None) -> int | None:
    value = ((job or {}).get("spec") or {}).get("activeDeadlineSeconds")
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def job_past_deadline(job: Object | None, now: datetime) -> bool:
    """True once the Job has been active for its whole deadline, even before the Job controller
    says so: a Job past its deadline must never be mistaken for a lost run and recreated."""
    deadline = job_deadline_seconds(job)
    started = parse_time(((job or {}).get("status") or {}).get("startTime"))
    return deadline is not None and started is not None and seconds_between(started, now) >= deadline


def job_timed_out(job: Object | None, now: datetime) -> bool:
    verdict = job_verdict(job)
    if verdict is not None and not verdict.succeeded and verdict.reason == JOB_REASON_DEADLINE_EXCEEDED:
        return True
    return (verdict is None or not verdict.succeeded) and job_past_deadline(job, now)


def describe_duration(seconds: float) -> str:
    """86400 → "24h", 5400 → "1h30m", 5 → "5s": how people write limits."""
    remaining = int(seconds)
    parts = []
    for unit, size in (("h", 3600), ("m", 60)):
        if remaining >= size:
            parts.append(f"{remaining // size}{unit}")
            remaining %= size
    if remaining or not parts:
        parts.append(f"{remaining}s")
    return "".join(parts)
