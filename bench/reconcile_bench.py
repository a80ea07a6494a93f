"""Reconciler benchmark against localkube with real worker and watcher processes.

Figures: create → Running and spec change → observedGeneration caught up (p50/p99 over N live
sessions), write calls per no-op reconcile, full resync time for M sessions with 2 workers
(the N live ones plus stopped ones), watcher RSS at M sessions before and after churn.
Prints a table, then one JSON line. Usage: python bench/reconcile_bench.py [--sessions 200] [--resync 1000]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ambient.settings.test")
# Room for every live pod; the runner and content containers are `sleep` here (no Django per pod).
os.environ.setdefault("LOCALKUBE_NODE_CPU", "2000")
os.environ.setdefault("LOCALKUBE_NODE_MEMORY", "8000Gi")
os.environ.setdefault("LOCALKUBE_NODE_PODS", "5000")

import django  # noqa: E402

django.setup()

import kubernetes.client  # noqa: E402

from localkube.testing import LocalKube, free_port  # noqa: E402
from reconciler.embedded_images import write_image_map  # noqa: E402
from reconciler.tests.services_support import (  # noqa: E402
    RECONCILER_USER,
    crd_install,
    reconciler_kubeconfig,
    session_create,
    session_patch,
)
from sessions.constants import ANNOTATION_DESIRED_PHASE  # noqa: E402
from tests.e2e.conftest import CONTENT_IMAGE, RUNNER_IMAGE, Stack, _worker_env  # noqa: E402
from tests.e2e.processes import ManagedProcess, RedisServer, wait_for  # noqa: E402


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))] if ordered else float("nan")


def rss_mb(process: ManagedProcess) -> float:
    assert process.process is not None
    for line in Path(f"/proc/{process.process.pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def phases(api: kubernetes.client.ApiClient, namespace: str) -> dict[str, dict]:
    custom = kubernetes.client.CustomObjectsApi(api)
    items = custom.list_namespaced_custom_object("vteam.ambient-code", "v1alpha1", namespace, "agenticsessions")[
        "items"
    ]
    return {item["metadata"]["name"]: item for item in items}


def reconcile_count(stack: Stack, ports: list[int]) -> float:
    from tests.e2e.test_faults import _metric

    return sum(
        _metric(f"http://127.0.0.1:{port}/metrics", "ambient_reconcile_duration_seconds_count") for port in ports
    )


def main() -> None:  # noqa: PLR0915 - one linear script
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--resync", type=int, default=1000)
    options = parser.parse_args()
    directory = Path(tempfile.mkdtemp(prefix="reconcile-bench-"))
    image_map = directory / "images.yaml"
    write_image_map(
        image_map,
        {"images": {RUNNER_IMAGE: {"command": ["sleep", "86400"]}, CONTENT_IMAGE: {}}},
    )
    kube = LocalKube(image_map_file=image_map, watch_history=100000)
    kube.start()
    redis = RedisServer(directory).start()
    stack = Stack(kube, redis, {}, directory, image_map, free_port())
    try:
        crd_install(kube.api_client())
        kubernetes.client.CoreV1Api(kube.api_client()).create_namespace({"metadata": {"name": "ambient-system"}})
        stack.env = _worker_env(reconciler_kubeconfig(kube, directory / "kubeconfig"), redis.url, directory)
        stack.env["RECONCILER_CONTENT_COMMAND"] = "sleep,86400"
        stack.env["RECONCILER_CREATION_DEADLINE_SECONDS"] = "600"
        stack.env["LOG_LEVEL"] = "WARNING"
        migrate = ManagedProcess("migrate", [sys.executable, "manage.py", "migrate"], stack.env, directory, REPO_ROOT)
        assert migrate.start().process is not None and migrate.process.wait(120) == 0
        ports = [free_port(), free_port()]
        stack.start_worker("w1", ports[0])
        stack.start_worker("w2", ports[1])
        watcher = stack.start_watcher()
        admin = kube.api_client()
        namespace = kube.create_namespace("bench-")

        # 1. create → Running over N live sessions.
        names = [f"s{index}" for index in range(options.sessions)]
        created: dict[str, float] = {}
        for name in names:
            created[name] = time.monotonic()
            session_create(admin, namespace, name)
        running: dict[str, float] = {}
        while len(running) < len(names):
            for name, item in phases(admin, namespace).items():
                if name not in running and (item.get("status") or {}).get("phase") == "Running":
                    running[name] = time.monotonic()
            time.sleep(0.2)
        to_running = [running[name] - created[name] for name in names]

        # 2. spec change → observedGeneration caught up.
        changed: dict[str, float] = {}
        for name in names:
            changed[name] = time.monotonic()
            session_patch(admin, namespace, name, {"spec": {"displayName": "changed"}})
        caught: dict[str, float] = {}
        while len(caught) < len(names):
            for name, item in phases(admin, namespace).items():
                status = item.get("status") or {}
                if name not in caught and status.get("observedGeneration") == item["metadata"]["generation"]:
                    caught[name] = time.monotonic()
            time.sleep(0.2)
        to_caught_up = [caught[name] - changed[name] for name in names]

        # 3. write calls per no-op reconcile.
        time.sleep(2)
        before = reconcile_count(stack, ports)
        mark = kube.request_log.mark()
        sample = names[: min(20, len(names))]
        for name in sample:
            stack.send_task("reconciler.tasks.reconcile_session", [namespace, name])
        wait_for(lambda: reconcile_count(stack, ports) >= before + len(sample), 120, "no-op reconciles")
        done = reconcile_count(stack, ports) - before
        writes_per_noop = kube.request_log.writes_since(mark, user=RECONCILER_USER) / max(done, 1)

        # 4. full resync of M sessions with 2 workers (the live ones plus stopped ones).
        extra = max(options.resync - len(names), 0)
        for index in range(extra):
            body_name = f"idle{index}"
            session_create(admin, namespace, body_name)
            session_patch(
                admin, namespace, body_name, {"metadata": {"annotations": {ANNOTATION_DESIRED_PHASE: "Stopped"}}}
            )
        wait_for(
            lambda: (
                sum(
                    1
                    for i in phases(admin, namespace).values()
                    if (i.get("status") or {}).get("phase") in ("Running", "Stopped")
                )
                >= len(names) + extra
            ),
            600,
            "every session settled",
            interval=1,
        )
        rss_before = rss_mb(watcher)
        time.sleep(3)
        before = reconcile_count(stack, ports)
        start = time.monotonic()
        stack.send_task("reconciler.tasks.resync_all_sessions")
        wait_for(lambda: reconcile_count(stack, ports) >= before + len(names) + extra, 600, "full resync", interval=0.2)
        resync_seconds = time.monotonic() - start

        # 5. watcher RSS after churn: relabel every session (each a watch event and a no-op reconcile).
        for index in range(extra):
            session_patch(admin, namespace, f"idle{index}", {"metadata": {"labels": {"churn": "1"}}})
        time.sleep(5)
        rss_after = rss_mb(watcher)
    finally:
        stack.stop()

    figures = {
        "create_to_running_p50_s": round(statistics.median(to_running), 3),
        "create_to_running_p99_s": round(percentile(to_running, 0.99), 3),
        "spec_change_to_observed_p50_s": round(statistics.median(to_caught_up), 3),
        "spec_change_to_observed_p99_s": round(percentile(to_caught_up, 0.99), 3),
        "writes_per_noop_reconcile": round(writes_per_noop, 3),
        "full_resync_seconds": round(resync_seconds, 2),
        "resync_sessions": len(names) + extra,
        "watcher_rss_mb_before_churn": round(rss_before, 1),
        "watcher_rss_mb_after_churn": round(rss_after, 1),
        "live_sessions": len(names),
    }
    width = max(len(key) for key in figures)
    print(f"{'figure'.ljust(width)}  value")
    for key, value in figures.items():
        print(f"{key.ljust(width)}  {value}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
