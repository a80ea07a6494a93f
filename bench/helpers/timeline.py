"""Where a new session's time goes, from watches: when its Job and its runner pod appeared, were
bound to the node and ran (monotonic stamps, first sight each), beside the session watch's stamps.

Stages of one session, in order: create → first status (the first-sight pass) → Job seen (the pass
that makes the children and the Job, then writes Creating) → pod created (Job controller) → pod
bound (scheduler) → pod Running (kubelet) → session Running (the reconciler's pass after the pod event).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ambient.contract import LABEL_SESSION_OWNER
from ambient.kube import JOB, POD, KubeGateway
from bench.helpers.support import SessionWatch, median, percentile
from localkube.faults import RequestRecord


class ChildWatch(SessionWatch):
    """A watch on the Jobs or the pods of one namespace, stamped by the session label: when each
    session's first one was seen, bound to a node (pods) and Running (pods)."""

    def __init__(self, gateway: KubeGateway, namespace: str, collection: str) -> None:
        super().__init__(gateway, namespace, POD if collection == "pods" else JOB)
        self.seen: dict[str, float] = {}
        self.bound: dict[str, float] = {}

    def _record(self, obj: dict[str, Any], now: float) -> None:
        labels = (obj.get("metadata") or {}).get("labels") or {}
        session = labels.get(LABEL_SESSION_OWNER)
        if not session:
            return
        self.seen.setdefault(session, now)
        if (obj.get("spec") or {}).get("nodeName"):
            self.bound.setdefault(session, now)
        if (obj.get("status") or {}).get("phase") == "Running":
            self.running.setdefault(session, now)


def creation_stages(
    created: Mapping[str, float], sessions: SessionWatch, jobs: ChildWatch, pods: ChildWatch
) -> list[tuple[str, str, list[float]]]:
    """(what, JSON key stem, seconds per session) for each stage; a session missing either stamp
    of a stage is left out of that stage."""
    marks: list[tuple[str, str, Callable[[str], float | None]]] = [
        ("created", "create", lambda name: created.get(name)),
        ("first status", "first_status", lambda name: sessions.status_seen.get(name)),
        ("Job seen", "job", lambda name: jobs.seen.get(name)),
        ("pod created", "pod", lambda name: pods.seen.get(name)),
        ("pod bound", "pod_bound", lambda name: pods.bound.get(name)),
        ("pod Running", "pod_running", lambda name: pods.running.get(name)),
        ("session Running", "running", lambda name: sessions.running.get(name)),
    ]
    stages: list[tuple[str, str, list[float]]] = []
    for (before, before_key, start), (after, after_key, end) in zip(marks, marks[1:], strict=False):
        values = []
        for name in created:
            begin, finish = start(name), end(name)
            if begin is not None and finish is not None:
                values.append(finish - begin)
        stages.append((f"{before} → {after}", f"{before_key}_to_{after_key}", values))
    return stages


def stage_figures(prefix: str, stages: list[tuple[str, str, list[float]]]) -> dict[str, float]:
    figures: dict[str, float] = {}
    for _, key, values in stages:
        figures[f"{prefix}_{key}_p50_s"] = round(median(values), 3)
        figures[f"{prefix}_{key}_p99_s"] = round(percentile(values, 0.99), 3)
    return figures


def stages_print(title: str, stages: list[tuple[str, str, list[float]]]) -> None:
    print(f"\n{title}: seconds per session, p50 / p99 / mean")
    for what, _, values in stages:
        mean = sum(values) / len(values) if values else float("nan")
        print(f"  {what.ljust(34)} {median(values):7.2f} {percentile(values, 0.99):7.2f} {mean:7.2f}")


def request_kind(record: RequestRecord, reconciler_user: str) -> str:
    """``reconciler POST pods`` / ``others PATCH pods/status``: who, which verb, which resource."""
    parts = record.path.strip("/").split("/")
    if "namespaces" in parts and len(parts) > parts.index("namespaces") + 2:
        parts = parts[parts.index("namespaces") + 2 :]
    else:
        parts = parts[-1:]
    resource = parts[0] + (f"/{parts[2]}" if len(parts) > 2 else "")
    who = "reconciler" if record.user == reconciler_user else "others"
    return f"{who} {record.method} {resource}"


def requests_print(records: Iterable[RequestRecord], reconciler_user: str, sessions: int, top: int = 25) -> None:
    """The API requests of a window by kind, per session: what localkube spent the burst answering."""
    kinds = Counter(request_kind(record, reconciler_user) for record in records)
    total = sum(kinds.values())
    print(f"\nAPI requests while the sessions came up: {total / sessions:.1f} per session")
    for kind, count in kinds.most_common(top):
        print(f"  {kind.ljust(52)} {count / sessions:6.2f}")
