"""A background worker fed by store events: work items queue up, repeats of a pending item
coalesce (one pass over a namespace, not one per deleted object), failures are logged and the
worker carries on. The garbage collector and the namespace controller are two of them, as they
are two controllers in kube."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from localkube.deletion import Deleter
from localkube.errors import ApiError
from localkube.operations import KubeObject
from localkube.registry import ResourceType
from localkube.store import WatchEvent

logger = logging.getLogger(__name__)
WorkItem = tuple[Any, ...]


class EventWorker:
    """Subclasses say which events make work (``on_event``) and do it (``process``)."""

    name = "worker"

    def __init__(self, deleter: Deleter) -> None:
        self.deleter = deleter
        self.service = deleter.service
        self.store = deleter.store
        self.registry = deleter.registry
        self._queue: asyncio.Queue[WorkItem] | None = None
        self._pending: set[WorkItem] = set()
        self._task: asyncio.Task[None] | None = None
        self.store.listeners.append(self._on_store_event)

    def start(self) -> None:
        self._queue = asyncio.Queue()
        self._task = asyncio.get_running_loop().create_task(self._run())
        self.resume()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def resume(self) -> None:
        """Queue the work a restart interrupted (called once on start)."""

    def on_event(self, event: WatchEvent) -> None:
        raise NotImplementedError

    def process(self, item: WorkItem) -> None:
        raise NotImplementedError

    def enqueue(self, item: WorkItem) -> None:
        assert self._queue is not None
        key = _key(item)
        if key not in self._pending:
            self._pending.add(key)
            self._queue.put_nowait(item)

    def delete_quietly(self, resource_type: ResourceType, obj: KubeObject, policy: str) -> None:
        with contextlib.suppress(ApiError):
            self.deleter.delete(
                resource_type,
                resource_type.storage_version,
                obj["metadata"].get("namespace"),
                obj["metadata"]["name"],
                {"propagationPolicy": policy},
            )

    def _on_store_event(self, event: WatchEvent) -> None:
        if self._queue is not None:
            self.on_event(event)

    async def _run(self) -> None:
        assert self._queue is not None
        while True:
            item = await self._queue.get()
            self._pending.discard(_key(item))
            try:
                self.process(item)
            except Exception:  # a controller must outlive one bad object
                logger.exception("localkube %s failed on %s", self.name, item[:2])


def _key(item: WorkItem) -> WorkItem:
    return tuple(repr(part) if isinstance(part, dict) else part for part in item)
