"""The first-sight lane: a new session's task travels on a queue workers take first, and its first
sight leaves the creating pass to the default queue while other new sessions wait.

Real Redis (a prefix per test), a real Celery worker, the real watcher and reconcile against
localkube; nothing is mocked.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import kubernetes.client
import pytest
import redis
from celery import Celery
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from kombu import Exchange, Queue

from ambient.contract import GROUP, PLURAL, VERSION, job_name
from localkube.testing import LocalKube
from reconciler.queueing import ReconcileQueue
from reconciler.queueing.depth import first_sight_backlog
from reconciler.services import session_reconcile
from reconciler.services.reconcile import FIRST_SIGHT_DEFERRED
from reconciler.tests.queue_support import RecordingSender
from reconciler.tests.services_support import (
    reconciler_kube,  # noqa: F401 - fixture
    session_create,
    session_read,
)
from reconciler.watching import Liveness, SessionWatcher, WatcherConfig

pytestmark = pytest.mark.integration


# --- the queue: which lane a key's task takes -------------------------------------------------------


def test_a_first_sight_enqueue_takes_the_first_sight_lane(
    make_queue: Callable[..., tuple[ReconcileQueue, RecordingSender]],
) -> None:
    queue, default = make_queue()
    first = RecordingSender()
    queue.first_sight_sender = first
    assert queue.enqueue("team-a/new", first_sight=True)
    assert queue.enqueue("team-a/old")
    assert first.sent == [("team-a", "new", 0.0)]
    assert default.sent == [("team-a", "old", 0.0)]


def test_both_lanes_share_one_claim_per_key(
    make_queue: Callable[..., tuple[ReconcileQueue, RecordingSender]],
) -> None:
    """Coalescing, supersession and the dirty rerun hold whichever lane a task took."""
    queue, default = make_queue()
    first = RecordingSender()
    queue.first_sight_sender = first
    assert queue.enqueue("team-a/s1", first_sight=True)
    assert not queue.enqueue("team-a/s1")  # an event before the task started: already queued
    assert not queue.enqueue("team-a/s1", first_sight=True)
    assert queue.start("team-a/s1").run  # the first-sight task starts and takes its claim
    assert queue.requeue("team-a/s1", 0.0, reason=FIRST_SIGHT_DEFERRED)  # its creating pass
    assert not queue.enqueue("team-a/s1", first_sight=True)  # covered by the queued pass
    assert first.sent == [("team-a", "s1", 0.0)]
    assert default.sent == [("team-a", "s1", 0.0)]


def test_without_a_first_sight_sender_every_task_takes_the_default_lane(
    make_queue: Callable[..., tuple[ReconcileQueue, RecordingSender]],
) -> None:
    queue, default = make_queue()
    assert queue.enqueue("team-a/s1", first_sight=True)
    assert default.sent == [("team-a", "s1", 0.0)]


# --- the broker: a worker takes the first-sight queue first ----------------------------------------


def prefixed_queues(prefix: str) -> list[Queue]:
    """The project's queues (CELERY_TASK_QUEUES, in its order) under this test's prefix."""
    return [
        Queue(f"{prefix}{queue.name}", Exchange(f"{prefix}{queue.exchange.name}"), routing_key=f"{prefix}{queue.name}")
        for queue in settings.CELERY_TASK_QUEUES
    ]


@pytest.fixture
def lane_app(redis_url: str, redis_client: redis.Redis, prefix: str) -> Iterator[Celery]:
    queues = prefixed_queues(prefix)
    app = Celery("test-first-sight-lane", broker=redis_url, set_as_current=False)
    app.conf.update(
        task_serializer="json",
        accept_content=["json"],
        broker_connection_retry_on_startup=True,
        broker_transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS,
        task_queues=queues,
        task_default_queue=f"{prefix}{settings.CELERY_TASK_DEFAULT_QUEUE}",
        task_acks_late=True,
        worker_prefetch_multiplier=1,
    )
    yield app
    # The queues' lists go with the prefix; kombu's exchange bindings are named after them.
    for name in redis_client.scan_iter(match=f"_kombu.binding.{prefix}*"):
        redis_client.delete(name)
    app.close()


def test_the_project_routes_first_sight_to_its_own_queue() -> None:
    names = [queue.name for queue in settings.CELERY_TASK_QUEUES]
    assert names == [settings.RECONCILE_FIRST_SIGHT_QUEUE, settings.RECONCILE_QUEUE]
    assert settings.CELERY_TASK_DEFAULT_QUEUE == settings.RECONCILE_QUEUE
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["queue_order_strategy"] == "priority"
    # An exchange and routing key per queue: nothing bound to one is delivered to the other.
    assert len({(queue.exchange.name, queue.routing_key) for queue in settings.CELERY_TASK_QUEUES}) == 2


def test_a_worker_takes_first_sight_before_the_default_queue(
    lane_app: Celery, redis_client: redis.Redis, prefix: str
) -> None:
    ran: list[str] = []
    lock = threading.Lock()

    @lane_app.task(name=f"{prefix}record")
    def record(label: str) -> None:
        with lock:
            ran.append(label)

    first_sight_queue, default_queue = (queue.name for queue in lane_app.conf.task_queues)
    passes = [f"pass-{index}" for index in range(5)]
    first_sights = [f"first-sight-{index}" for index in range(3)]
    for label in passes:
        record.apply_async(args=(label,))  # the default queue
    for label in first_sights:
        record.apply_async(args=(label,), queue=first_sight_queue)
    assert redis_client.llen(default_queue) == len(passes)
    assert redis_client.llen(first_sight_queue) == len(first_sights)  # one copy each, on its own queue only
    with start_worker(lane_app, pool="solo", concurrency=1, perform_ping_check=False, loglevel="WARNING"):
        deadline = time.monotonic() + 30
        while len(ran) < len(passes) + len(first_sights) and time.monotonic() < deadline:
            time.sleep(0.05)
    # Every first sight before any other pass (kombu's default, round robin, would alternate).
    assert ran[: len(first_sights)] == first_sights
    assert sorted(ran) == sorted(first_sights + passes)  # each once


def test_the_first_sight_backlog_is_the_length_of_its_queue(
    settings: Any, redis_url: str, redis_client: redis.Redis, prefix: str
) -> None:
    settings.CELERY_BROKER_URL = redis_url
    settings.RECONCILE_FIRST_SIGHT_QUEUE = f"{prefix}first-sight"
    assert first_sight_backlog() == 0
    redis_client.lpush(settings.RECONCILE_FIRST_SIGHT_QUEUE, "a", "b")
    assert first_sight_backlog() == 2
    settings.CELERY_BROKER_URL = "memory://"  # no broker to ask: chain, as without the lane
    assert first_sight_backlog() == 0


# --- the reconcile: first sight leaves the creating pass to the queue when others wait -------------


@pytest.mark.localkube
@pytest.mark.django_db
@pytest.mark.usefixtures("reconciler_kube")
def test_first_sight_defers_the_creating_pass_while_others_wait(localkube: LocalKube, kube_namespace: str) -> None:
    admin = localkube.api_client()
    session_create(admin, kube_namespace, "busy")
    outcome = session_reconcile(kube_namespace, "busy", others_await_first_sight=lambda: True)
    assert (outcome.reason, outcome.requeue_after, outcome.failed) == (FIRST_SIGHT_DEFERRED, 0.0, False)
    status = session_read(admin, kube_namespace, "busy")["status"]
    assert status["phase"] == "Pending" and status["startTime"]
    batch = kubernetes.client.BatchV1Api(admin)
    assert not batch.list_namespaced_job(kube_namespace).items  # no run built yet
    session_reconcile(kube_namespace, "busy", others_await_first_sight=lambda: True)  # the requeued pass
    assert session_read(admin, kube_namespace, "busy")["status"]["phase"] == "Creating"
    assert batch.read_namespaced_job(job_name("busy"), kube_namespace)


@pytest.mark.localkube
@pytest.mark.django_db
@pytest.mark.usefixtures("reconciler_kube")
def test_first_sight_chains_the_creating_pass_when_no_one_waits(localkube: LocalKube, kube_namespace: str) -> None:
    admin = localkube.api_client()
    session_create(admin, kube_namespace, "alone")
    asked: list[bool] = []

    def nobody_waits() -> bool:
        asked.append(False)
        return False

    outcome = session_reconcile(kube_namespace, "alone", others_await_first_sight=nobody_waits)
    assert outcome.reason != FIRST_SIGHT_DEFERRED
    assert session_read(admin, kube_namespace, "alone")["status"]["phase"] == "Creating"
    assert asked == [False]  # asked once, after first sight only
    session_reconcile(kube_namespace, "alone", others_await_first_sight=nobody_waits)
    assert asked == [False]  # a later pass never asks


# --- the watcher: which keys it sends to the first-sight lane --------------------------------------


class Keys:
    def __init__(self) -> None:
        self.keys: list[str] = []
        self._lock = threading.Lock()

    def __call__(self, key: str) -> None:
        with self._lock:
            self.keys.append(key)

    def seen(self) -> set[str]:
        with self._lock:
            return set(self.keys)


def wait_until(predicate: Callable[[], object], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


@pytest.mark.localkube
@pytest.mark.django_db
@pytest.mark.usefixtures("reconciler_kube")
def test_the_watcher_sends_sessions_without_a_phase_to_the_first_sight_lane(
    localkube: LocalKube, kube_namespace: str
) -> None:
    admin = localkube.api_client()
    custom = kubernetes.client.CustomObjectsApi(admin)
    session_create(admin, kube_namespace, "listed-new")
    session_create(admin, kube_namespace, "listed-old")
    status = {"status": {"phase": "Running"}}
    custom.patch_namespaced_custom_object_status(GROUP, VERSION, kube_namespace, PLURAL, "listed-old", status)
    lease_namespace = localkube.create_namespace("lease-")
    config = WatcherConfig(
        namespaces=(kube_namespace,),
        lease_namespace=lease_namespace,
        lease_name="first-sight-watcher",
        lease_duration_seconds=2,
        lease_renew_interval=0.2,
        read_timeout=10.0,
        watch_timeout_min=2,
        watch_timeout_max=3,
    )
    default, first = Keys(), Keys()
    watcher = SessionWatcher(config, _gateway(admin), default, enqueue_first_sight=first, liveness=Liveness())
    thread = threading.Thread(target=watcher.run, daemon=True)
    thread.start()
    try:
        wait_until(lambda: f"{kube_namespace}/listed-old" in default.seen())
        wait_until(lambda: f"{kube_namespace}/listed-new" in first.seen())  # the relist
        session_create(admin, kube_namespace, "watched-new")
        wait_until(lambda: f"{kube_namespace}/watched-new" in first.seen())  # ADDED
        custom.patch_namespaced_custom_object(
            GROUP, VERSION, kube_namespace, PLURAL, "listed-old", {"metadata": {"labels": {"x": "y"}}}
        )
        wait_until(lambda: default.keys.count(f"{kube_namespace}/listed-old") >= 2)  # MODIFIED
        custom.delete_namespaced_custom_object(GROUP, VERSION, kube_namespace, PLURAL, "watched-new")
        wait_until(lambda: f"{kube_namespace}/watched-new" in default.seen())  # DELETED: not first sight
    finally:
        watcher.stop()
        thread.join(timeout=15)
    assert f"{kube_namespace}/listed-old" not in first.seen()


def _gateway(api_client: kubernetes.client.ApiClient) -> Callable[[], Any]:
    from ambient.kube import KubeGateway  # noqa: PLC0415

    gateway = KubeGateway(api_client)
    return lambda: gateway
