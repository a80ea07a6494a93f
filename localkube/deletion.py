"""The DELETE verb: propagation policies, finalizers (two-phase delete), graceful pod deletion,
namespace termination and CRD removal. Cascades are the garbage collector's job (collector.py).
"""

from __future__ import annotations

import contextlib
import copy
from datetime import UTC, datetime, timedelta
from typing import Any

from localkube.admission import now_timestamp
from localkube.errors import ApiError, success_status
from localkube.operations import CRD_KEY, KubeObject, ObjectService
from localkube.registry import ResourceType
from localkube.selectors import make_filter

# Kinds whose kube REST storage answers a DELETE with the deleted object (``ReturnDeletedObject``
# in kube's registry, or a Delete of its own that keeps the object while it terminates, as for
# namespaces and CRDs). Every other kind answers a ``Status`` once the object is gone; any kind
# answers the object while deletion waits (finalizers, orphaning, a pod's grace period).
RETURNS_DELETED_OBJECT = frozenset(
    {
        ("", "pods"),
        ("", "services"),
        ("", "serviceaccounts"),
        ("", "persistentvolumeclaims"),
        ("", "namespaces"),
        CRD_KEY,
    }
)
ORPHAN = "orphan"
FOREGROUND = "foregroundDeletion"
NAMESPACE_FINALIZER = "kubernetes"


def _default_policy(resource_type: ResourceType, version: str) -> str:
    # batch/v1 Jobs orphan their pods by default, for backwards compatibility, exactly as kube does.
    if (resource_type.group, resource_type.resource, version) == ("batch", "jobs", "v1"):
        return "Orphan"
    return "Background"


