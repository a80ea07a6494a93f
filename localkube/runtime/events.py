"""Events as the kubelet, scheduler and job controller record them (core/v1, with counts).

Repeats of the same reason and message on the same object bump ``count`` instead of adding
rows, as client-go's event correlator does, so a back-off loop does not flood ``describe``.

Recording never waits for the API server, as with client-go's broadcaster: ``record`` queues the
Event and one sender posts the queue in order, one request at a time. A burst of pods (a dozen
Events each) then takes its Events' share of the server's one loop after the pods' own writes
instead of in front of them; a full queue drops the newest, as the broadcaster does.

Like client-go's spam filter, each component may post 25 Events about one object at once and one
more every five minutes after that (a readiness probe failing every few seconds would otherwise
post for as long as the pod lives).
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from localkube.runtime.apiclient import ApiError, KubeClient, resource_path
from localkube.runtime.clock import now_rfc3339
from localkube.runtime.constants import NODE_NAME

logger = logging.getLogger(__name__)
# Events waiting for the sender; client-go's broadcaster buffers 1000 (a burst of 200 pods makes ~2600).
QUEUE_LIMIT = 10000
# client-go's EventSourceObjectSpamFilter: a token bucket per (component, object).
SPAM_BURST = 25
SPAM_REFILL_SECONDS = 300.0


def involved_object(obj: dict[str, Any], field_path: str | None = None) -> dict[str, Any]:
    metadata = obj.get("metadata") or {}
    reference = {
        "apiVersion": obj.get("apiVersion", "v1"),
        "kind": obj.get("kind", ""),
        "namespace": metadata.get("namespace", ""),
        "name": metadata.get("name", ""),
        "uid": metadata.get("uid", ""),
        "resourceVersion": metadata.get("resourceVersion", ""),
    }
    if field_path:
        reference["fieldPath"] = field_path
    return reference


class EventRecorder:
    def __init__(self, client: KubeClient, queue_limit: int = QUEUE_LIMIT) -> None:
        self.client = client
        self._seen: dict[tuple[str, ...], tuple[str, int]] = {}
        self._queue_limit = queue_limit
        self._buckets: dict[tuple[str, str], tuple[float, float]] = {}  # → (tokens, when counted)
        self._pending: asyncio.Queue[tuple[dict[str, Any], str, str, str, bool, str | None, str]] | None = None

    def _queue(self) -> asyncio.Queue[tuple[dict[str, Any], str, str, str, bool, str | None, str]]:
        if self._pending is None:  # made on the loop that uses it
            self._pending = asyncio.Queue(self._queue_limit)
        return self._pending

    async def record(
        self,
        obj: dict[str, Any],
        reason: str,
        message: str,
        *,
        component: str,
        warning: bool = False,
        field_path: str | None = None,
    ) -> None:
        """Queue an Event for the sender (``run``) and return at once; events are best effort in kube too."""
        reference = involved_object(obj, field_path)
        if not self._allowed(component, reference["uid"] or reference["name"]):
            logger.debug("event %s/%s dropped by the spam filter", reason, reference["name"])
            return
        try:
            self._queue().put_nowait((reference, reason, message, component, warning, field_path, now_rfc3339()))
        except asyncio.QueueFull:
            logger.debug("event queue full; dropping %s/%s", reason, reference["name"])

    def _allowed(self, component: str, uid: str) -> bool:
        now = time.monotonic()
        tokens, counted = self._buckets.get((component, uid), (float(SPAM_BURST), now))
        tokens = min(float(SPAM_BURST), tokens + (now - counted) / SPAM_REFILL_SECONDS)
        if len(self._buckets) > 20000:
            self._buckets.clear()  # bounded memory; at worst an object gets a fresh burst
        if tokens < 1.0:
            self._buckets[(component, uid)] = (tokens, now)
            return False
        self._buckets[(component, uid)] = (tokens - 1.0, now)
        return True

    async def run(self) -> None:
        """Post queued Events in order, one at a time, until cancelled."""
        queue = self._queue()
        while True:
            await self._send(*await queue.get())

    async def _send(
        self,
        reference: dict[str, Any],
        reason: str,
        message: str,
        component: str,
        warning: bool,
        field_path: str | None,
        now: str,
    ) -> None:
        """Post (or count up) one Event; failures are logged, never raised."""
        namespace = reference["namespace"] or "default"
        key = (reference["uid"], field_path or "", reason, message, component)
        try:
            if key in self._seen:
                name, count = self._seen[key]
                try:
                    await self.client.patch(
                        resource_path("v1", "events", namespace, name),
                        {"count": count + 1, "lastTimestamp": now},
                    )
                    self._seen[key] = (name, count + 1)
                    return
                except ApiError as error:
                    if error.status != 404:
                        raise
            name = f"{reference['name']}.{time.time_ns():x}"
            event = {
                "apiVersion": "v1",
                "kind": "Event",
                "metadata": {"name": name, "namespace": namespace},
                "involvedObject": reference,
                "reason": reason,
                "message": message,
                "type": "Warning" if warning else "Normal",
                "source": {"component": component, "host": NODE_NAME},
                "reportingComponent": component,
                "reportingInstance": NODE_NAME,
                "firstTimestamp": now,
                "lastTimestamp": now,
                "count": 1,
            }
            await self.client.create(resource_path("v1", "events", namespace), event)
            if len(self._seen) > 4096:
                self._seen.clear()  # bounded memory; at worst a repeat starts a new Event
            self._seen[key] = (name, 1)
        except Exception as error:
            logger.debug("event %s/%s not recorded: %s", reason, reference["name"], error)
