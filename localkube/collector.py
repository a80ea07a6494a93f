"""The garbage collector and namespace controller: ownerReference cascades (Background,
Foreground, Orphan), dangling owners, and removing a terminating namespace's contents.

It runs on a background task fed by store events, as kube's GC does, so callers observe
dependents go shortly after the owner.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import logging
from typing import Any

from localkube.deletion import FOREGROUND, NAMESPACE_FINALIZER, ORPHAN, Deleter
from localkube.errors import ApiError
from localkube.operations import KubeObject
from localkube.registry import ResourceType, find_by_kind
from localkube.store import DELETED, WatchEvent

logger = logging.getLogger(__name__)


class GarbageCollector:
    def __init__(self, deleter: Deleter) -> None:
        self.deleter = deleter
        self.service = deleter.service
        self.store = deleter.store
        self.registry = deleter.registry
        self._queue: asyncio.Queue[tuple[Any, ...]] | None = None
        self._pending: set[tuple[Any, ...]] = set()  # coalesces repeated work (one namespace pass, not N)
        self._task: asyncio.Task[None] | None = None
        self.store.listeners.append(self._on_event)

    def start(self) -> None:
        self._queue = asyncio.Queue()
        self._task = asyncio.get_running_loop().create_task(self._run())
        # Finish work a restart interrupted: terminating namespaces, owners mid-deletion, dependents
        # whose owners went while the server was down.
        for group, resource in self.store.namespaced_resources():
            for obj in self.store.list(group, resource):
                metadata = obj["metadata"]
                if metadata.get("deletionTimestamp"):
                    self._on_event(WatchEvent(0, "MODIFIED", group, resource, metadata.get("namespace", ""), obj))
                if metadata.get("ownerReferences"):
                    self._enqueue(("dependent", group, resource, metadata.get("namespace", ""), metadata["name"]))

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def _enqueue(self, item: tuple[Any, ...]) -> None:
        assert self._queue is not None
        key = tuple(repr(part) if isinstance(part, dict) else part for part in item)
        if key not in self._pending:
            self._pending.add(key)
            self._queue.put_nowait(item)

    def _on_event(self, event: WatchEvent) -> None:
        if self._queue is None:
            return
        metadata = event.obj["metadata"]
        if event.type == DELETED:
            self._enqueue(("gone", metadata.get("namespace", ""), metadata["uid"], event.group, event.resource))
            for reference in metadata.get("ownerReferences") or []:
                self._enqueue(("owner-ref", metadata.get("namespace", ""), reference))
            if event.namespace:
                self._enqueue(("namespace", event.namespace))
        else:
            references = metadata.get("ownerReferences")
            if references and (event.old is None or event.old["metadata"].get("ownerReferences") != references):
                self._enqueue(
                    ("dependent", event.group, event.resource, metadata.get("namespace", ""), metadata["name"])
                )
        if event.type != DELETED and metadata.get("deletionTimestamp"):
            if (event.group, event.resource) == ("", "namespaces"):
                self._enqueue(("namespace", metadata["name"]))
            elif {ORPHAN, FOREGROUND} & set(metadata.get("finalizers") or []):
                self._enqueue(("owner", event.group, event.resource, metadata.get("namespace", ""), metadata["name"]))

    async def _run(self) -> None:
        assert self._queue is not None
        while True:
            item = await self._queue.get()
            self._pending.discard(tuple(repr(part) if isinstance(part, dict) else part for part in item))
            try:
                if item[0] == "gone":
                    self._collect_dependents(item[1], item[2], item[3], item[4])
                elif item[0] == "owner-ref":
                    owner = self._owner(item[1], item[2])
                    if owner is not None:
                        self._process_owner(*owner)
                elif item[0] == "owner":
                    resource_type = self.registry.get(item[1], item[2])
                    obj = self.store.get(item[1], item[2], item[3], item[4])
                    if resource_type is not None and obj is not None:
                        self._process_owner(resource_type, obj)
                elif item[0] == "namespace":
                    self._process_namespace(item[1])
                elif item[0] == "dependent":
                    self._check_owners(item[1], item[2], item[3], item[4])
            except Exception:  # the collector must outlive one bad object
                logger.exception("localkube garbage collector failed on %s", item[:2])

    def _owner(self, namespace: str, reference: dict[str, Any]) -> tuple[ResourceType, KubeObject] | None:
        resource_type = find_by_kind(self.registry, reference.get("apiVersion", ""), reference.get("kind", ""))
        if resource_type is None:
            return None
        obj = self.store.get(
            resource_type.group,
            resource_type.resource,
            namespace if resource_type.namespaced else "",
            reference.get("name", ""),
        )
        if obj is None or obj["metadata"]["uid"] != reference.get("uid"):
            return None
        return resource_type, obj

    def _dependents(
        self, namespace: str, uid: str, cluster_scoped_owner: bool
    ) -> list[tuple[ResourceType, KubeObject]]:
        found = []
        for group, resource, obj in self.store.dependents(uid):
            resource_type = self.registry.get(group, resource)
            # ownerReferences only count within the owner's namespace (or from anywhere to a cluster owner)
            if resource_type is not None and (
                cluster_scoped_owner or obj["metadata"].get("namespace", "") == namespace
            ):
                found.append((resource_type, obj))
        return found

    def _collect_dependents(self, namespace: str, uid: str, group: str, resource: str) -> None:
        owner_type = self.registry.get(group, resource)
        cluster_scoped = owner_type is not None and not owner_type.namespaced or not namespace
        for resource_type, obj in self._dependents(namespace, uid, cluster_scoped):
            references = obj["metadata"].get("ownerReferences") or []
            live = [
                ref
                for ref in references
                if ref.get("uid") != uid and self._owner(obj["metadata"].get("namespace", ""), ref) is not None
            ]
            if live:
                self._drop_reference(resource_type, obj, uid)
            elif not obj["metadata"].get("deletionTimestamp"):
                foreground = any(self._owner_in_foreground(obj, ref) for ref in references)
                self._delete_quietly(resource_type, obj, "Foreground" if foreground else "Background")

    def _check_owners(self, group: str, resource: str, namespace: str, name: str) -> None:
        """kube's GC deletes an object whose owners are all absent, and drops dangling references."""
        resource_type = self.registry.get(group, resource)
        obj = self.store.get(group, resource, namespace, name)
        if resource_type is None or obj is None:
            return
        references = obj["metadata"].get("ownerReferences") or []
        dangling = [ref for ref in references if self._is_dangling(namespace, ref)]
        if not dangling:
            return
        if len(dangling) == len(references):
            if not obj["metadata"].get("deletionTimestamp"):
                self._delete_quietly(resource_type, obj, "Background")
            return
        for reference in dangling:
            current = self.store.get(group, resource, namespace, name)
            if current is not None:
                self._drop_reference(resource_type, current, reference.get("uid", ""))

    def _is_dangling(self, namespace: str, reference: dict[str, Any]) -> bool:
        # An owner kind this server does not serve cannot be verified; kube's GC leaves those alone.
        if find_by_kind(self.registry, reference.get("apiVersion", ""), reference.get("kind", "")) is None:
            return False
        return self._owner(namespace, reference) is None

    def _owner_in_foreground(self, obj: KubeObject, reference: dict[str, Any]) -> bool:
        owner = self._owner(obj["metadata"].get("namespace", ""), reference)
        return owner is not None and FOREGROUND in (owner[1]["metadata"].get("finalizers") or [])

    def _process_owner(self, resource_type: ResourceType, owner: KubeObject) -> None:
        metadata = owner["metadata"]
        finalizers = list(metadata.get("finalizers") or [])
        if not metadata.get("deletionTimestamp"):
            return
        namespace = metadata.get("namespace", "")
        dependents = self._dependents(namespace, metadata["uid"], not resource_type.namespaced)
        if ORPHAN in finalizers:
            for dependent_type, dependent in dependents:
                self._drop_reference(dependent_type, dependent, metadata["uid"])
            finalizers.remove(ORPHAN)
        elif FOREGROUND in finalizers:
            blocking = 0
            for dependent_type, dependent in dependents:
                if not dependent["metadata"].get("deletionTimestamp"):
                    self._delete_quietly(dependent_type, dependent, "Foreground")
                current = self.store.get(
                    dependent_type.group,
                    dependent_type.resource,
                    dependent["metadata"].get("namespace", ""),
                    dependent["metadata"]["name"],
                )
                if current is not None and any(
                    ref.get("uid") == metadata["uid"] and ref.get("blockOwnerDeletion")
                    for ref in current["metadata"].get("ownerReferences") or []
                ):
                    blocking += 1
            if blocking:
                return
            finalizers.remove(FOREGROUND)
        else:
            return
        new = copy.deepcopy(owner)
        new["metadata"]["finalizers"] = finalizers
        if not finalizers:
            del new["metadata"]["finalizers"]
        self.service.put_internal(resource_type, new, owner)

    def _drop_reference(self, resource_type: ResourceType, obj: KubeObject, uid: str) -> None:
        new = copy.deepcopy(obj)
        references = [ref for ref in new["metadata"].get("ownerReferences") or [] if ref.get("uid") != uid]
        if references:
            new["metadata"]["ownerReferences"] = references
        else:
            new["metadata"].pop("ownerReferences", None)
        self.service.put_internal(resource_type, new, obj)

    def _delete_quietly(self, resource_type: ResourceType, obj: KubeObject, policy: str) -> None:
        with contextlib.suppress(ApiError):
            self.deleter.delete(
                resource_type,
                resource_type.storage_version,
                obj["metadata"].get("namespace"),
                obj["metadata"]["name"],
                {"propagationPolicy": policy},
            )

    def _process_namespace(self, name: str) -> None:
        namespace = self.store.get("", "namespaces", "", name)
        if namespace is None or not namespace["metadata"].get("deletionTimestamp"):
            return
        for group, resource in self.store.namespaced_resources():
            resource_type = self.registry.get(group, resource)
            if resource_type is None or not resource_type.namespaced:
                continue
            for obj in self.store.list(group, resource, name):
                if not obj["metadata"].get("deletionTimestamp"):
                    self._delete_quietly(resource_type, obj, "Background")
        if any(
            self.store.list(group, resource, name)
            for group, resource in self.store.namespaced_resources()
            if (t := self.registry.get(group, resource)) is not None and t.namespaced
        ):
            return
        namespace_type = self.registry.get("", "namespaces")
        assert namespace_type is not None
        new = copy.deepcopy(namespace)
        new["spec"] = {
            "finalizers": [f for f in (namespace.get("spec") or {}).get("finalizers") or [] if f != NAMESPACE_FINALIZER]
        }
        self.service.put_internal(namespace_type, new, namespace)
