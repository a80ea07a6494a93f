"""Answers kept briefly, for access reviews, token identities and managed namespaces.

Keyed by a digest of the caller's token, never the token itself. Only the answers `keep` accepts
(positive ones) are stored, so access granted a moment ago works at once and revoked access lasts
at most one TTL. A cachetools `TTLCache` (LRU past `max_entries`) behind a lock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from cachetools import TTLCache

V = TypeVar("V")


class ExpiringCache(Generic[V]):
    def __init__(self, *, ttl_seconds: float, max_entries: int = 10_000) -> None:
        # A TTL of 0 keeps nothing (tests and deployments that want every answer fresh).
        self._entries: TTLCache[Hashable, V] | None = (
            TTLCache(maxsize=max_entries, ttl=ttl_seconds) if ttl_seconds > 0 else None
        )
        self._lock = threading.Lock()

    def get_or_compute(self, key: Hashable, compute: Callable[[], V], *, keep: Callable[[V], bool]) -> V:
        """The cached value, else `compute()` — stored only when `keep(value)` holds."""
        if self._entries is None:
            return compute()
        with self._lock:
            cached = self._entries.get(key)
        if cached is not None:
            return cached
        value = compute()
        if keep(value):
            with self._lock:
                self._entries[key] = value
        return value

    def forget(self, key: Hashable) -> None:
        if self._entries is not None:
            with self._lock:
                self._entries.pop(key, None)

    def clear(self) -> None:
        if self._entries is not None:
            with self._lock:
                self._entries.clear()
