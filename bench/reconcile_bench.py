"""Reconciler benchmark against localkube with real worker and watcher processes.

Everything a user would see is timed by a watch on the sessions (no polling). Scenarios, in order:
1. create N sessions one after another → Running (p50/p99), and where each session's time goes
   (bench/helpers/timeline.py), with the reconciler's API calls and passes per created session;
2. API reads and writes per converged pass (reconcile tasks sent for settled Running sessions);
3. spaced spec changes, one every 50 ms → observedGeneration caught up (p50/p99), and where the
   time goes (change → event → enqueued → task started → reads → decide → writes → visible);
4. a burst of N spec changes at once → all caught up;
5. watcher RSS with M sessions (the N live ones and M−N stopped ones in another namespace);
6. the floor: the reconciler stopped, a minimal watch → status-patch process (bench/helpers/floor.py)
   gets the same spaced changes on the same localkube; the ratio of the p50s.
Prints a table, then one JSON line. Usage: python bench/reconcile_bench.py [--sessions 200] [--rss-sessions 1000]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
from bench.helpers.bootstrap import django_setup_for_bench  # noqa: E402

django_setup_for_bench()

from ambient.contract import ANNOTATION_DESIRED_PHASE  # noqa: E402
from ambient.kube import NAMESPACE, SESSION, KubeGateway  # noqa: E402
from bench.helpers.cpu import tree_cpu_seconds  # noqa: E402
from bench.helpers.kube_process import KubeProcess, RemoteRequestLog  # noqa: E402
from bench.helpers.report import figures_print  # noqa: E402
from bench.helpers.support import SessionWatch, StageMeans, median, metric_sum, percentile, rss_mb  # noqa: E402
from bench.helpers.timeline import (  # noqa: E402
    ChildWatch,
    creation_stages,
    requests_print,
    stage_figures,
    stages_print,
)
from localkube.testing import free_port  # noqa: E402
from reconciler.embedded_images import write_image_map  # noqa: E402
from reconciler.tests.services_support import (  # noqa: E402
    RECONCILER_USER,
    crd_install,
    reconciler_kubeconfig,
    session_create,
    session_manifest,
)
from tests.e2e.processes import ManagedProcess, RedisServer, wait_for  # noqa: E402
from tests.e2e.stack import CONTENT_IMAGE, RUNNER_IMAGE, Stack, worker_env  # noqa: E402

FLOOR_SCRIPT = REPO_ROOT / "bench" / "helpers" / "floor.py"
READ_VERBS = frozenset({"get", "list", "watch"})
PASSES = "ambient_reconcile_duration_seconds_count"
STAGES = "ambient_reconcile_stage_seconds"


def change(gateway: KubeGateway, namespace: str, name: str, value: str) -> tuple[str, int]:
    """A spec change (new generation); returns the key the watch stamps it under."""
    body = {"spec": {"displayName": value}}
    written = gateway.patch(SESSION, namespace, name, body)
    assert isinstance(written, dict)
    return name, int(written["metadata"]["generation"])


def spaced_changes(
    gateway: KubeGateway, watch: SessionWatch, namespace: str, names: list[str], tag: str
) -> tuple[list[float], list[float]]:
    """One change every 50 ms, each on another session; (change → caught up, change → event seen), seconds."""
    sent: dict[tuple[str, int], float] = {}
    start = time.monotonic()
    for index, name in enumerate(names):
        time.sleep(max(0.0, start + index * 0.05 - time.monotonic()))
        moment = time.monotonic()
        sent[change(gateway, namespace, name, f"{tag}-{index}")] = moment
    watch.wait(lambda: all(key in watch.caught_up for key in sent), 120, f"{tag} changes caught up")
    caught = [watch.caught_up[key] - moment for key, moment in sent.items()]
    seen = [watch.generation_seen[key] - moment for key, moment in sent.items() if key in watch.generation_seen]
    return caught, seen


def cpu_by_process(kube: KubeProcess, stack: Stack) -> dict[str, float]:
    """CPU seconds so far of localkube (with its pods), the workers, the watcher, and the rest of
    this bench's tree (itself with its watches, Redis)."""
    workers = tuple(worker.process.pid for worker in stack.workers if worker.process is not None)
    watcher = stack.watcher.process.pid if stack.watcher is not None and stack.watcher.process is not None else 0
    return {
        "localkube": tree_cpu_seconds(kube.pid),
        "workers": sum(tree_cpu_seconds(pid) for pid in workers),
        "watcher": tree_cpu_seconds(watcher) if watcher else 0.0,
        "rest": tree_cpu_seconds(os.getpid(), exclude=(kube.pid, *workers, watcher)),
    }


