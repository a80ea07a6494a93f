"""The object store: current state, the cluster-wide resourceVersion counter and watch fan-out.

Stored objects are never mutated after ``put``: writers build a new dict, so list results and
watch history can share references safely. External readers (auth, runtime) get deep copies.
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from localkube.copying import json_copy
from localkube.errors import ApiError
from localkube.interfaces import KubeObject
from localkube.journal import Journal

GroupResource = tuple[str, str]
ADDED, MODIFIED, DELETED = "ADDED", "MODIFIED", "DELETED"
WATCH_QUEUE_LIMIT = 20000


@dataclass
class WatchEvent:
    rv: int
    type: str
    group: str
    resource: str
    namespace: str
    obj: KubeObject
    old: KubeObject | None = None
    _encoded: dict[tuple[str, str], bytes] = field(default_factory=dict)

    def encode(self, event_type: str, api_version: str) -> bytes:
        """One JSON line per (type, apiVersion), shared by every watcher that receives it."""
        key = (event_type, api_version)
        cached = self._encoded.get(key)
        if cached is None:
            obj = self.obj
            if obj.get("apiVersion") != api_version:
                obj = {**obj, "apiVersion": api_version}
            cached = json.dumps({"type": event_type, "object": obj}, separators=(",", ":")).encode() + b"\n"
            self._encoded[key] = cached
        return cached


class Watcher:
    """One open watch: its filter and the queue its stream drains."""

    def __init__(
        self, group: str, resource: str, namespace: str | None, predicate: Callable[[KubeObject], bool]
    ) -> None:
        self.group = group
        self.resource = resource
        self.namespace = namespace
        self.predicate = predicate
        self.queue: asyncio.Queue[tuple[str, WatchEvent] | None] = asyncio.Queue()
        self.overflowed = False

    def offer(self, event: WatchEvent) -> None:
        if self.namespace is not None and event.namespace != self.namespace:
            return
        event_type = self._transition(event)
        if event_type is None:
            return
        if self.queue.qsize() >= WATCH_QUEUE_LIMIT:
            # A consumer this far behind is closed (kube does the same); it must re-list.
            self.overflowed = True
            self.queue.put_nowait(None)
            return
        self.queue.put_nowait((event_type, event))

    def _transition(self, event: WatchEvent) -> str | None:
        """Map a change to what this filtered watch sees (labels that stop matching → DELETED)."""
        new_matches = self.predicate(event.obj)
        if event.type == DELETED:
            return DELETED if new_matches else None
        old_matches = event.old is not None and self.predicate(event.old)
        if new_matches and old_matches:
            return MODIFIED
        if new_matches:
            return ADDED
        if old_matches:
            return DELETED
        return None

    def close(self) -> None:
        self.queue.put_nowait(None)


class Store:
    def __init__(self, journal: Journal | None = None, history_size: int = 10000) -> None:
        self.journal = journal
        self._objects: dict[GroupResource, dict[tuple[str, str], KubeObject]] = {}
        self.resource_version = 0
        self.history: deque[WatchEvent] = deque(maxlen=max(1, history_size))
        # Events with rv <= floor may be missing from history: a watch from before it gets 410.
        self.floor = 0
        self._watchers: dict[GroupResource, set[Watcher]] = {}
        # owner uid → dependents' keys, so garbage collection does not scan the whole store
        self._owned: dict[str, set[tuple[str, str, str, str]]] = {}
        self.listeners: list[Callable[[WatchEvent], None]] = []

    # -- loading and persistence ------------------------------------------------------------
    def load(self) -> None:
        if self.journal is None:
            return
        snapshot_rv, entries, records = self.journal.load()
        for entry in entries:
            self._place(entry["g"], entry["r"], entry["obj"])
        self.resource_version = snapshot_rv
        for record in records:
            if record["op"] == "put":
                self._place(record["g"], record["r"], record["obj"])
            else:
                self._pop(record["g"], record["r"], record["ns"], record["n"])
            self.resource_version = max(self.resource_version, record["rv"])
        self.floor = self.resource_version

    def _place(self, group: str, resource: str, obj: KubeObject) -> None:
        metadata = obj["metadata"]
        bucket = self._objects.setdefault((group, resource), {})
        key = (metadata.get("namespace", ""), metadata["name"])
        old = bucket.get(key)
        if old is not None:
            self._index(group, resource, old, add=False)
        bucket[key] = obj
        self._index(group, resource, obj, add=True)

    def _pop(self, group: str, resource: str, namespace: str, name: str) -> KubeObject | None:
        obj = self._objects.get((group, resource), {}).pop((namespace, name), None)
        if obj is not None:
            self._index(group, resource, obj, add=False)
        return obj

    def _index(self, group: str, resource: str, obj: KubeObject, add: bool) -> None:
        metadata = obj["metadata"]
        key = (group, resource, metadata.get("namespace", ""), metadata["name"])
        for reference in metadata.get("ownerReferences") or ():
            uid = reference.get("uid", "")
            if add:
                self._owned.setdefault(uid, set()).add(key)
            elif uid in self._owned:
                self._owned[uid].discard(key)
                if not self._owned[uid]:
                    del self._owned[uid]

    def dependents(self, uid: str) -> list[tuple[str, str, KubeObject]]:
        """(group, resource, object) of every stored object with an ownerReference to ``uid``."""
        found = []
        for group, resource, namespace, name in sorted(self._owned.get(uid, ())):
            obj = self.get(group, resource, namespace, name)
            if obj is not None:
                found.append((group, resource, obj))
        return found

    def _persist(self, record: dict[str, Any]) -> None:
        if self.journal is None:
            return
        self.journal.append(record)
        if self.journal.needs_compaction():
            entries = [
                {"g": group, "r": resource, "obj": obj}
                for (group, resource), objects in self._objects.items()
                for obj in objects.values()
            ]
            self.journal.compact(self.resource_version, entries)

    # -- reads -----------------------------------------------------------------------------
    def get(self, group: str, resource: str, namespace: str, name: str) -> KubeObject | None:
        return self._objects.get((group, resource), {}).get((namespace, name))

    def objects_of(self, group: str, resource: str, namespace: str | None = None) -> list[KubeObject]:
        """The stored objects (not copies) of one resource, sorted; ``namespace=None``: all of them."""
        objects = self._objects.get((group, resource), {})
        keys = sorted(objects) if namespace is None else sorted(k for k in objects if k[0] == namespace)
        return [objects[key] for key in keys]

    def namespaced_resources(self) -> list[GroupResource]:
        return list(self._objects)

    # ObjectReader, for auth and the runtime: copies, so callers cannot corrupt stored state.
    def get_object(self, group: str, resource: str, namespace: str | None, name: str) -> KubeObject | None:
        obj = self.get(group, resource, namespace or "", name)
        return json_copy(obj) if obj is not None else None

    def list_objects(self, group: str, resource: str, namespace: str | None = None) -> list[KubeObject]:
        return json_copy(self.objects_of(group, resource, namespace))

    # -- writes ----------------------------------------------------------------------------
    def put(self, group: str, resource: str, obj: KubeObject, old: KubeObject | None) -> KubeObject:
        """Store ``obj`` (which the caller hands over) with a fresh resourceVersion."""
        self.resource_version += 1
        obj["metadata"]["resourceVersion"] = str(self.resource_version)
        self._place(group, resource, obj)
        self._persist({"rv": self.resource_version, "op": "put", "g": group, "r": resource, "obj": obj})
        self._emit(
            WatchEvent(
                self.resource_version,
                MODIFIED if old else ADDED,
                group,
                resource,
                obj["metadata"].get("namespace", ""),
                obj,
                old,
            )
        )
        return obj

    def remove(self, group: str, resource: str, namespace: str, name: str) -> KubeObject | None:
        current = self._pop(group, resource, namespace, name)
        if current is None:
            return None
        self.resource_version += 1
        final = {**current, "metadata": {**current["metadata"], "resourceVersion": str(self.resource_version)}}
        self._persist(
            {"rv": self.resource_version, "op": "delete", "g": group, "r": resource, "ns": namespace, "n": name}
        )
        self._emit(WatchEvent(self.resource_version, DELETED, group, resource, namespace, final, current))
        return final

    def drop_resource(self, group: str, resource: str) -> None:
        self._objects.pop((group, resource), None)

    # -- watch -----------------------------------------------------------------------------
    def _emit(self, event: WatchEvent) -> None:
        if len(self.history) == self.history.maxlen:
            self.floor = self.history[0].rv
        self.history.append(event)
        for watcher in list(self._watchers.get((event.group, event.resource), ())):
            watcher.offer(event)
        for listener in self.listeners:
            listener(event)

    def events_after(self, group: str, resource: str, since: int) -> list[WatchEvent]:
        if since < self.floor:
            raise ApiError(410, f"too old resource version: {since} ({self.floor})", "Expired")
        return [
            event for event in self.history if event.rv > since and (event.group, event.resource) == (group, resource)
        ]

    def add_watcher(self, watcher: Watcher) -> None:
        self._watchers.setdefault((watcher.group, watcher.resource), set()).add(watcher)

    def remove_watcher(self, watcher: Watcher) -> None:
        self._watchers.get((watcher.group, watcher.resource), set()).discard(watcher)

    def close_watchers(self, group: str | None = None, resource: str | None = None) -> None:
        for (watch_group, watch_resource), watchers in self._watchers.items():
            if group is None or (watch_group, watch_resource) == (group, resource):
                for watcher in watchers:
                    watcher.close()

    @property
    def watcher_count(self) -> int:
        return sum(len(watchers) for watchers in self._watchers.values())
