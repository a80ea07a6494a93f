"""Fault injection, each bounded in time. After each: the right phase, every spec generation
observed, exactly one Job per session."""

from __future__ import annotations

import base64
import json
import signal
import urllib.request
from functools import partial
from typing import Any

import kubernetes.client
import pytest
import redis
from django.conf import settings

from ambient.contract import ANNOTATION_PREFIX
from reconciler.tests.services_support import RECONCILER_USER
from tests.e2e.stack import RECONCILE_KEY_PREFIX, Stack
from tests.e2e.support import (
    conditions,
    fake_runner_env,
    jobs,
    session_create,
    session_patch,
    session_read,
    wait_caught_up,
    wait_for,
    wait_phase,
    wait_ready,
)

# Its sessions have no repos or workflow: a stand-in content sidecar answers their readiness probe.
pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.slow, pytest.mark.usefixtures("content_stand_in")]

RECONCILE_TASK = "reconciler.tasks.reconcile_session"


def _metric(url: str, name: str, labels: str = "") -> float:
    """Sum of a Prometheus series (optionally filtered by a label fragment) from a /metrics page."""
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - local
        text = response.read().decode()
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name) and (not labels or labels in line) and not line.startswith("#"):
            total += float(line.rsplit(" ", 1)[1])
    return total


def _assert_converged(stack: Stack, namespace: str, names: list[str], phase: str = "Running") -> None:
    for name in names:
        wait_phase(stack.admin, namespace, name, phase)
        wait_caught_up(stack.admin, namespace, name)
        assert len(jobs(stack.admin, namespace, name)) == 1


def _phase(stack: Stack, namespace: str, name: str) -> str | None:
    return (session_read(stack.admin, namespace, name).get("status") or {}).get("phase")


def _create_running(stack: Stack, namespace: str, names: list[str]) -> None:
    for name in names:
        session_create(stack.admin, namespace, name, environmentVariables=fake_runner_env(sleep="forever"))


def _spec_change(stack: Stack, namespace: str, name: str, value: str) -> None:
    session_patch(stack.admin, namespace, name, {"spec": {"displayName": value}})


def _event_recorded(stack: Stack, namespace: str, name: str, reason: str) -> bool:
    events = kubernetes.client.CoreV1Api(stack.admin).list_namespaced_event(namespace).items
    return any(event.involved_object.name == name and event.reason == reason for event in events)


def test_idempotent_reconcile_makes_zero_writes(stack: Stack, kube_namespace: str) -> None:
    _create_running(stack, kube_namespace, ["steady"])
    _assert_converged(stack, kube_namespace, ["steady"])
    # Settled means Ready too: the content sidecar's readiness probe flips it after Running, a real
    # change (status write, then its Event, the reconcile's last write) that once landed inside the
    # measured window under load.
    reason = conditions(wait_ready(stack.admin, kube_namespace, "steady"))["Ready"][1]
    wait_for(partial(_event_recorded, stack, kube_namespace, "steady", reason), 30, "the Ready Event")
    metrics_url = f"http://127.0.0.1:{stack.worker_metrics_port}/metrics"
    before = _metric(metrics_url, "ambient_reconcile_duration_seconds_count")
    mark = stack.kube.request_log.mark()
    for _ in range(2):
        stack.send_task(RECONCILE_TASK, [kube_namespace, "steady"])
    wait_for(
        lambda: _metric(metrics_url, "ambient_reconcile_duration_seconds_count") >= before + 2, 30, "two reconciles"
    )
    writes = [r for r in stack.kube.request_log.records_since(mark) if r.is_write and r.user == RECONCILER_USER]
    assert writes == []


def test_worker_sigkill_mid_reconcile(stack: Stack, kube_namespace: str) -> None:
    # Slow API answers widen the window in which a reconcile is in flight.
    stack.kube.set_faults(latency_ms=150)
    client = redis.Redis.from_url(stack.redis.url)
    _create_running(stack, kube_namespace, ["crash"])
    lease = f"{RECONCILE_KEY_PREFIX}lease:{kube_namespace}/crash"
    wait_for(lambda: client.exists(lease), 30, "a reconcile holding the lease")
    for worker in stack.workers:
        worker.kill()
    stack.workers.clear()
    stack.kube.reset_faults()
    stack.start_worker("worker", stack.worker_metrics_port)
    _assert_converged(stack, kube_namespace, ["crash"])


def test_watcher_killed_and_restarted(stack: Stack, kube_namespace: str) -> None:
    _create_running(stack, kube_namespace, ["before"])
    _assert_converged(stack, kube_namespace, ["before"])
    assert stack.watcher is not None
    stack.watcher.kill()
    # While no watcher runs: a new session and a spec change (no requeue is pending for either).
    _create_running(stack, kube_namespace, ["during"])
    _spec_change(stack, kube_namespace, "before", "changed while the watcher was down")
    stack.start_watcher()
    _assert_converged(stack, kube_namespace, ["before", "during"])


