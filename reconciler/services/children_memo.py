"""What the last full read of a session's secondary children found, kept for a while.

A converged Running session is looked at after every event on it, its Job or its pod (its own
status write included), yet its PVC, Service, ServiceAccount, Role, RoleBinding and Secrets
change only when a pass acts on them. So a Creating or Running session with no intent pending
(and a stop, when no secrets are copied) reuses the last full read of those children for up to
``RECONCILER_CHILDREN_RECHECK_SECONDS``, and such a pass costs three reads: the session, its Job,
its runner pods. The Job and pods are always read fresh: they carry the run's state, and the
event that queued the pass may be newer than any cache. A pass whose actions may change one of
those children forgets the snapshot (a status-only write, or one on the Job, its pods or the
session itself, keeps it); the pass that creates the run remembers what it made
(``created_children``). A child deleted by hand is recreated once the snapshot is older than the recheck
period (the periodic resync comes later than that, so it always re-reads).

With ``REDIS_URL`` the snapshots live in Redis, shared by every worker, so a pass on any worker
benefits; without it (one-off commands, unit tests) in the process.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import redis

from reconciler.timestamps import parse_time

logger = logging.getLogger(__name__)

# In-process fallback: one entry per session the process has seen; the oldest go first.
MEMO_CAPACITY = 20000
MEMO_KEY_KIND = "children"


@dataclass(frozen=True)
class ChildrenSnapshot:
    children: frozenset[tuple[str, str]]
    token_refreshed_at: datetime | None
    missing_secrets: frozenset[str]

    def to_json(self) -> str:
        return json.dumps(
            {
                "children": sorted([kind, name] for kind, name in self.children),
                "tokenRefreshedAt": self.token_refreshed_at.isoformat() if self.token_refreshed_at else None,
                "missingSecrets": sorted(self.missing_secrets),
            }
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> ChildrenSnapshot:
        data = json.loads(text)
        return cls(
            children=frozenset((str(kind), str(name)) for kind, name in data["children"]),
            token_refreshed_at=parse_time(data.get("tokenRefreshedAt")),
            missing_secrets=frozenset(data.get("missingSecrets") or ()),
        )


class MemoBackend(Protocol):
    def get(self, uid: str) -> str | bytes | None: ...

    def put(self, uid: str, value: str, ttl_seconds: float) -> None: ...

    def delete(self, uid: str) -> None: ...


class InProcessBackend:
    def __init__(self, capacity: int = MEMO_CAPACITY, clock: Callable[[], float] = time.monotonic) -> None:
        self._entries: OrderedDict[str, tuple[str, float]] = OrderedDict()
        self._capacity = capacity
        self._clock = clock
        self._lock = threading.Lock()

    def get(self, uid: str) -> str | None:
        with self._lock:
            entry = self._entries.get(uid)
            if entry is None or entry[1] <= self._clock():
                return None
            return entry[0]

    def put(self, uid: str, value: str, ttl_seconds: float) -> None:
        with self._lock:
            self._entries[uid] = (value, self._clock() + ttl_seconds)
            self._entries.move_to_end(uid)
            while len(self._entries) > self._capacity:
                self._entries.popitem(last=False)

    def delete(self, uid: str) -> None:
        with self._lock:
            self._entries.pop(uid, None)


class RedisBackend:
    def __init__(self, client: redis.Redis, prefix: str) -> None:
        self._client = client
        self._prefix = prefix

    def _key(self, uid: str) -> str:
        return f"{self._prefix}{MEMO_KEY_KIND}:{uid}"

    def get(self, uid: str) -> bytes | None:
        value = self._client.get(self._key(uid))
        return value.encode() if isinstance(value, str) else value  # a client made with decode_responses

    def put(self, uid: str, value: str, ttl_seconds: float) -> None:
        self._client.set(self._key(uid), value, px=max(1, int(ttl_seconds * 1000)))

    def delete(self, uid: str) -> None:
        self._client.delete(self._key(uid))


class ChildrenMemo:
    """A memo failure never fails a pass: a miss means a full read, which is always correct."""

    def __init__(self, backend: MemoBackend) -> None:
        self.backend = backend

    def recall(self, uid: str) -> ChildrenSnapshot | None:
        try:
            value = self.backend.get(uid) if uid else None
        except redis.RedisError:
            logger.warning("children memo unavailable; reading every child", exc_info=True)
            return None
        return ChildrenSnapshot.from_json(value) if value is not None else None

    def remember(self, uid: str, snapshot: ChildrenSnapshot, ttl_seconds: float) -> None:
        if not uid or ttl_seconds <= 0:
            return
        try:
            self.backend.put(uid, snapshot.to_json(), ttl_seconds)
        except redis.RedisError:
            logger.warning("could not remember the children of %s", uid, exc_info=True)

    def forget(self, uid: str) -> None:
        """After a pass that ran actions: what it created, deleted or refreshed is read again.

        If this fails, a later pass may repeat an action: creates and deletes are idempotent."""
        if not uid:
            return
        try:
            self.backend.delete(uid)
        except redis.RedisError:
            logger.warning("could not forget the children of %s", uid, exc_info=True)


_memo: ChildrenMemo | None = None
_memo_lock = threading.Lock()


def children_memo() -> ChildrenMemo:
    """The process-wide memo: Redis (shared by all workers) with ``REDIS_URL``, else in-process."""
    global _memo
    with _memo_lock:
        if _memo is None:
            from django.conf import settings  # noqa: PLC0415 - the memo classes work without Django

            backend: MemoBackend = (
                RedisBackend(
                    redis.Redis.from_url(settings.REDIS_URL, socket_timeout=5, socket_connect_timeout=5),
                    settings.RECONCILE_KEY_PREFIX,
                )
                if settings.REDIS_URL
                else InProcessBackend()
            )
            _memo = ChildrenMemo(backend)
        return _memo


def reset_children_memo() -> None:
    global _memo
    with _memo_lock:
        _memo = None


def recheck_seconds() -> float:
    from django.conf import settings  # noqa: PLC0415

    return float(settings.RECONCILER_CHILDREN_RECHECK_SECONDS)
