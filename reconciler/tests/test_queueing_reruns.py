"""The queue's "dirty" semantics: an event during a pass reruns its key once, right after the pass,
and timed retries of one key merge instead of keeping each other alive."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from reconciler.queueing import ReconcileQueue, TaskStart
from reconciler.queueing.stores import QueueStore
from reconciler.tests.queue_support import RecordingSender

pytestmark = pytest.mark.integration


# --- dirty set: an event during a pass runs the key again right after it --------------------------


def test_an_event_during_a_pass_reruns_the_key_once_right_after_it(
    make_queue: Callable[..., tuple[ReconcileQueue, RecordingSender]],
) -> None:
    queue, sender = make_queue(lease_ttl_seconds=30.0, jitter=0.0)
    with queue.lease("team-a/s1") as held:
        assert held
        for _ in range(3):  # three events' tasks arrive while the pass runs
            with queue.lease("team-a/s1") as contender:
                assert not contender
        assert sender.sent == []  # nothing waits for a busy countdown
    assert sender.sent == [("team-a", "s1", 0.0)]  # at release: once, at once


def test_a_pass_without_events_during_it_is_not_rerun(
    make_queue: Callable[..., tuple[ReconcileQueue, RecordingSender]],
) -> None:
    queue, sender = make_queue()
    with queue.lease("team-a/s1") as held:
        assert held
    with queue.lease("team-a/s1") as again:
        assert again
    assert sender.sent == []


def test_the_dirty_rerun_is_not_delayed_by_a_queued_later_run(
    make_queue: Callable[..., tuple[ReconcileQueue, RecordingSender]],
) -> None:
    queue, sender = make_queue(lease_ttl_seconds=30.0, jitter=0.0)
    with queue.lease("team-a/s1") as held:
        assert held
        with queue.lease("team-a/s1") as contender:
            assert not contender
            queue.requeue_lease_busy("team-a/s1")  # the safety net, due in 30 s
    assert [countdown for _, _, countdown in sender.sent] == [30.0, 0.0]


def test_a_mark_left_for_a_new_holder_is_taken_by_that_holder(store: QueueStore, prefix: str) -> None:
    """A holder whose lease expired must not take the mark meant for the one holding it now."""
    name, dirty = f"{prefix}lease:team-a/s1", f"{prefix}dirty:team-a/s1"
    old = store.lease(name, "old", 0.3, dirty, 30)
    assert old.acquire()
    time.sleep(0.6)
    new = store.lease(name, "new", 30, dirty, 30)
    assert new.acquire()
    assert not store.lease(name, "contender", 30, dirty, 30).acquire()
    assert old.release() == (False, False)
    assert new.release() == (True, True)
    assert store.lease(name, "next", 30, dirty, 30).acquire()


def test_start_takes_its_own_claim_and_reports_when_it_was_queued(
    make_queue: Callable[..., tuple[ReconcileQueue, RecordingSender]],
) -> None:
    queue, sender = make_queue()
    before = time.time()
    queue.enqueue("team-a/s1")
    start = queue.start("team-a/s1")
    assert start.run and start.queued_at is not None and before <= start.queued_at <= time.time()
    assert queue.start("team-a/s1") == TaskStart(run=True, queued_at=None)  # no claim left: nothing to measure
    assert queue.enqueue("team-a/s1")  # the claim is gone, so the next event sends
    assert len(sender.sent) == 2


def test_two_chains_of_requeues_for_one_key_merge(
    make_queue: Callable[..., tuple[ReconcileQueue, RecordingSender]],
) -> None:
    """A task that starts while a later one is queued leaves that claim alone; its own requeue is
    then covered by the later task instead of starting a second chain."""
    queue, sender = make_queue()
    now = time.time()
    assert queue.requeue("team-a/s1", 5)  # a later run is queued (e.g. a safety net)
    start = queue.start("team-a/s1", eta=None)  # a task sent for now starts meanwhile
    assert start.run and start.queued_at is None
    assert not queue.requeue("team-a/s1", 8)  # its requeue: covered by the queued one
    later = queue.start("team-a/s1", eta=now + 5)  # the queued one runs: its own claim
    assert later.run and later.queued_at is not None
    assert len(sender.sent) == 1


def test_a_task_queued_later_than_a_newer_earlier_one_is_superseded(
    make_queue: Callable[..., tuple[ReconcileQueue, RecordingSender]],
) -> None:
    queue, _ = make_queue()
    now = time.time()
    assert queue.requeue("team-a/s1", 30)  # queued for now + 30
    assert queue.enqueue("team-a/s1")  # an event: queued for now, not yet started
    assert not queue.start("team-a/s1", eta=now + 30).run  # the later task finds it pending
    assert queue.start("team-a/s1", eta=None).run  # the event's task runs


# --- the process-wide queue ------------------------------------------------------------------------
