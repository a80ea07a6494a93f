"""A deduplicating work queue: handlers enqueue keys, one worker reconciles them in order.

One worker per controller keeps reconciles of the same object serial, which is all localkube
needs; failed reconciles are retried with a capped backoff.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Hashable

logger = logging.getLogger(__name__)


class WorkQueue:
    def __init__(self, reconcile: Callable[[Hashable], Awaitable[None]], name: str) -> None:
        self._reconcile = reconcile
        self._name = name
        self._queue: asyncio.Queue[Hashable] = asyncio.Queue()
        self._pending: set[Hashable] = set()
        self._failures: dict[Hashable, int] = {}
        self._timers: set[asyncio.TimerHandle] = set()

    def add(self, key: Hashable) -> None:
        if key not in self._pending:
            self._pending.add(key)
            self._queue.put_nowait(key)

    def add_after(self, key: Hashable, delay: float) -> None:
        loop = asyncio.get_running_loop()
        handle: asyncio.TimerHandle | None = None

        def fire() -> None:
            self._timers.discard(handle)
            self.add(key)

        handle = loop.call_later(max(delay, 0.0), fire)
        self._timers.add(handle)

    async def run(self) -> None:
        try:
            while True:
                key = await self._queue.get()
                self._pending.discard(key)
                try:
                    await self._reconcile(key)
                    self._failures.pop(key, None)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    count = self._failures.get(key, 0) + 1
                    self._failures[key] = count
                    # Transient API errors are expected (and injected in tests): keep them quiet
                    # unless they persist.
                    level = logging.WARNING if count >= 5 else logging.DEBUG
                    logger.log(level, "%s: reconcile %s failed (attempt %d)", self._name, key, count, exc_info=True)
                    self.add_after(key, min(0.1 * 2**count, 5.0))
        finally:
            for handle in self._timers:
                handle.cancel()