def settle(urls: list[str], requests: RemoteRequestLog, quiet: float = 2.0, timeout: float = 120) -> None:
    """Until no reconcile pass finished and localkube created no Event for ``quiet`` seconds: the
    runtime sends Events after the writes they describe, so a burst's Events may still be going out
    (a failing probe's repeats only count up an existing Event, and do not hold this up)."""
    deadline = time.monotonic() + timeout
    last, mark, since = metric_sum(urls, PASSES), requests.mark(), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = metric_sum(urls, PASSES)
        posted = any(record.method == "POST" and "/events" in record.path for record in requests.records_since(mark))
        if now != last or posted:
            last, mark, since = now, requests.mark(), time.monotonic()
        elif time.monotonic() - since >= quiet:
            return


def main() -> None:  # noqa: PLR0915 - one linear script
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=200, help="live (Running) sessions")
    parser.add_argument("--rss-sessions", type=int, default=1000, help="sessions in total for the watcher RSS figure")
    options = parser.parse_args()
    directory = Path(tempfile.mkdtemp(prefix="reconcile-bench-"))
    image_map = directory / "images.yaml"
    write_image_map(image_map, {"images": {RUNNER_IMAGE: {"command": ["sleep", "86400"]}, CONTENT_IMAGE: {}}})
    # localkube in its own process, as `make run` runs it; its log keeps room for every request of
    # the creation burst (about 50 per session, controllers included).
    kube = KubeProcess(directory / "localkube", image_map_file=image_map, request_log_size=400_000).start()
    redis = RedisServer(directory).start()
    stack = Stack(kube, redis, {}, directory, image_map, free_port())
    floor: subprocess.Popen[str] | None = None
    watch: SessionWatch | None = None
    children: list[ChildWatch] = []
    try:
        crd_install(kube.api_client())
        namespace_body = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ambient-system"}}
        KubeGateway(kube.api_client()).create(NAMESPACE, None, namespace_body)
        stack.env = worker_env(reconciler_kubeconfig(kube, directory / "kubeconfig"), redis.url, directory)
        stack.env["RECONCILER_CONTENT_COMMAND"] = "sleep,86400"
        stack.env["RECONCILER_CREATION_DEADLINE_SECONDS"] = "600"
        stack.env["LOG_LEVEL"] = "WARNING"
        # Production's broker visibility timeout (the e2e one is short for its SIGKILL tests, which
        # caps every requeue at 10 s and turns converged sessions into a steady stream of passes).
        stack.env["BROKER_VISIBILITY_TIMEOUT"] = "3600"
        migrate = ManagedProcess("migrate", [sys.executable, "manage.py", "migrate"], stack.env, directory, REPO_ROOT)
        migration = migrate.start().process
        assert migration is not None and migration.wait(120) == 0
        ports = [free_port(), free_port()]
        stack.start_worker("w1", ports[0])
        stack.start_worker("w2", ports[1])
        watcher = stack.start_watcher()
        workers = [f"http://127.0.0.1:{port}/metrics" for port in ports]
        admin = kube.api_client()
        gateway = KubeGateway(admin)
        namespace = kube.create_namespace("bench-")
        watch = SessionWatch(KubeGateway(kube.api_client()), namespace).start()
        children = [
            ChildWatch(KubeGateway(kube.api_client()), namespace, collection) for collection in ("jobs", "pods")
        ]
        for child in children:
            child.start()
        names = [f"s{index}" for index in range(options.sessions)]
        print(f"1/6 creating {len(names)} sessions", flush=True)

        # 1. create → Running.
        created: dict[str, float] = {}
        create_mark, passes_before = kube.requests.mark(), metric_sum(workers, PASSES)
        cpu_before = cpu_by_process(kube, stack)
        for name in names:
            created[name] = time.monotonic()
            session_create(admin, namespace, name, interactive=True)
        watch.wait(lambda: all(name in watch.running for name in names), 600, "every session Running")
        to_running = [watch.running[name] - created[name] for name in names]
        to_first_status = [watch.status_seen[name] - created[name] for name in names]
        settle(workers, kube.requests)
        # Every process of the stack (localkube and its pods, workers, watcher, Redis, this bench's
        # watches), create → settled: what the burst cost, whatever else the machine was doing.
        create_cpu = {key: value - cpu_before[key] for key, value in cpu_by_process(kube, stack).items()}
        create_requests = kube.requests.records_since(create_mark)
        create_calls = [r for r in create_requests if r.user == RECONCILER_USER]
        create_passes = metric_sum(workers, PASSES) - passes_before
        create_stages = creation_stages(created, watch, children[0], children[1])

        # 2. API calls per converged pass: resync-like tasks for settled Running sessions.
        print("2/6 counting API calls of converged passes", flush=True)
        sample = names[: min(20, len(names))]
        before, mark = metric_sum(workers, PASSES), kube.requests.mark()
        for name in sample:
            stack.send_task("reconciler.tasks.reconcile_session", [namespace, name])
        wait_for(lambda: metric_sum(workers, PASSES) >= before + len(sample), 120, "converged passes")
        passes = metric_sum(workers, PASSES) - before
        mine = [r for r in kube.requests.records_since(mark) if r.user == RECONCILER_USER]
        reads_per_pass = sum(1 for r in mine if r.verb in READ_VERBS) / passes
        writes_per_pass = sum(1 for r in mine if r.is_write) / passes
        settle(workers, kube.requests)

        # 3. spaced changes, with the stage breakdown of the passes that wrote.
        print("3/6 spaced changes (one every 50 ms)", flush=True)
        stage_names = ("queue_wait", "read", "decide", "write")
        meters = {s: StageMeans(workers, STAGES, (f'stage="{s}"', 'result="write"')).start() for s in stage_names}
        enqueue_meter = StageMeans([stack.watcher_metrics_url], "ambient_watch_enqueue_seconds").start()
        spaced, spaced_seen = spaced_changes(gateway, watch, namespace, names, "spaced")
        stage_means = {s: meter.stop()[0] for s, meter in meters.items()}
        enqueue_mean = enqueue_meter.stop()[0]
        settle(workers, kube.requests)

        # 4. a burst of changes at once.
        print(f"4/6 a burst of {len(names)} changes", flush=True)
        sent: dict[tuple[str, int], float] = {}
        burst_start = time.monotonic()
        with ThreadPoolExecutor(8) as pool:
            for key in pool.map(lambda name: change(gateway, namespace, name, "burst"), names):
                sent[key] = burst_start
        watch.wait(lambda: all(key in watch.caught_up for key in sent), 300, "burst caught up")
        burst_seconds = max(watch.caught_up[key] for key in sent) - burst_start
        settle(workers, kube.requests)

        # 5. watcher RSS with M sessions: the rest are created stopped, in another namespace.
        extra = max(options.rss_sessions - len(names), 0)
        print(f"5/6 watcher RSS with {len(names) + extra} sessions", flush=True)
        idle_namespace = kube.create_namespace("bench-idle-")
        for index in range(extra):
            body = session_manifest(f"idle{index}")
            body["metadata"]["annotations"] = {ANNOTATION_DESIRED_PHASE: "Stopped"}
            gateway.create(SESSION, idle_namespace, body)
        settle(workers, kube.requests, quiet=3.0, timeout=600)
        assert watcher.process is not None  # started above
        watcher_rss = rss_mb(watcher.process.pid)

        # 6. the floor: the reconciler stopped, a minimal watch → status patch on the same localkube.
        print("6/6 the floor (minimal watch → status-patch loop)", flush=True)
        for process in [stack.watcher, *stack.workers]:
            if process is not None:
                process.stop()
        stack.watcher, stack.workers = None, []
        floor = subprocess.Popen(  # noqa: S603 - our own script
            [sys.executable, str(FLOOR_SCRIPT), "--kubeconfig", str(kube.kubeconfig_path), "--namespace", namespace],
            stdout=subprocess.PIPE,
            text=True,
            cwd=REPO_ROOT,
        )
        assert floor.stdout is not None and floor.stdout.readline().strip() == "ready"
        floor_caught, _ = spaced_changes(gateway, watch, namespace, names, "floor")
    finally:
        if floor is not None:
            floor.terminate()
            floor.wait(10)
        for child in children:
            child.stop()
        if watch is not None:
            watch.stop()
        stack.stop()
        # localkube's state (every session of the run) and the processes' logs: tens of MB a run.
        shutil.rmtree(directory, ignore_errors=True)

    ms = 1000.0

    def per_session(total: float) -> float:
        return round(total / len(names), 1)

    spaced_p50, floor_p50 = median(spaced) * ms, median(floor_caught) * ms
    spaced_mean = sum(spaced) / len(spaced) * ms
    # (what, JSON key, mean ms); the rest is the mean total minus the stages measured.
    stages = [
        ("change → event at a watch", "stage_change_to_event_ms", sum(spaced_seen) / len(spaced_seen) * ms),
        ("event → key enqueued (watcher)", "stage_event_to_enqueued_ms", enqueue_mean * ms),
        ("enqueued → task started", "stage_enqueued_to_started_ms", stage_means["queue_wait"] * ms),
        ("reads (session, Job, pods)", "stage_reads_ms", stage_means["read"] * ms),
        ("decide (pure core)", "stage_decide_ms", stage_means["decide"] * ms),
        ("writes (status patch)", "stage_writes_ms", stage_means["write"] * ms),
    ]
    stages.append(("rest (status → visible, gaps)", "stage_rest_ms", spaced_mean - sum(v for _, _, v in stages)))
    figures = {
        "create_to_first_status_p50_s": round(median(to_first_status), 3),
        "create_to_running_p50_s": round(median(to_running), 3),
        "create_to_running_p99_s": round(percentile(to_running, 0.99), 3),
        "reconciler_calls_per_created_session_count": per_session(len(create_calls)),
        "reconciler_reads_per_created_session_count": per_session(sum(r.verb in READ_VERBS for r in create_calls)),
        "reconciler_events_per_created_session_count": per_session(sum("/events" in r.path for r in create_calls)),
        "reconciler_passes_per_created_session_count": per_session(create_passes),
        "create_cpu_per_session_ms": round(sum(create_cpu.values()) * ms / len(names), 1),
        **{f"create_cpu_{key}_per_session_ms": round(value * ms / len(names), 1) for key, value in create_cpu.items()},
        **stage_figures("create", create_stages),
        "spaced_change_p50_ms": round(spaced_p50, 1),
        "spaced_change_p99_ms": round(percentile(spaced, 0.99) * ms, 1),
        "floor_change_p50_ms": round(floor_p50, 1),
        "floor_change_p99_ms": round(percentile(floor_caught, 0.99) * ms, 1),
        "spaced_p50_over_floor_x": round(spaced_p50 / floor_p50, 1),
        "burst_all_caught_up_s": round(burst_seconds, 3),
        "reads_per_converged_pass_count": round(reads_per_pass, 2),
        "writes_per_converged_pass_count": round(writes_per_pass, 2),
        "watcher_rss_mb": round(watcher_rss, 1),
        "watcher_rss_sessions_count": len(names) + extra,
        "live_sessions_count": len(names),
        "spaced_change_mean_ms": round(spaced_mean, 1),
        **{key: round(value, 2) for _, key, value in stages},
    }
    goals = {
        "create_to_running_p99_s": "≤ 10",
        "spaced_change_p50_ms": "≤ 30",
        "spaced_change_p99_ms": "≤ 150",
        "spaced_p50_over_floor_x": "≤ 10",
        "burst_all_caught_up_s": "≤ 3",
        "reads_per_converged_pass_count": "≤ 3",
        "writes_per_converged_pass_count": "0",
        "watcher_rss_mb": "≤ 120",
    }
    requests_print(create_requests, RECONCILER_USER, len(names))
    stages_print(f"create → Running, {len(names)} at once, where each session's time goes", create_stages)
    print(f"\nspaced change → caught up: mean {spaced_mean:.1f} ms; where it goes (means of the passes that wrote):")
    for what, _, value in stages:
        print(f"  {what.ljust(40)} {value:8.2f} ms")
    figures_print(figures, goals)


if __name__ == "__main__":
    main()
