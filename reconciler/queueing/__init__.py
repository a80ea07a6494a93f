"""Queueing of reconciles (see RECONCILER.md on queueing): keys in, one coalesced Celery task out.

What the ``reconcile_session(namespace, name)`` task calls, in order::

    key = session_key(namespace, name)
    if not task_start(key, eta).run:          # first: clear our own claim, so a change from here
        return                                # on queues one more run; superseded ⇒ nothing
    with session_lease(key) as acquired:      # on exit: dirty ⇒ enqueue again at once
        if not acquired:                      # another worker runs this key; acquire marked it
            requeue_lease_busy(key)           # dirty; this later run only covers a dead holder
            return
        try:
            outcome = reconcile(...)          # may check ``acquired.lost`` before writing
        except Exception:
            requeue(key, backoff_next(key), reason="backoff")
            return
        if outcome.failed:                    # an action failed: the status says which; retry later
            requeue(key, backoff_next(key), reason="backoff")
            return
        backoff_reset(key)
        if outcome.requeue_after:
            requeue(key, outcome.requeue_after)

The watcher and beat call ``enqueue(key)``; the watcher calls ``enqueue_first_sight(key)`` for a
session with no status yet, whose task then travels on the first-sight queue that workers take
first. With ``REDIS_URL`` the state lives in Redis; without it in a SQLite file (see
``sqlite_store`` for the limits of that mode).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from reconciler.queueing.core import QueueSettings, ReconcileQueue, Sender, TaskStart
from reconciler.queueing.keys import clamp_countdown, session_key, split_key
from reconciler.queueing.lease import SessionLease

RECONCILE_TASK_NAME = "reconciler.tasks.reconcile_session"

__all__ = (
    "RECONCILE_TASK_NAME",
    "QueueSettings",
    "ReconcileQueue",
    "Sender",
    "SessionLease",
    "TaskStart",
    "backoff_next",
    "backoff_reset",
    "celery_sender",
    "clamp_countdown",
    "default_queue",
    "enqueue",
    "enqueue_first_sight",
    "first_sight_celery_sender",
    "requeue",
    "requeue_lease_busy",
    "reset_default_queue",
    "session_key",
    "session_lease",
    "split_key",
    "task_start",
)

_default: ReconcileQueue | None = None
_default_lock = threading.Lock()


def celery_sender(namespace: str, name: str, countdown: float) -> None:
    """Send the task by name, so the watcher never imports the task module (or its dependencies)."""
    from ambient.celery import app  # noqa: PLC0415 - the Celery app reads Django settings

    app.send_task(RECONCILE_TASK_NAME, args=[namespace, name], countdown=countdown or None)


def first_sight_celery_sender(namespace: str, name: str, countdown: float) -> None:
    """The same task on the first-sight queue, which workers take before the default one."""
    from django.conf import settings  # noqa: PLC0415

    from ambient.celery import app  # noqa: PLC0415

    app.send_task(
        RECONCILE_TASK_NAME,
        args=[namespace, name],
        countdown=countdown or None,
        queue=settings.RECONCILE_FIRST_SIGHT_QUEUE,
    )


def queue_settings_from_django() -> QueueSettings:
    from django.conf import settings  # noqa: PLC0415 - keep the core importable without Django

    return QueueSettings(
        prefix=settings.RECONCILE_KEY_PREFIX,
        coalesce_ttl_seconds=settings.RECONCILE_COALESCE_TTL,
        lease_ttl_seconds=settings.RECONCILE_LEASE_TTL,
        backoff_base_seconds=settings.RECONCILE_BACKOFF_BASE,
        backoff_cap_seconds=settings.RECONCILE_BACKOFF_CAP,
        max_countdown_seconds=settings.MAX_TASK_COUNTDOWN,
        redelivery_cap=settings.RECONCILE_REDELIVERY_CAP,
    )


def default_queue() -> ReconcileQueue:
    """The process-wide queue built from Django settings (Redis, or SQLite without REDIS_URL)."""
    global _default
    with _default_lock:
        if _default is None:
            from django.conf import settings  # noqa: PLC0415

            from reconciler.queueing.sqlite_store import SqliteStore  # noqa: PLC0415
            from reconciler.queueing.stores import QueueStore, RedisStore  # noqa: PLC0415

            store: QueueStore = (
                RedisStore.from_url(settings.REDIS_URL)
                if settings.REDIS_URL
                else SqliteStore(settings.RECONCILE_QUEUE_SQLITE_PATH)
            )
            _default = ReconcileQueue(
                store, celery_sender, queue_settings_from_django(), first_sight_sender=first_sight_celery_sender
            )
        return _default


def reset_default_queue() -> None:
    global _default
    with _default_lock:
        _default = None


def enqueue(key: str, countdown: float = 0.0, *, first_sight: bool = False) -> bool:
    return default_queue().enqueue(key, countdown, first_sight=first_sight)


def enqueue_first_sight(key: str) -> bool:
    """Enqueue a session that has no status yet on the first-sight lane (the watcher's choice)."""
    return enqueue(key, first_sight=True)


def task_start(key: str, eta: float | None = None) -> TaskStart:
    return default_queue().start(key, eta)


def requeue(key: str, countdown: float, reason: str = "requested") -> bool:
    return default_queue().requeue(key, countdown, reason)


def requeue_lease_busy(key: str) -> bool:
    return default_queue().requeue_lease_busy(key)


def backoff_next(key: str) -> float:
    return default_queue().backoff_next(key)


def backoff_reset(key: str) -> None:
    default_queue().backoff_reset(key)


def redelivery_capped(key: str, *, redelivered: bool) -> bool:
    return default_queue().redelivery_capped(key, redelivered=redelivered)


def redelivery_reset(key: str) -> None:
    default_queue().redelivery_reset(key)


@contextmanager
def session_lease(key: str) -> Iterator[SessionLease]:
    with default_queue().lease(key) as held:
        yield held
