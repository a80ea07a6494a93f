"""Wiring: the informers, the kubelet, the Job and PVC controllers, all on the server's loop."""

from __future__ import annotations

import asyncio
import contextlib
import os
from pathlib import Path
from typing import Any, Protocol

from localkube.interfaces import ObjectReader
from localkube.runtime.apiclient import Informer, KubeClient
from localkube.runtime.events import EventRecorder
from localkube.runtime.imagemap import ImageMapFile
from localkube.runtime.jobcontroller import JobController
from localkube.runtime.kubelet import Kubelet, RuntimeConfig
from localkube.runtime.pvccontroller import PVCController
from localkube.runtime.scheduler import DEFAULT_CAPACITY

DEFAULT_IMAGE_MAP_NAME = "image-map.yaml"


class ControllerContext(Protocol):
    # Read-only members, so the server's dataclass (a Store as its reader) satisfies the protocol.
    @property
    def base_url(self) -> str: ...
    @property
    def admin_token(self) -> str: ...
    @property
    def ca_file(self) -> Any: ...
    @property
    def state_dir(self) -> Path: ...
    @property
    def image_map_file(self) -> Path | None: ...
    @property
    def reader(self) -> ObjectReader: ...
    @property
    def socket_path(self) -> Path | None: ...


def runtime_config(ctx: Any) -> RuntimeConfig:
    """Config from the context, with optional overrides (attributes first, then environment)."""

    def setting(attribute: str, variable: str, default: float) -> float:
        value = getattr(ctx, attribute, None)
        if value is None:
            value = os.environ.get(variable)
        return float(value) if value is not None else default

    capacity = dict(DEFAULT_CAPACITY)
    capacity.update(getattr(ctx, "node_capacity", None) or {})
    for resource, variable in (
        ("cpu", "LOCALKUBE_NODE_CPU"),
        ("memory", "LOCALKUBE_NODE_MEMORY"),
        ("pods", "LOCALKUBE_NODE_PODS"),
    ):
        if os.environ.get(variable):
            capacity[resource] = os.environ[variable]
    # Without --image-map, <state_dir>/image-map.yaml is used when it exists (tests write it there).
    image_map = getattr(ctx, "image_map_file", None) or Path(ctx.state_dir) / DEFAULT_IMAGE_MAP_NAME
    return RuntimeConfig(
        state_dir=Path(ctx.state_dir),
        image_map=ImageMapFile(Path(image_map)),
        capacity=capacity,
        max_grace_seconds=setting("max_grace_seconds", "LOCALKUBE_MAX_GRACE_SECONDS", 10.0),
        backoff_base=setting("backoff_base_seconds", "LOCALKUBE_BACKOFF_BASE_SECONDS", 1.0),
        backoff_cap=setting("backoff_cap_seconds", "LOCALKUBE_BACKOFF_CAP_SECONDS", 30.0),
        sync_seconds=setting("sync_seconds", "LOCALKUBE_SYNC_SECONDS", 1.0),
        volume_resync_seconds=setting("volume_resync_seconds", "LOCALKUBE_VOLUME_RESYNC_SECONDS", 60.0),
        memory_check_seconds=setting("memory_check_seconds", "LOCALKUBE_MEMORY_CHECK_SECONDS", 0.5),
    )


async def start_controllers(ctx: ControllerContext) -> None:
    """Run the runtime until cancelled; on cancellation every container process is stopped."""
    config = runtime_config(ctx)
    client = KubeClient(
        ctx.base_url, ctx.admin_token, str(ctx.ca_file) if ctx.ca_file else None, socket_path=ctx.socket_path
    )
    recorder = EventRecorder(client)
    kubelet = Kubelet(client, recorder, config)
    jobs = JobController(client, recorder, config.backoff_base)
    claims = PVCController(client, recorder, config.state_dir)

    def on_pod(event_type: str, pod: dict[str, Any]) -> None:
        kubelet.on_pod_event(event_type, pod)
        jobs.on_pod_event(event_type, pod)

    pods_informer = Informer(client, "/api/v1/pods", on_pod, "pods")
    jobs.pods = pods_informer
    jobs.jobs = Informer(client, "/apis/batch/v1/jobs", jobs.on_job_event, "jobs")
    claims.claims = Informer(client, "/api/v1/persistentvolumeclaims", claims.on_event, "pvcs")
    # The kubelet's view of the sources of Secret/ConfigMap volumes (refreshed on change, not polled).
    secrets = Informer(client, "/api/v1/secrets", kubelet.on_source_event("secret"), "secrets")
    configmaps = Informer(client, "/api/v1/configmaps", kubelet.on_source_event("configMap"), "configmaps")
    kubelet.sources = {"secrets": secrets, "configmaps": configmaps, "persistentvolumeclaims": claims.claims}
    tasks = [
        asyncio.create_task(kubelet.run(), name="localkube-kubelet"),
        asyncio.create_task(claims.claims.run(), name="localkube-pvc-informer"),
        asyncio.create_task(claims.queue.run(), name="localkube-pvc-controller"),
        asyncio.create_task(pods_informer.run(), name="localkube-pod-informer"),
        asyncio.create_task(jobs.jobs.run(), name="localkube-job-informer"),
        asyncio.create_task(jobs.queue.run(), name="localkube-job-controller"),
        asyncio.create_task(secrets.run(), name="localkube-secret-informer"),
        asyncio.create_task(configmaps.run(), name="localkube-configmap-informer"),
        asyncio.create_task(recorder.run(), name="localkube-event-sender"),
    ]
    try:
        # asyncio.wait, not gather: on cancellation gather would cancel the kubelet at once, racing
        # (and interrupting) the orderly shutdown below.
        done, _pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        for task in done:
            task.result()
    finally:
        # Informers and queues first, so nothing starts a process while the kubelet stops them all.
        for task in tasks[1:]:
            task.cancel()
        await asyncio.gather(*tasks[1:], return_exceptions=True)
        tasks[0].cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await tasks[0]
        await client.close()
