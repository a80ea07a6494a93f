"""What counts as a change: identical-write detection, generation bumps, finished deletions."""

from __future__ import annotations

from typing import Any

from localkube.registry import ResourceType

KubeObject = dict[str, Any]


def finalizers_done(obj: KubeObject) -> bool:
    """Deleting and nothing left to wait for (a namespace also waits on its spec.finalizers)."""
    metadata = obj["metadata"]
    if not metadata.get("deletionTimestamp") or metadata.get("finalizers"):
        return False
    if obj.get("kind") == "Pod" and (metadata.get("deletionGracePeriodSeconds") or 0) > 0:
        return False  # the kubelet finishes a graceful pod delete
    return obj.get("kind") != "Namespace" or not (obj.get("spec") or {}).get("finalizers")


def without_volatile(obj: KubeObject) -> KubeObject:
    metadata = {k: v for k, v in obj.get("metadata", {}).items() if k not in ("resourceVersion", "managedFields")}
    return {**obj, "metadata": metadata}


def generation_relevant(obj: KubeObject, resource_type: ResourceType) -> KubeObject:
    skipped = {"metadata", "status"} if resource_type.has_status else {"metadata"}
    relevant = {k: v for k, v in obj.items() if k not in skipped and k not in ("apiVersion", "kind")}
    relevant["deletionTimestamp"] = obj.get("metadata", {}).get("deletionTimestamp")
    return relevant
