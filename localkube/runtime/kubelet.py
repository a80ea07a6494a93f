"""The stand-in kubelet (and scheduler) for node ``localkube``: one ``PodWorker`` per pod."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from localkube.runtime import constants as c
from localkube.runtime.apiclient import ApiError, Informer, KubeClient, resource_path
from localkube.runtime.clock import now_rfc3339
from localkube.runtime.events import EventRecorder
from localkube.runtime.imagemap import ImageMapFile
from localkube.runtime.memory import MemoryEnforcer
from localkube.runtime.podworker import PodWorker
from localkube.runtime.process import kill_orphans
from localkube.runtime.scheduler import DEFAULT_CAPACITY, Resources, node_manifest, node_status, pod_requests
from localkube.runtime.volumes import decode_configmap, decode_secret

logger = logging.getLogger(__name__)


@dataclass
class RuntimeConfig:
    state_dir: Path
    image_map: ImageMapFile
    capacity: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_CAPACITY))
    # Caps terminationGracePeriodSeconds so deletes and shutdown stay quick on a dev machine.
    max_grace_seconds: float = 10.0
    # CrashLoopBackOff/ImagePullBackOff start and cap (kubelet: 10s and 300s; shorter here).
    backoff_base: float = 1.0
    backoff_cap: float = 30.0
    # How often unschedulable pods and missing volume sources are retried.
    sync_seconds: float = 1.0
    # Secret/ConfigMap volumes follow a watch of those objects (the kubelet's Watch strategy); this
    # full re-read is only the safety net. Polling every pod's sources each second instead cost the
    # API server two reads per running pod per second, most of its work with a few hundred pods.
    volume_resync_seconds: float = 60.0
    # How often containers' memory is compared with limits.memory (0: limits not enforced).
    memory_check_seconds: float = 0.5


class Kubelet:
    def __init__(self, client: KubeClient, recorder: EventRecorder, config: RuntimeConfig) -> None:
        self.client = client
        self.recorder = recorder
        self.config = config
        self.capacity = dict(config.capacity)
        self.workers: dict[str, PodWorker] = {}
        self.pods: dict[str, dict[str, Any]] = {}  # uid -> latest pod, for the scheduler's accounting
        self._requests: dict[str, Resources] = {}  # uid -> its requests (a pod's resources do not change)
        self._background: set[asyncio.Task[None]] = set()
        self.pids_dir = config.state_dir / "runtime" / "pids"
        self.memory = MemoryEnforcer(config.memory_check_seconds)
        # "secrets", "configmaps", "persistentvolumeclaims" → the informer following them, once the
        # runtime has set it.
        self.sources: dict[str, Informer] = {}

    # -- informer handler ------------------------------------------------------------------------

    def on_pod_event(self, event_type: str, pod: dict[str, Any]) -> None:
        metadata = pod.get("metadata") or {}
        uid = metadata.get("uid", "")
        node = (pod.get("spec") or {}).get("nodeName")
        if node and node != c.NODE_NAME:
            return
        if event_type == "DELETED":
            self.pods.pop(uid, None)
            self._requests.pop(uid, None)
            worker = self.workers.pop(uid, None)
            if worker is not None:
                self._spawn(worker.stop(report=False, remove_files=True))
            return
        self.pods[uid] = pod
        worker = self.workers.get(uid)
        if worker is None:
            worker = PodWorker(pod, self)
            self.workers[uid] = worker
            worker.start()
        else:
            worker.update(pod)
        if metadata.get("deletionTimestamp") and not worker.stopped:
            self._spawn(self._finish_graceful_delete(worker))

    async def _finish_graceful_delete(self, worker: PodWorker) -> None:
        """A graceful delete: stop the containers, report, then let the API server remove the pod."""
        await worker.stop(report=True, remove_files=False)
        options = {
            "kind": "DeleteOptions",
            "apiVersion": "v1",
            "gracePeriodSeconds": 0,
            "preconditions": {"uid": worker.uid},
        }
        delay = 0.2
        for _attempt in range(20):  # retried: a failed final delete would leave the pod Terminating
            try:
                await self.client.delete(resource_path("v1", "pods", worker.namespace, worker.name), options)
                return
            except ApiError as error:
                if error.status in (404, 409):
                    return  # gone already, or a new pod with the same name
                logger.debug("final delete of %s/%s failed: %s", worker.namespace, worker.name, error)
            except Exception as error:
                logger.debug("final delete of %s/%s failed: %s", worker.namespace, worker.name, error)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.create_task(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def spawn(self, coroutine: Any) -> None:
        """Run in the background; the task is kept until it ends (shutdown waits for it)."""
        self._spawn(coroutine)

    def on_source_event(self, kind: str) -> Callable[[str, dict[str, Any]], None]:
        """Informer handler for Secrets (``kind`` "secret") or ConfigMaps ("configMap"): the pods
        whose volumes show the changed object refresh them. A deleted source leaves the files as
        they were, as the kubelet does."""

        def handle(event_type: str, obj: dict[str, Any]) -> None:
            if event_type == "DELETED":
                return
            metadata = obj.get("metadata") or {}
            namespace, name = metadata.get("namespace", ""), metadata.get("name", "")
            version = str(metadata.get("resourceVersion") or "")
            for worker in self.workers.values():
                if worker.namespace == namespace:
                    worker.source_changed(kind, name, version)

        return handle

    # -- services for pod workers ----------------------------------------------------------------

    def bound_pods(self, exclude_uid: str) -> list[dict[str, Any]]:
        """Pods holding node resources: bound (or being started by us) and not finished."""
        result = []
        for uid, pod in self.pods.items():
            worker = self.workers.get(uid)
            bound = (pod.get("spec") or {}).get("nodeName") == c.NODE_NAME or (worker and worker.scheduled)
            if uid != exclude_uid and bound and (pod.get("status") or {}).get("phase") not in ("Succeeded", "Failed"):
                result.append(pod)
        return result

    def requests_of(self, pod: dict[str, Any]) -> Resources:
        """A pod's effective requests, parsed once per pod."""
        uid = (pod.get("metadata") or {}).get("uid", "")
        cached = self._requests.get(uid)
        if cached is None:
            cached = pod_requests(pod)
            if uid in self.pods:  # only pods still known, so a deleted pod's entry is not recreated
                self._requests[uid] = cached
        return cached

    async def exists(self, resource: str, namespace: str, name: str) -> bool:
        """Whether the object is there: the watch's view when it shows it (as the scheduler reads
        its informers), else a read of the API server."""
        informer = self.sources.get(resource)
        if informer is not None and informer.synced.is_set() and (namespace, name) in informer.cache:
            return True
        return await self.client.get(resource_path("v1", resource, namespace, name)) is not None

    async def fetch_data(self, resource: str, namespace: str, name: str) -> dict[str, bytes] | None:
        return (await self.fetch_versioned(resource, namespace, name))[0]

    async def fetch_versioned(
        self, resource: str, namespace: str, name: str, *, fresh: bool = False
    ) -> tuple[dict[str, bytes] | None, str]:
        """A Secret's or ConfigMap's data and the resourceVersion it was read at ("" when absent).

        Served from the watch that follows these objects when it has the object, as the kubelet's
        Watch strategy serves them from its reflector: a few reads per pod for objects already on
        hand were a sizable share of the API server's requests in a burst. ``fresh`` (the periodic
        safety net) and an object the watch has not shown read the API server."""
        informer = None if fresh else self.sources.get(resource)
        obj = informer.cache.get((namespace, name)) if informer is not None and informer.synced.is_set() else None
        if obj is None:
            obj = await self.client.get(resource_path("v1", resource, namespace, name))
        if obj is None:
            return None, ""
        version = str((obj.get("metadata") or {}).get("resourceVersion") or "")
        return (decode_secret(obj) if resource == "secrets" else decode_configmap(obj)), version

    def remember_pid(self, uid: str, container: str, pid: int) -> None:
        with contextlib.suppress(OSError):
            self.pids_dir.mkdir(parents=True, exist_ok=True)
            (self.pids_dir / f"{uid}_{container}.pid").write_text(str(pid))

    def forget_pid(self, uid: str, container: str) -> None:
        with contextlib.suppress(OSError):
            (self.pids_dir / f"{uid}_{container}.pid").unlink()

    # -- node --------------------------------------------------------------------------------------

    async def ensure_node(self) -> None:
        """Register node ``localkube`` (or adopt its capacity if an operator edited it)."""
        path = resource_path("v1", "nodes", name=c.NODE_NAME)
        node = await self.client.get(path)
        if node is None:
            try:
                node = await self.client.create(resource_path("v1", "nodes"), node_manifest(self.capacity))
            except ApiError as error:
                if error.status != 409:
                    raise
        await self.client.patch(path + "/status", {"status": node_status(self.capacity, now_rfc3339())})

    async def run(self) -> None:
        killed = kill_orphans(self.pids_dir)
        if killed:
            logger.warning("killed %d container processes left behind by a previous localkube", len(killed))
        try:
            await self._register_node()
            await asyncio.Event().wait()
        finally:
            await self.shutdown()

    async def _register_node(self) -> None:
        delay = 0.2
        while True:
            try:
                await self.ensure_node()
                return
            except Exception as error:  # the server may still be starting
                logger.debug("node registration failed: %s", error)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def shutdown(self) -> None:
        """Stop every container of every pod; statuses are left for the next start to reconcile."""
        workers, self.workers = list(self.workers.values()), {}
        await asyncio.gather(
            *(worker.stop(report=False, remove_files=False) for worker in workers), return_exceptions=True
        )
        # Let deletes already under way finish killing their processes, within the grace cap.
        if self._background:
            await asyncio.wait(set(self._background), timeout=self.config.max_grace_seconds + 5)
        for task in list(self._background):
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)
        await self.memory.close()