def test_watch_history_expired_while_down(stack: Stack, kube_namespace: str) -> None:
    _create_running(stack, kube_namespace, ["old"])
    _assert_converged(stack, kube_namespace, ["old"])
    watcher = stack.watcher
    assert watcher is not None and watcher.process is not None
    relists = _metric(stack.watcher_metrics_url, "ambient_watch_relists_total")
    watcher.process.send_signal(signal.SIGSTOP)
    try:
        # Streams are cut after their next event and resuming them is answered 410 Gone.
        stack.kube.set_faults(seed=3, watch_drop_rate=1.0, watch_expire_rate=1.0)
        _create_running(stack, kube_namespace, ["new"])
        _spec_change(stack, kube_namespace, "old", "changed while the watcher was stopped")
    finally:
        watcher.process.send_signal(signal.SIGCONT)
    wait_for(lambda: _metric(stack.watcher_metrics_url, "ambient_watch_relists_total") > relists, 60, "a relist")
    stack.kube.reset_faults()
    _assert_converged(stack, kube_namespace, ["old", "new"])


def test_redis_restarted(stack: Stack, kube_namespace: str) -> None:
    _create_running(stack, kube_namespace, ["r1"])
    # Picked up: Creating, or already Running (a pass can take it through Creating between polls).
    wait_for(lambda: _phase(stack, kube_namespace, "r1") in ("Creating", "Running"), 30, "r1 picked up")
    stack.redis.restart()  # every queued task, claim, lease and backoff counter is gone
    _create_running(stack, kube_namespace, ["r2"])
    _spec_change(stack, kube_namespace, "r1", "changed across a Redis restart")

    def converged() -> bool:
        # celery 5.7/kombu: the worker may die with "Unrecoverable error" when its broker
        # connection drops; in a cluster its Deployment restarts it, here supervise() does.
        stack.supervise()
        # What beat does every few minutes: nothing may stay stranded by the lost messages.
        stack.send_task("reconciler.tasks.resync_all_sessions")
        return all(_phase(stack, kube_namespace, name) == "Running" for name in ("r1", "r2"))

    wait_for(converged, 90, "r1 and r2 Running after the Redis restart", interval=1)
    _assert_converged(stack, kube_namespace, ["r1", "r2"])


def test_localkube_fails_a_fifth_of_writes(stack: Stack, kube_namespace: str) -> None:
    names = ["f1", "f2", "f3"]
    _create_running(stack, kube_namespace, names)
    stack.kube.set_faults(seed=11, write_error_rate=0.2, write_error_codes=[409, 500])

    def spec_changed(name: str) -> bool:
        _spec_change(stack, kube_namespace, name, "under faults")  # raises while a write is refused
        return True

    try:
        for name in names:
            wait_phase(stack.admin, kube_namespace, name, "Running")
        for name in names:
            wait_for(partial(spec_changed, name), 30, "spec change")
        for name in names:
            wait_caught_up(stack.admin, kube_namespace, name)
    finally:
        stack.kube.reset_faults()
    _assert_converged(stack, kube_namespace, names)


def _queued_for(client: redis.Redis, namespace: str, name: str) -> int:
    """Reconcile tasks for the session waiting in the broker, on either queue (a session with no
    phase yet goes on the first-sight queue)."""
    count = 0
    queued = [
        raw
        for queue in (settings.RECONCILE_FIRST_SIGHT_QUEUE, settings.RECONCILE_QUEUE)
        for raw in client.lrange(queue, 0, -1)
    ]
    for raw in queued:
        message = json.loads(raw)
        if message.get("headers", {}).get("task") != RECONCILE_TASK:
            continue
        args: Any = json.loads(base64.b64decode(message["body"]))[0]
        count += int(args == [namespace, name])
    return count


def test_duplicate_event_burst_makes_one_task(stack: Stack, kube_namespace: str) -> None:
    # No worker: every task the watcher sends stays in the broker where it can be counted.
    for worker in stack.workers:
        worker.stop()
    stack.workers.clear()
    events_url = stack.watcher_metrics_url
    seen = _metric(events_url, "ambient_watch_events_total", 'resource="agenticsessions"')
    _create_running(stack, kube_namespace, ["burst"])
    for index in range(100):
        session_patch(
            stack.admin, kube_namespace, "burst", {"metadata": {"labels": {f"{ANNOTATION_PREFIX}n": str(index)}}}
        )
    wait_for(
        lambda: _metric(events_url, "ambient_watch_events_total", 'resource="agenticsessions"') >= seen + 101,
        60,
        "the watcher to see all 101 events",
    )
    client = redis.Redis.from_url(stack.redis.url)
    assert _queued_for(client, kube_namespace, "burst") == 1
    stack.start_worker("worker", stack.worker_metrics_port)
    _assert_converged(stack, kube_namespace, ["burst"])


def test_two_workers_race_on_one_session(stack: Stack, kube_namespace: str) -> None:
    second = stack.start_worker("worker2")
    try:
        _create_running(stack, kube_namespace, ["race"])
        # Bypass coalescing: many copies of the task, consumed by both workers at once.
        for _ in range(20):
            stack.send_task(RECONCILE_TASK, [kube_namespace, "race"])
        _spec_change(stack, kube_namespace, "race", "raced")
        for _ in range(20):
            stack.send_task(RECONCILE_TASK, [kube_namespace, "race"])
        _assert_converged(stack, kube_namespace, ["race"])
    finally:
        second.stop()
        stack.workers.remove(second)
