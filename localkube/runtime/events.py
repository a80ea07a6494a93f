"""Events as the kubelet, scheduler and job controller record them (core/v1, with counts).

Repeats of the same reason and message on the same object bump ``count`` instead of adding
rows, as client-go's event correlator does, so a back-off loop does not flood ``describe``.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from localkube.runtime.apiclient import ApiError, KubeClient, resource_path
from localkube.runtime.clock import now_rfc3339
from localkube.runtime.constants import NODE_NAME

logger = logging.getLogger(__name__)


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
    def __init__(self, client: KubeClient) -> None:
        self.client = client
        self._seen: dict[tuple[str, ...], tuple[str, int]] = {}

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
        """Record an Event; failures are logged, never raised: events are best effort in kube too."""
        reference = involved_object(obj, field_path)
        namespace = reference["namespace"] or "default"
        key = (reference["uid"], field_path or "", reason, message, component)
        now = now_rfc3339()
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
