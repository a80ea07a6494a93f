"""The garbage collector: ownerReference cascades (Background, Foreground, Orphan) and owners
that are gone. It runs on a background task fed by store events, as kube's GC does, so callers
observe dependents go shortly after the owner.
"""

from __future__ import annotations

import copy
from typing import Any

from localkube.background import EventWorker, WorkItem
from localkube.deletion import FOREGROUND, ORPHAN
from localkube.operations import KubeObject
from localkube.registry import ResourceType, find_by_kind
from localkube.store import DELETED, WatchEvent


class GarbageCollector(EventWorker):
    name = "garbage collector"

    def resume(self) -> None:
        # Owners mid-deletion, and dependents whose owners went while the server was down.
        for group, resource in self.store.namespaced_resources():
            for obj in self.store.objects_of(group, resource):
                metadata = obj["metadata"]
                if metadata.get("deletionTimestamp"):
                    self.on_event(WatchEvent(0, "MODIFIED", group, resource, metadata.get("namespace", ""), obj))
                if metadata.get("ownerReferences"):
                    self.enqueue(("dependent", group, resource, metadata.get("namespace", ""), metadata["name"]))

    def on_event(self, event: WatchEvent) -> None:
        metadata = event.obj["metadata"]
        if event.type == DELETED:
            self.enqueue(("gone", metadata.get("namespace", ""), metadata["uid"], event.group, event.resource))
            for reference in metadata.get("ownerReferences") or []:
                self.enqueue(("owner-ref", metadata.get("namespace", ""), reference))
            return
        references = metadata.get("ownerReferences")
        if references and (event.old is None or event.old["metadata"].get("ownerReferences") != references):
            self.enqueue(("dependent", event.group, event.resource, metadata.get("namespace", ""), metadata["name"]))
        if metadata.get("deletionTimestamp") and {ORPHAN, FOREGROUND} & set(metadata.get("finalizers") or []):
            self.enqueue(("owner", event.group, event.resource, metadata.get("namespace", ""), metadata["name"]))

    def process(self, item: WorkItem) -> None:
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
        elif item[0] == "dependent":
            self._check_owners(item[1], item[2], item[3], item[4])

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
                self.delete_quietly(resource_type, obj, "Foreground" if foreground else "Background")

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
                self.delete_quietly(resource_type, obj, "Background")
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
                    self.delete_quietly(dependent_type, dependent, "Foreground")
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
