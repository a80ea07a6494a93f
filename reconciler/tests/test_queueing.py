"""Queueing against the real Redis (DB 14, a prefix per test) and the SQLite fallback: the same contract."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import redis
from celery import Celery
from pytest_django import Settings

from reconciler.queueing import (
    RECONCILE_TASK_NAME,
    QueueSettings,
    ReconcileQueue,
    clamp_countdown,
    default_queue,
    reset_default_queue,
    session_key,
    split_key,
)
from reconciler.queueing.depth import broker_queue_depth, redis_queue_depth
from reconciler.queueing.sqlite_store import SqliteStore
from reconciler.queueing.stores import QueueStore, RedisStore
from reconciler.tests.queue_support import RecordingSender

pytestmark = pytest.mark.integration


# --- keys ------------------------------------------------------------------------------------------


def test_keys_round_trip_and_reject_payloads() -> None:
    assert split_key(session_key("team-a", "s1")) == ("team-a", "s1")
    for bad in ("no-slash", "a/b/c", "/name", "ns/"):
        with pytest.raises(ValueError):
            split_key(bad)
    with pytest.raises(ValueError):
        session_key("team/a", "s1")


def test_clamp_countdown() -> None:
    assert clamp_countdown(-5, 1800) == 0
    assert clamp_countdown(10, 1800) == 10
    assert clamp_countdown(10**9, 1800) == 1800


# --- coalescing ------------------------------------------------------------------------------------


def test_burst_of_100_enqueues_sends_one_task(
    make_queue: Callable[..., tuple[ReconcileQueue, RecordingSender]],
) -> None:
    queue, sender = make_queue()
    start = threading.Barrier(10)

    def burst() -> None:
        start.wait()
        for _ in range(10):
            queue.enqueue("team-a/s1")

    threads = [threading.Thread(target=burst) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sender.sent == [("team-a", "s1", 0.0)]


def test_other_keys_are_not_coalesced(make_queue: Callable[..., tuple[ReconcileQueue, RecordingSender]]) -> None:
    queue, sender = make_queue()
    assert queue.enqueue("team-a/s1")
    assert queue.enqueue("team-a/s2")
    assert queue.enqueue("team-b/s1")
    assert len(sender.sent) == 3


def test_clear_lets_a_change_during_a_run_queue_exactly_one_more(
    make_queue: Callable[..., tuple[ReconcileQueue, RecordingSender]],
) -> None:
    queue, sender = make_queue()
    queue.enqueue("team-a/s1")
    assert queue.start("team-a/s1").run  # the task starts
    for _ in range(5):  # changes while it runs
        queue.enqueue("team-a/s1")
    assert len(sender.sent) == 2


def test_an_event_during_a_long_backoff_is_not_delayed_by_it(
    make_queue: Callable[..., tuple[ReconcileQueue, RecordingSender]],
) -> None:
    queue, sender = make_queue()
    assert queue.requeue("team-a/s1", 300, reason="backoff")
    assert queue.enqueue("team-a/s1")  # due sooner than the queued one: sent
    assert not queue.enqueue("team-a/s1")  # now one due immediately is queued
    assert not queue.requeue("team-a/s1", 60)  # a later run is covered by the queued one
    assert [countdown for _, _, countdown in sender.sent] == [300, 0]


def test_a_failed_send_does_not_swallow_later_events(
    make_queue: Callable[..., tuple[ReconcileQueue, RecordingSender]],
) -> None:
    queue, sender = make_queue()

    def broken(namespace: str, name: str, countdown: float) -> None:
        raise ConnectionError("broker down")

    queue.sender = broken
    with pytest.raises(ConnectionError):
        queue.enqueue("team-a/s1")
    queue.sender = sender
    assert queue.enqueue("team-a/s1")


def test_real_celery_send_counts_one_message_per_burst(redis_client: redis.Redis, redis_url: str, prefix: str) -> None:
    """The production sender path: a Celery app on the test Redis, messages counted with LLEN."""
    queue_name = f"{prefix}celery"
    app = Celery("test-queueing", broker=redis_url)
    app.conf.update(task_serializer="json", accept_content=["json"], broker_connection_retry_on_startup=True)

    def celery_sender(namespace: str, name: str, countdown: float) -> None:
        app.send_task(RECONCILE_TASK_NAME, args=[namespace, name], countdown=countdown or None, queue=queue_name)

    queue = ReconcileQueue(RedisStore(redis_client), celery_sender, QueueSettings(prefix=prefix))
    try:
        for _ in range(100):
            queue.enqueue("team-a/s1")
        queue.enqueue("team-a/s2")
        assert redis_client.llen(queue_name) == 2
        assert redis_queue_depth(redis_url, queue_name) == 2
    finally:
        redis_client.delete(queue_name)
        app.close()


def test_queue_depth_of_the_in_memory_broker_is_unknown(settings: Settings) -> None:
    settings.CELERY_BROKER_URL = "memory://"
    assert math.isnan(broker_queue_depth())


# --- requeue and backoff ---------------------------------------------------------------------------


def test_requeue_clamps_the_countdown(make_queue: Callable[..., tuple[ReconcileQueue, RecordingSender]]) -> None:
    queue, sender = make_queue(max_countdown_seconds=1800)
    queue.requeue("team-a/s1", 10**6)
    queue.requeue("team-a/s1", -3)
    assert [countdown for _, _, countdown in sender.sent] == [1800, 0]


def test_lease_busy_safety_net_waits_out_the_lease(
    make_queue: Callable[..., tuple[ReconcileQueue, RecordingSender]],
) -> None:
    """The dirty mark reruns the key when its holder finishes; this later run only covers a
    holder that died, so it comes once that holder's lease has expired."""
    queue, sender = make_queue(lease_ttl_seconds=30.0, jitter=0.5)
    assert queue.requeue_lease_busy("team-a/s1")
    assert sender.sent == [("team-a", "s1", 37.5)]


