"""The namespace controller: empties a terminating namespace (each object deleted in the
background), then clears the namespace's ``kubernetes`` finalizer so its deletion completes."""

from __future__ import annotations

import copy

from localkube.background import EventWorker, WorkItem
from localkube.deletion import NAMESPACE_FINALIZER
from localkube.registry import ResourceType
from localkube.store import DELETED, WatchEvent


class NamespaceController(EventWorker):
    name = "namespace controller"

    def resume(self) -> None:
        for namespace in self.store.objects_of("", "namespaces"):
            if namespace["metadata"].get("deletionTimestamp"):
                self.enqueue((namespace["metadata"]["name"],))

    def on_event(self, event: WatchEvent) -> None:
        if event.type == DELETED:
            if event.namespace:  # one object fewer: the namespace may be empty now
                self.enqueue((event.namespace,))
        elif (event.group, event.resource) == ("", "namespaces") and event.obj["metadata"].get("deletionTimestamp"):
            self.enqueue((event.obj["metadata"]["name"],))

    def process(self, item: WorkItem) -> None:
        name = item[0]
        namespace = self.store.get("", "namespaces", "", name)
        if namespace is None or not namespace["metadata"].get("deletionTimestamp"):
            return
        for resource_type in self._namespaced_types():
            for obj in self.store.objects_of(resource_type.group, resource_type.resource, name):
                if not obj["metadata"].get("deletionTimestamp"):
                    self.delete_quietly(resource_type, obj, "Background")
        if any(self.store.objects_of(t.group, t.resource, name) for t in self._namespaced_types()):
            return  # the remaining objects' deletions bring us back here
        namespace_type = self.registry.get("", "namespaces")
        assert namespace_type is not None
        new = copy.deepcopy(namespace)
        finalizers = (namespace.get("spec") or {}).get("finalizers") or []
        new["spec"] = {"finalizers": [f for f in finalizers if f != NAMESPACE_FINALIZER]}
        self.service.put_internal(namespace_type, new, namespace)

    def _namespaced_types(self) -> list[ResourceType]:
        found = []
        for group, resource in self.store.namespaced_resources():
            resource_type = self.registry.get(group, resource)
            if resource_type is not None and resource_type.namespaced:
                found.append(resource_type)
        return found
