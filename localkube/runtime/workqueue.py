"""A deduplicating work queue with client-go's guarantees: handlers enqueue keys, ``workers``
coroutines reconcile them, and one key is never reconciled by two workers at once.

As in client-go: a key added while it waits is not queued twice (``dirty``); a key added while a
worker reconciles it is held back and queued again when that reconcile ends (``processing``), so
the change is never lost and never raced. Failed reconciles are retried with a capped backoff.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Hashable

logger = logging.getLogger(__name__)


class WorkQueue:
    def __init__(self, reconcile: Callable[[Hashable], Awaitable[None]], name: str, workers: int = 1) -> None:
        if workers < 1:
            raise ValueError(f"{name}: workers must be at least 1, got {workers}")
        self._reconcile = reconcile
        self._name = name
        self.workers = workers
        self._queue: asyncio.Queue[Hashable] = asyncio.Queue()
        self._dirty: set[Hashable] = set()  # added and not yet handed to a worker
        self._processing: set[Hashable] = set()  # being reconciled by a worker now
        self._failures: dict[Hashable, int] = {}
        self._timers: set[asyncio.TimerHandle] = set()

    def add(self, key: Hashable) -> None:
        if key in self._dirty:
            return
        self._dirty.add(key)
        if key not in self._processing:  # else: queued by _done once the current reconcile ends
            self._queue.put_nowait(key)

    def add_after(self, key: Hashable, delay: float) -> None:
        loop = asyncio.get_running_loop()
        handle: asyncio.TimerHandle | None = None

        def fire() -> None:
            self._timers.discard(handle)
            self.add(key)

        handle = loop.call_later(max(delay, 0.0), fire)
        self._timers.add(handle)

    def _done(self, key: Hashable) -> None:
        self._processing.discard(key)
        if key in self._dirty:
            self._queue.put_nowait(key)

    async def run(self) -> None:
        """Run every worker until cancelled."""
        try:
            await asyncio.gather(*(self._work() for _ in range(self.workers)))
        finally:
            for handle in self._timers:
                handle.cancel()

    async def _work(self) -> None:
        while True:
            key = await self._queue.get()
            self._dirty.discard(key)
            self._processing.add(key)
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
                self._done(key)
