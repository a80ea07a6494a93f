"""Fixtures of the queue tests: the real Redis (a prefix per test) and the SQLite store, run alike."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from reconciler.queueing import QueueSettings, ReconcileQueue
from reconciler.queueing.sqlite_store import SqliteStore
from reconciler.queueing.stores import QueueStore, RedisStore
from reconciler.tests.queue_support import RecordingSender


@pytest.fixture
def redis_client(redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


@pytest.fixture
def prefix(redis_client: redis.Redis) -> Iterator[str]:
    value = f"test-{uuid.uuid4().hex[:12]}:"
    yield value
    for name in redis_client.scan_iter(match=f"{value}*"):
        redis_client.delete(name)


@pytest.fixture(params=["redis", "sqlite"])
def store(request: pytest.FixtureRequest, redis_client: redis.Redis, tmp_path: Path) -> QueueStore:
    if request.param == "redis":
        return RedisStore(redis_client)
    return SqliteStore(tmp_path / "queue.sqlite3")


@pytest.fixture
def make_queue(store: QueueStore, prefix: str) -> Callable[..., tuple[ReconcileQueue, RecordingSender]]:
    def make(**overrides: Any) -> tuple[ReconcileQueue, RecordingSender]:
        sender = RecordingSender()
        jitter = overrides.pop("jitter", None)
        settings = QueueSettings(prefix=prefix, **overrides)
        queue = (
            ReconcileQueue(store, sender, settings)
            if jitter is None
            else ReconcileQueue(store, sender, settings, jitter=lambda: float(jitter))
        )
        return queue, sender

    return make
