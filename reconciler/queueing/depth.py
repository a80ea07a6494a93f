"""How many reconcile messages wait in the broker, for the queue-depth gauge.

Redis: ``LLEN`` of the default queue. Countdown (ETA) tasks already fetched by a worker sit in
kombu's unacked hash, not in the list, so they are not counted.
The in-memory broker (no REDIS_URL: a process's own tests) has no depth to read: NaN.
"""

from __future__ import annotations

import redis

DEFAULT_QUEUE = "celery"


def redis_queue_depth(broker_url: str, queue: str = DEFAULT_QUEUE, timeout: float = 2.0) -> int:
    client = redis.Redis.from_url(broker_url, socket_timeout=timeout, socket_connect_timeout=timeout)
    try:
        return int(client.llen(queue))
    finally:
        client.close()


def broker_queue_depth() -> float:
    """Depth of the configured broker's queue; NaN when it cannot be read (a scrape must not fail)."""
    from django.conf import settings  # noqa: PLC0415 - the rest of the module works without Django

    try:
        if settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://", "unix://")):
            return float(redis_queue_depth(settings.CELERY_BROKER_URL))
        return float("nan")
    except (OSError, redis.RedisError):
        return float("nan")