def test_backoff_doubles_caps_and_resets(make_queue: Callable[..., tuple[ReconcileQueue, RecordingSender]]) -> None:
    queue, _ = make_queue(jitter=1.0, backoff_base_seconds=1.0, backoff_cap_seconds=300.0)
    delays = [queue.backoff_next("team-a/s1") for _ in range(12)]
    assert delays == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300]
    assert queue.backoff_failures("team-a/s1") == 12
    assert queue.backoff_next("team-a/other") == 1  # per key
    queue.backoff_reset("team-a/s1")
    assert queue.backoff_failures("team-a/s1") == 0
    assert queue.backoff_next("team-a/s1") == 1


def test_redeliveries_past_the_cap_are_held_back(
    make_queue: Callable[..., tuple[ReconcileQueue, RecordingSender]],
) -> None:
    queue, _ = make_queue(redelivery_cap=2)
    assert not queue.redelivery_capped("team-a/s1", redelivered=False)  # first deliveries never count
    assert [queue.redelivery_capped("team-a/s1", redelivered=True) for _ in range(3)] == [False, False, True]
    assert not queue.redelivery_capped("team-a/other", redelivered=True)  # per key
    queue.redelivery_reset("team-a/s1")
    assert not queue.redelivery_capped("team-a/s1", redelivered=True)


def test_backoff_uses_full_jitter(make_queue: Callable[..., tuple[ReconcileQueue, RecordingSender]]) -> None:
    queue, _ = make_queue(jitter=0.5)
    assert [queue.backoff_next("team-a/s1") for _ in range(4)] == [0.5, 1, 2, 4]
    random_queue, _ = make_queue()
    for failures in range(1, 15):
        assert 0 <= random_queue.backoff_next("team-a/s2") <= random_queue.backoff_ceiling(failures)


# --- per-key lease ---------------------------------------------------------------------------------


def test_lease_is_exclusive_between_threads(make_queue: Callable[..., tuple[ReconcileQueue, RecordingSender]]) -> None:
    queue, _ = make_queue(lease_ttl_seconds=30)
    holding = threading.Event()
    done = threading.Event()
    results: dict[str, bool] = {}

    def holder() -> None:
        with queue.lease("team-a/s1") as acquired:
            results["first"] = bool(acquired)
            holding.set()
            done.wait(timeout=30)

    def contender() -> None:
        with queue.lease("team-a/s1") as acquired:
            results["second"] = bool(acquired)

    first = threading.Thread(target=holder)
    first.start()
    assert holding.wait(timeout=30)
    second = threading.Thread(target=contender)
    second.start()
    second.join(timeout=30)
    with queue.lease("team-a/other") as other:
        results["other key"] = bool(other)
    done.set()
    first.join(timeout=30)
    with queue.lease("team-a/s1") as again:
        results["after release"] = bool(again)
    assert results == {"first": True, "second": False, "other key": True, "after release": True}


def test_lease_is_renewed_while_held(make_queue: Callable[..., tuple[ReconcileQueue, RecordingSender]]) -> None:
    queue, _ = make_queue(lease_ttl_seconds=0.6)  # renewed every 0.2 s
    with queue.lease("team-a/s1") as held:
        assert held
        time.sleep(1.5)  # well past the TTL: only renewals keep it
        with queue.lease("team-a/s1") as contender:
            assert not contender
        assert not held.lost


def test_release_never_deletes_a_lease_retaken_after_expiry(store: QueueStore, prefix: str) -> None:
    name = f"{prefix}lease:team-a/s1"
    dirty = f"{prefix}dirty:team-a/s1"
    old = store.lease(name, "old-token", 0.3, dirty, 30)
    assert old.acquire()
    time.sleep(0.6)  # expires without renewal (a paused worker)
    new = store.lease(name, "new-token", 30, dirty, 30)
    assert new.acquire()
    assert not old.renew()
    assert not old.release().owned  # compare-and-delete: not ours any more
    assert not store.lease(name, "third", 30, dirty, 30).acquire()  # the new holder still has it
    assert new.release().owned
    assert store.lease(name, "third", 30, dirty, 30).acquire()


def test_a_lost_lease_is_reported_to_the_holder(
    make_queue: Callable[..., tuple[ReconcileQueue, RecordingSender]],
) -> None:
    queue, _ = make_queue(lease_ttl_seconds=0.6)
    with queue.lease("team-a/s1") as held:
        assert held
        queue.store.clear(f"{queue.settings.prefix}lease:team-a/s1")  # as if it had expired
        deadline = time.monotonic() + 10
        while not held.lost and time.monotonic() < deadline:
            time.sleep(0.05)
        assert held.lost


def test_default_queue_follows_settings(settings: Settings, tmp_path: Path, prefix: str, redis_url: str) -> None:
    settings.REDIS_URL = redis_url
    settings.RECONCILE_KEY_PREFIX = prefix
    reset_default_queue()
    try:
        queue = default_queue()
        assert isinstance(queue.store, RedisStore)
        assert queue.settings.max_countdown_seconds == settings.MAX_TASK_COUNTDOWN
        settings.REDIS_URL = ""
        settings.RECONCILE_QUEUE_SQLITE_PATH = str(tmp_path / "fallback.sqlite3")
        reset_default_queue()
        assert isinstance(default_queue().store, SqliteStore)
    finally:
        reset_default_queue()
