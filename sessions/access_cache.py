"""Answers kept briefly, for access reviews, token identities and managed namespaces.

Keyed by a digest of the caller's token, never the token itself. Only the answers `keep` accepts
(positive ones) are stored, so access granted a moment ago works at once and revoked access lasts
at most one TTL. A cachetools `TTLCache` (LRU past `max_entries`) behind a lock.

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
from cachetools import TTLCache

V = TypeVar("V")
T = TypeVar("T")

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
    def __init__(
        self, *, ttl_seconds: float, max_entries: int = 10_000, timer: Callable[[], float] = time.monotonic
    ) -> None:
        # A TTL of 0 keeps nothing (tests and deployments that want every answer fresh).
        self._entries: TTLCache[Hashable, V] | None = (
            TTLCache(maxsize=max_entries, ttl=ttl_seconds, timer=timer) if ttl_seconds > 0 else None
        )
        self._lock = threading.Lock()

    def get_or_compute(self, key: Hashable, compute: Callable[[], V], *, keep: Callable[[V], bool]) -> V:
        """The cached value, else `compute()` — stored only when `keep(value)` holds."""
        if self._entries is None:
            return self._computed(compute)
        with self._lock:
            cached = self._entries.get(key)
        if cached is not None:
            return cached
        value = self._computed(compute)
        if keep(value):
            with self._lock:
                self._entries[key] = value
        return value

    @staticmethod
    def _computed(compute: Callable[[], V]) -> V:
        if _cached_answers_only.get():
            raise CacheMiss
        return compute()

    def forget(self, key: Hashable) -> None:
        if self._entries is not None:
            with self._lock:
                self._entries.pop(key, None)

    def clear(self) -> None:
        if self._entries is not None:
            with self._lock:
                self._entries.clear()
