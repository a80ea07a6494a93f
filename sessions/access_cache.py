"""Answers kept briefly, for access reviews, token identities and managed namespaces.

Keyed by a digest of the caller's token, never the token itself. Only the answers `keep` accepts
(positive ones) are stored, so access granted a moment ago works at once and revoked access lasts
at most one TTL. A dict of (deadline, value) behind a lock: a read is one lookup and one clock read (a
cachetools `TTLCache` expired and re-linked entries on every read, a sixth of the async file GET's own
checks); past `max_entries`, expired entries go first, then the oldest.

An async view runs its checks with `answered_without_blocking`: on the event loop while every answer
they need is cached, in a worker thread (where the lookups may block) as soon as one is missing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from contextvars import ContextVar
from typing import Generic, TypeVar

from asgiref.sync import sync_to_async

V = TypeVar("V")
T = TypeVar("T")

_clock = time.monotonic

# Set while checks run on an event loop: a missing answer raises CacheMiss instead of being looked up.
_cached_answers_only: ContextVar[bool] = ContextVar("cached_answers_only", default=False)


class CacheMiss(Exception):
    """An answer is not cached and looking it up would block the event loop."""


async def answered_without_blocking(check: Callable[[], T]) -> T:
    """`check()` on the event loop when its cached answers suffice, else in a thread (it looks them up)."""
    marker = _cached_answers_only.set(True)
    try:
        return check()
    except CacheMiss:
        pass
    finally:
        _cached_answers_only.reset(marker)
    return await sync_to_async(check, thread_sensitive=False)()


class ExpiringCache(Generic[V]):
    def __init__(self, *, ttl_seconds: float, max_entries: int = 10_000) -> None:
        self._ttl = ttl_seconds  # a TTL of 0 keeps nothing (tests and deployments that want every answer fresh)
        self._max_entries = max_entries
        self._entries: dict[Hashable, tuple[float, V]] = {}
        self._lock = threading.Lock()

    def get_or_compute(self, key: Hashable, compute: Callable[[], V], *, keep: Callable[[V], bool]) -> V:
        """The cached value, else `compute()` — stored only when `keep(value)` holds."""
        if self._ttl <= 0:
            return self._computed(compute)
        with self._lock:
            entry = self._entries.get(key)
        if entry is not None and entry[0] > _clock():
            return entry[1]
        value = self._computed(compute)
        if keep(value):
            self._store(key, value)
        return value

    def _store(self, key: Hashable, value: V) -> None:
        now = _clock()
        with self._lock:
            self._entries.pop(key, None)  # re-inserted last: the oldest entries stay first in the dict
            if len(self._entries) >= self._max_entries:
                for stale in [known for known, (deadline, _) in self._entries.items() if deadline <= now]:
                    del self._entries[stale]
            while len(self._entries) >= self._max_entries:
                del self._entries[next(iter(self._entries))]
            self._entries[key] = (now + self._ttl, value)

    @staticmethod
    def _computed(compute: Callable[[], V]) -> V:
        if _cached_answers_only.get():
            raise CacheMiss
        return compute()

    def forget(self, key: Hashable) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
