"""Shared by the benches: percentiles, process RSS, Prometheus scrapes, and a session watch that
timestamps what a user would see (phase Running, a new generation, observedGeneration caught up)."""

from __future__ import annotations

import statistics
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ambient.kube import NAMESPACE, ROLE_BINDING, SESSION, KubeGateway, Resource
from sessions.api_constants import MANAGED_LABEL, MANAGED_LABEL_VALUE, ROLE_ADMIN

RBAC_GROUP = "rbac.authorization.k8s.io"


def project_admin_grant(gateway: KubeGateway, project: str, username: str) -> None:
    """Make namespace `project` a managed Ambient project whose admin is the user `username`."""
    gateway.patch(NAMESPACE, None, project, {"metadata": {"labels": {MANAGED_LABEL: MANAGED_LABEL_VALUE}}})
    binding = {
        "apiVersion": f"{RBAC_GROUP}/v1",
        "kind": "RoleBinding",
        "metadata": {"name": "bench-admin"},
        "roleRef": {"apiGroup": RBAC_GROUP, "kind": "ClusterRole", "name": ROLE_ADMIN},
        "subjects": [{"kind": "User", "name": username, "apiGroup": RBAC_GROUP}],
    }
    gateway.create(ROLE_BINDING, project, binding)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))] if ordered else float("nan")


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def metric_sum(urls: list[str], name: str, labels: tuple[str, ...] = ()) -> float:
    """Sum of a Prometheus series over several /metrics pages, keeping lines holding every label fragment."""
    total = 0.0
    for url in urls:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback
            text = response.read().decode()
        for line in text.splitlines():
            series = line.startswith((name + "{", name + " "))
            if series and all(fragment in line for fragment in labels):
                total += float(line.rsplit(" ", 1)[1])
    return total


class StageMeans:
    """Mean seconds per observation of a histogram between ``start()`` and ``stop()``."""

    def __init__(self, urls: list[str], name: str, labels: tuple[str, ...] = ()) -> None:
        self._urls, self._name, self._labels = urls, name, labels
        self._sum = self._count = 0.0

    def _read(self) -> tuple[float, float]:
        return (
            metric_sum(self._urls, f"{self._name}_sum", self._labels),
            metric_sum(self._urls, f"{self._name}_count", self._labels),
        )

    def start(self) -> StageMeans:
        self._sum, self._count = self._read()
        return self

    def stop(self) -> tuple[float, int]:
        total, count = self._read()
        count -= self._count
        return ((total - self._sum) / count if count else float("nan")), int(count)


class SessionWatch:
    """A list+watch of the sessions (or `kind`) in one namespace that stamps (monotonic) when it first
    saw: each name Running, each (name, generation), and each (name, generation) caught up; and
    keeps each present name's current phase (`phases`, "" before the first status has one)."""

    def __init__(self, gateway: KubeGateway, namespace: str, kind: Resource = SESSION) -> None:
        self._gateway = gateway
        self._kind = kind
        self._namespace = namespace
        self.running: dict[str, float] = {}
        self.generation_seen: dict[tuple[str, int], float] = {}
        self.caught_up: dict[tuple[str, int], float] = {}
        self.status_seen: dict[str, float] = {}
        self.phases: dict[str, str] = {}
        self._stop = threading.Event()
        self._stream: Any = None
        self._thread = threading.Thread(target=self._run, name="bench-session-watch", daemon=True)
        self._ready = threading.Event()

    def start(self) -> SessionWatch:
        self._thread.start()
        if not self._ready.wait(30):
            raise RuntimeError("the bench's session watch did not start")
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._stream is not None:
            self._stream.abort()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        listed = self._gateway.list_page(
            self._kind, self._namespace, label_selector=None, limit=5000, continue_token=None, timeout=(10, 120)
        )
        version = str(listed["metadata"]["resourceVersion"])
        for item in listed.get("items") or []:
            self._record(item, time.monotonic())
        while not self._stop.is_set():
            self._stream = self._gateway.watch(
                self._kind,
                self._namespace,
                label_selector=None,
                resource_version=version,
                timeout_seconds=3600,
                timeout=(10, 120),
            )
            self._ready.set()
            try:
                for event in self._stream.events():
                    now = time.monotonic()
                    obj = event.get("object") or {}
                    version = str((obj.get("metadata") or {}).get("resourceVersion") or version)
                    if event.get("type") in ("ADDED", "MODIFIED"):
                        self._record(obj, now)
                    elif event.get("type") == "DELETED":
                        self.phases.pop(str((obj.get("metadata") or {}).get("name")), None)
            except Exception:  # noqa: BLE001 - aborted at stop, or a dropped stream: resume
                if self._stop.is_set():
                    return
            finally:
                self._stream.close()

    def _record(self, obj: dict[str, Any], now: float) -> None:
        metadata, status = obj.get("metadata") or {}, obj.get("status") or {}
        name, generation = str(metadata.get("name")), int(metadata.get("generation") or 1)
        self.generation_seen.setdefault((name, generation), now)
        self.phases[name] = str(status.get("phase") or "")
        if status:
            self.status_seen.setdefault(name, now)
        if status.get("phase") == "Running":
            self.running.setdefault(name, now)
        observed = int(status.get("observedGeneration") or 0)
        if observed >= generation:
            self.caught_up.setdefault((name, generation), now)

    def wait(self, predicate: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")
            time.sleep(0.02)