class Deleter:
    def __init__(self, service: ObjectService) -> None:
        self.service = service
        self.store = service.store
        self.registry = service.registry

    # -- the DELETE verb ---------------------------------------------------------------------
    def delete(
        self,
        resource_type: ResourceType,
        version: str,
        namespace: str | None,
        name: str,
        options: dict[str, Any],
        dry_run: bool = False,
    ) -> KubeObject:
        obj = self.service.current(resource_type, namespace, name)
        preconditions = options.get("preconditions") or {}
        if preconditions.get("uid") and preconditions["uid"] != obj["metadata"]["uid"]:
            raise ApiError(
                409,
                f"Precondition failed: UID in precondition: {preconditions['uid']}, UID in object "
                f"meta: {obj['metadata']['uid']}",
                "Conflict",
            )
        if (
            preconditions.get("resourceVersion")
            and preconditions["resourceVersion"] != obj["metadata"]["resourceVersion"]
        ):
            raise ApiError(
                409,
                f"Precondition failed: ResourceVersion in precondition: {preconditions['resourceVersion']}, "
                f"ResourceVersion in object meta: {obj['metadata']['resourceVersion']}",
                "Conflict",
            )
        policy = options.get("propagationPolicy")
        if not policy and options.get("orphanDependents") is not None:
            policy = "Orphan" if options["orphanDependents"] else "Background"
        policy = policy or _default_policy(resource_type, version)
        if policy not in ("Orphan", "Background", "Foreground"):
            raise ApiError(
                422,
                f'propagationPolicy: Unsupported value: "{policy}": supported values: "Background", '
                '"Foreground", "Orphan"',
                "Invalid",
            )
        key = (resource_type.group, resource_type.resource)
        if dry_run:
            waits = bool(obj["metadata"].get("finalizers")) or policy in ("Orphan", "Foreground")
            if waits or key in RETURNS_DELETED_OBJECT:
                return self.service.present(resource_type, obj, version)
            return success_status(name, resource_type.group, resource_type.resource, obj["metadata"]["uid"])
        if key == ("", "namespaces"):
            return self._delete_namespace(resource_type, obj)
        if key == CRD_KEY:
            self._remove_custom_resources(obj)
        if key == ("", "pods"):
            graceful = self._graceful_pod_delete(resource_type, obj, options, version)
            if graceful is not None:
                return graceful
        finalizers = list(obj["metadata"].get("finalizers") or [])
        if not obj["metadata"].get("deletionTimestamp"):
            extra = {"Orphan": ORPHAN, "Foreground": FOREGROUND}.get(policy)
            if extra and extra not in finalizers:
                finalizers.append(extra)
        if finalizers:
            if obj["metadata"].get("deletionTimestamp"):
                return self.service.present(resource_type, obj, version)
            new = copy.deepcopy(obj)
            new["metadata"]["finalizers"] = finalizers
            new["metadata"]["deletionTimestamp"] = now_timestamp()
            new["metadata"]["deletionGracePeriodSeconds"] = 0
            if obj["metadata"].get("generation"):  # kube bumps it only where the kind keeps one
                new["metadata"]["generation"] = int(obj["metadata"]["generation"]) + 1
            stored = self.service.put_internal(resource_type, new, obj)
            return self.service.present(resource_type, stored, version)
        final = self.service.remove(resource_type, obj)
        if final is None:
            raise ApiError(404, f'{resource_type.qualified} "{name}" not found', "NotFound")
        if key in RETURNS_DELETED_OBJECT:
            return self.service.present(resource_type, final, version)
        return success_status(name, resource_type.group, resource_type.resource, final["metadata"]["uid"])

    def _graceful_pod_delete(
        self, resource_type: ResourceType, pod: KubeObject, options: dict[str, Any], version: str
    ) -> KubeObject | None:
        """A pod bound to the node lingers with a deletionTimestamp until its kubelet (the runtime)
        stops it and deletes it with gracePeriodSeconds=0; an unbound or finished pod goes at once."""
        spec = pod.get("spec") or {}
        grace = options.get("gracePeriodSeconds")
        if grace is None:
            grace = spec.get("terminationGracePeriodSeconds", 30)
        grace = int(grace)
        phase = (pod.get("status") or {}).get("phase")
        node_known = bool(spec.get("nodeName")) and self.store.get("", "nodes", "", spec["nodeName"]) is not None
        if not node_known or phase in ("Succeeded", "Failed"):
            grace = 0  # no kubelet will finish it (kube's pod GC force-deletes pods of missing nodes)
        metadata = pod["metadata"]
        if grace <= 0:
            if metadata.get("deletionTimestamp") and metadata.get("finalizers"):
                new = copy.deepcopy(pod)
                new["metadata"]["deletionGracePeriodSeconds"] = 0
                return self.service.present(resource_type, self.service.put_internal(resource_type, new, pod), version)
            return None
        current_grace = metadata.get("deletionGracePeriodSeconds")
        if metadata.get("deletionTimestamp") and current_grace is not None and current_grace <= grace:
            return self.service.present(resource_type, pod, version)
        new = copy.deepcopy(pod)
        deadline = datetime.now(UTC) + timedelta(seconds=grace)
        new["metadata"]["deletionTimestamp"] = deadline.strftime("%Y-%m-%dT%H:%M:%SZ")
        new["metadata"]["deletionGracePeriodSeconds"] = grace
        stored = self.service.put_internal(resource_type, new, pod)
        return self.service.present(resource_type, stored, version)

    def delete_collection(
        self,
        resource_type: ResourceType,
        version: str,
        namespace: str | None,
        label_selector: str | None,
        field_selector: str | None,
        options: dict[str, Any],
        dry_run: bool = False,
    ) -> KubeObject:
        predicate = make_filter(label_selector, field_selector, resource_type.group, resource_type.resource)
        items = []
        for obj in self.store.objects_of(resource_type.group, resource_type.resource, namespace):
            if predicate(obj):
                with contextlib.suppress(ApiError):
                    self.delete(
                        resource_type,
                        version,
                        obj["metadata"].get("namespace"),
                        obj["metadata"]["name"],
                        options,
                        dry_run,
                    )
                    items.append(self.service.present(resource_type, obj, version))
        return {
            "apiVersion": resource_type.api_version(version),
            "kind": f"{resource_type.kind}List",
            "metadata": {"resourceVersion": str(self.store.resource_version)},
            "items": items,
        }

    def _delete_namespace(self, resource_type: ResourceType, obj: KubeObject) -> KubeObject:
        if obj["metadata"].get("deletionTimestamp"):
            return obj
        new = copy.deepcopy(obj)
        new["metadata"]["deletionTimestamp"] = now_timestamp()
        new["metadata"]["deletionGracePeriodSeconds"] = 0
        new["status"] = {"phase": "Terminating"}
        return self.service.put_internal(resource_type, new, obj)

    def _remove_custom_resources(self, crd: KubeObject) -> None:
        spec = crd.get("spec") or {}
        group, plural = spec.get("group", ""), (spec.get("names") or {}).get("plural", "")
        resource_type = self.registry.get(group, plural)
        if resource_type is None or resource_type.builtin:
            return
        for obj in self.store.objects_of(group, plural):
            self.service.remove(resource_type, obj)
        self.store.close_watchers(group, plural)
        self.store.drop_resource(group, plural)
        self.registry.unregister(group, plural)
        for callback in self.service.on_schema_change:
            callback()
