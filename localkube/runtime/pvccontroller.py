"""Binds every PersistentVolumeClaim at once to a directory under the state dir (a stand-in for a
dynamic provisioner with reclaim policy Delete: the directory goes when the claim does)."""

from __future__ import annotations

import shutil
from collections.abc import Hashable
from pathlib import Path
from typing import Any, cast

from localkube.runtime import constants as c
from localkube.runtime.apiclient import Informer, KubeClient, resource_path
from localkube.runtime.events import EventRecorder
from localkube.runtime.volumes import pvc_dir
from localkube.runtime.workqueue import WorkQueue


def bound_status(pvc: dict[str, Any]) -> dict[str, Any]:
    spec = pvc.get("spec") or {}
    storage = ((spec.get("resources") or {}).get("requests") or {}).get("storage", "1Gi")
    return {
        "phase": "Bound",
        "accessModes": spec.get("accessModes") or ["ReadWriteOnce"],
        "capacity": {"storage": storage},
    }


class PVCController:
    def __init__(self, client: KubeClient, recorder: EventRecorder, state_dir: Path) -> None:
        self.client = client
        self.recorder = recorder
        self.state_dir = state_dir
        self.queue = WorkQueue(self.reconcile, "pvc-controller")
        self.claims: Informer | None = None

    def on_event(self, event_type: str, pvc: dict[str, Any]) -> None:
        metadata = pvc.get("metadata") or {}
        namespace, name = metadata.get("namespace", ""), metadata.get("name", "")
        if event_type == "DELETED":
            directory = pvc_dir(self.state_dir, namespace, name)
            if directory.resolve().is_relative_to((self.state_dir / "volumes" / "pvc").resolve()):
                shutil.rmtree(directory, ignore_errors=True)
            return
        self.queue.add((namespace, name))

    async def reconcile(self, key: Hashable) -> None:
        assert self.claims is not None
        namespace, name = cast(tuple[str, str], key)  # this controller queues only (namespace, name)
        pvc = self.claims.cache.get((namespace, name))
        if pvc is None or pvc["metadata"].get("deletionTimestamp"):
            return
        pvc_dir(self.state_dir, namespace, name).mkdir(parents=True, exist_ok=True)
        if (pvc.get("status") or {}).get("phase") == "Bound":
            return
        await self.client.patch(
            resource_path("v1", "persistentvolumeclaims", namespace, name, "status"), {"status": bound_status(pvc)}
        )
        directory = pvc_dir(self.state_dir, namespace, name)
        await self.recorder.record(
            pvc,
            "ProvisioningSucceeded",
            f"Successfully provisioned volume pvc-{pvc['metadata'].get('uid', '')} at {directory}",
            component=c.COMPONENT_PVC_CONTROLLER,
        )
