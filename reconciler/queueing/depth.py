"""How many reconcile messages wait in the broker: the queue-depth gauge, and whether other new
sessions wait for their first sight (a first-sight task then leaves the creating pass to the
default queue instead of running it at once; see RECONCILER.md on queueing).

Redis: ``LLEN`` of each queue. Countdown (ETA) tasks already fetched by a worker sit in kombu's
unacked hash, not in the list, so they are not counted.
The in-memory broker (no REDIS_URL: a process's own tests) has no depth to read: NaN, and no
first-sight backlog.
"""

from __future__ import annotations

import logging
import threading

import redis

logger = logging.getLogger(__name__)

DEFAULT_QUEUE = "celery"
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")

_clients: dict[str, redis.Redis] = {}
_clients_lock = threading.Lock()


def redis_queue_depth(broker_url: str, queue: str = DEFAULT_QUEUE, timeout: float = 2.0) -> int:
    client = redis.Redis.from_url(broker_url, socket_timeout=timeout, socket_connect_timeout=timeout)
    try:
        return int(client.llen(queue))
    finally:
        client.close()


def broker_queue_depth() -> float:
    """Messages waiting on both reconcile queues; NaN when they cannot be read (a scrape must not fail)."""
    from django.conf import settings  # noqa: PLC0415 - the rest of the module works without Django

    try:
        if settings.CELERY_BROKER_URL.startswith(REDIS_SCHEMES):
            queues = (settings.RECONCILE_QUEUE, settings.RECONCILE_FIRST_SIGHT_QUEUE)
            return float(sum(redis_queue_depth(settings.CELERY_BROKER_URL, queue) for queue in queues))
        return float("nan")
    except (OSError, redis.RedisError):
        return float("nan")


def first_sight_backlog(timeout: float = 1.0) -> int:
    """New sessions' tasks waiting on the first-sight queue (not yet taken by a worker); 0 when the
    broker is not Redis or does not answer, so a task then does what it did before the lane: chain."""
    from django.conf import settings  # noqa: PLC0415

    url = settings.CELERY_BROKER_URL
    if not url.startswith(REDIS_SCHEMES):
        return 0
    with _clients_lock:
        client = _clients.get(url)
        if client is None:
            # One pooled client per process: a task asks once per first sight.
            client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
            _clients[url] = client
    try:
        return int(client.llen(settings.RECONCILE_FIRST_SIGHT_QUEUE))
    except (OSError, redis.RedisError) as error:
        logger.warning("could not read the first-sight queue's length: %s", error)
        return 0
