"""One pod on node ``localkube``: schedule, volumes, ports, init containers then containers, and
the status the kubelet reports for all of it."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import shutil
import socket
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from localkube.runtime import constants as c
from localkube.runtime.apiclient import ApiError, resource_path
from localkube.runtime.clock import now_rfc3339
from localkube.runtime.containers import ContainerRunner
from localkube.runtime.launch import container_ports
from localkube.runtime.podstatus import ContainerRecord, PodView, pod_status
from localkube.runtime.podvolumes import VolumeSources
from localkube.runtime.scheduler import insufficient_resources, unschedulable_message
from localkube.runtime.volumes import log_dir, plan_volumes, pod_dir

if TYPE_CHECKING:
    from localkube.runtime.kubelet import Kubelet

logger = logging.getLogger(__name__)
LOST_MESSAGE = "The container could not be located when the pod was terminated"


def free_port() -> int:
    """A free port on 127.0.0.1 (the race with other binders is acceptable for a dev runtime)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PodWorker:
    def __init__(self, pod: dict[str, Any], kubelet: Kubelet) -> None:
        self.pod = pod
        self.kubelet = kubelet
        metadata, spec = pod["metadata"], pod.get("spec") or {}
        self.namespace, self.name, self.uid = metadata.get("namespace", ""), metadata["name"], metadata["uid"]
        self.restart_policy = spec.get("restartPolicy") or "Always"
        state_dir = kubelet.config.state_dir
        self.pod_dir = pod_dir(state_dir, self.namespace, self.name, self.uid)
        self.log_dir = log_dir(state_dir, self.namespace, self.name, self.uid)
        self.init_runners = [
            ContainerRunner(
                self,
                spec_,
                ContainerRecord(
                    spec_["name"], spec_.get("image", ""), init=True, sidecar=spec_.get("restartPolicy") == "Always"
                ),
            )
            for spec_ in spec.get("initContainers") or []
        ]
        waiting = c.REASON_POD_INITIALIZING if self.init_runners else c.REASON_CONTAINER_CREATING
        self.runners = [
            ContainerRunner(self, spec_, ContainerRecord(spec_["name"], spec_.get("image", ""), reason=waiting))
            for spec_ in spec.get("containers") or []
        ]
        self.scheduled = spec.get("nodeName") == c.NODE_NAME
        self.unschedulable: str | None = None
        self.start_time: str | None = (pod.get("status") or {}).get("startTime")
        self.ports: dict[int, int] = {}
        self._ports_annotated = False
        self.volume_paths: dict[str, Any] = {}
        self.volume_sources = VolumeSources(pod, kubelet)
        self.lost = False
        self._dirty = asyncio.Event()
        self._written: dict[str, Any] | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._status_task: asyncio.Task[None] | None = None
        self.stopped = False
        self._stopping: asyncio.Future[None] | None = None

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> None:
        self._status_task = asyncio.create_task(self._status_loop())
        self._tasks = [asyncio.create_task(self._run()), self._status_task]

    def update(self, pod: dict[str, Any]) -> None:
        self.pod = pod

    def grace_seconds(self) -> float:
        # A delete may shorten the grace period; the API server records it on the pod.
        requested = self.pod["metadata"].get("deletionGracePeriodSeconds")
        if requested is None:
            requested = (self.pod.get("spec") or {}).get("terminationGracePeriodSeconds")
        requested = 30 if requested is None else float(requested)
        return min(requested, self.kubelet.config.max_grace_seconds)

    def changed(self) -> None:
        self._dirty.set()

    async def stop(self, *, report: bool, remove_files: bool) -> None:
        """Kill every container (SIGTERM, SIGKILL after the grace period) and stop the worker."""
        if self.stopped:
            if self._stopping is not None:
                await self._stopping
            if remove_files:
                self.remove_files()
            return
        self.stopped = True
        self._stopping = asyncio.get_running_loop().create_future()
        try:
            await self._stop(report=report)
        finally:
            self._stopping.set_result(None)
        if remove_files:
            self.remove_files()

    def remove_files(self) -> None:
        shutil.rmtree(self.pod_dir, ignore_errors=True)
        shutil.rmtree(self.log_dir, ignore_errors=True)

    async def _stop(self, *, report: bool) -> None:
        status_task = self._status_task
        others = [task for task in self._tasks if task is not status_task]
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)
        grace = self.grace_seconds()
        await asyncio.gather(
            *(runner.stop(grace) for runner in [*self.init_runners, *self.runners]), return_exceptions=True
        )
        if report:
            with contextlib.suppress(Exception):
                await self._write_status()
        if status_task is not None:
            status_task.cancel()
            await asyncio.gather(status_task, return_exceptions=True)

    async def _run(self) -> None:
        phase = (self.pod.get("status") or {}).get("phase")
        if phase in ("Succeeded", "Failed"):
            return  # finished in an earlier localkube run; nothing left to do
        if self._lost_after_restart():
            self._mark_lost()
            return
        volume_sync: asyncio.Task[None] | None = None
        try:
            await self._retrying(self._schedule, "scheduling")
            await self._retrying(self._setup_volumes, "volume setup")
            if not self._ports_annotated:  # the binding carries them, unless the pod came bound
                self._allocate_ports()
                await self._retrying(self._annotate_ports, "port annotation")
            volume_sync = asyncio.create_task(self.volume_sources.resync_loop())
            sidecars = []
            for runner in self.init_runners:
                if runner.record.sidecar:
                    sidecars.append(runner)
                    self._tasks.append(asyncio.create_task(self._run_sidecar(runner)))
                    while runner.record.started_at is None and runner.record.restart_count == 0:
                        await asyncio.sleep(0.05)  # kube starts the next init step once the sidecar has started
                elif await runner.run() != 0:
                    return  # restartPolicy Never: the pod has failed
            for runner in self.runners:
                runner.record.reason = c.REASON_CONTAINER_CREATING
            self.changed()
            await asyncio.gather(*(runner.run() for runner in self.runners))
            # The main containers are done for good: sidecars are stopped, as the kubelet does.
            await asyncio.gather(*(runner.stop(self.grace_seconds()) for runner in sidecars))
            self.changed()
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("pod %s/%s: runtime error", self.namespace, self.name)
        finally:
            self.volume_sources.live = False  # a finished pod's volumes need no refreshing
            if volume_sync is not None:
                volume_sync.cancel()

    async def _retrying(self, step: Callable[[], Awaitable[None]], what: str) -> None:
        """Run an API-dependent step until it succeeds: a transient 500 or a dropped connection must
        not strand the pod (kubelet retries every sync too)."""
        delay = 0.2
        while True:
            try:
                await step()
                return
            except asyncio.CancelledError:
                raise
            except Exception as error:
                logger.debug("pod %s/%s: %s failed (%s); retrying", self.namespace, self.name, what, error)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def _run_sidecar(self, runner: ContainerRunner) -> None:
        await runner.run()

    # -- restart of localkube ---------------------------------------------------------------------

    def _lost_after_restart(self) -> bool:
        """Container states in a pod we have not started ourselves come from a previous localkube,
        whose processes are gone: report that rather than pretend they still run."""
        status = self.pod.get("status") or {}
        for entry in [*(status.get("initContainerStatuses") or []), *(status.get("containerStatuses") or [])]:
            state = entry.get("state") or {}
            if "running" in state or "terminated" in state or entry.get("lastState") or entry.get("restartCount"):
                return True
        return False

    def _mark_lost(self) -> None:
        status = self.pod.get("status") or {}
        old = {
            entry["name"]: entry
            for entry in [*(status.get("initContainerStatuses") or []), *(status.get("containerStatuses") or [])]
        }
        now = now_rfc3339()
        for runner in [*self.init_runners, *self.runners]:
            record, entry = runner.record, old.get(runner.record.name) or {}
            state = entry.get("state") or {}
            record.restart_count = int(entry.get("restartCount") or 0)
            record.container_id = entry.get("containerID", "")
            if "terminated" in state:
                terminated = state["terminated"]
                record.state, record.exit_code = "terminated", terminated.get("exitCode")
                record.reason, record.message = terminated.get("reason"), terminated.get("message")
                record.started_at, record.finished_at = terminated.get("startedAt"), terminated.get("finishedAt")
            else:
                record.state, record.exit_code = "terminated", c.EXIT_CODE_UNKNOWN
                record.reason, record.message = c.REASON_STATUS_UNKNOWN, LOST_MESSAGE
                record.started_at = (state.get("running") or {}).get("startedAt")
                record.finished_at = now
        self.scheduled = True
        self.lost = True
        self.changed()

    # -- scheduling -------------------------------------------------------------------------------

    async def _schedule(self) -> None:
        while not self.scheduled:
            message = await self._unfit_reason()
            if message is None:
                break
            if message != self.unschedulable:
                self.unschedulable = message
                self.changed()
                await self.kubelet.recorder.record(
                    self.pod, "FailedScheduling", message, component=c.COMPONENT_SCHEDULER, warning=True
                )
            await asyncio.sleep(self.kubelet.config.sync_seconds)
        if not (self.pod.get("spec") or {}).get("nodeName"):
            # The host ports go with the binding: one write of the pod instead of two.
            self._allocate_ports()
            binding: dict[str, Any] = {"spec": {"nodeName": c.NODE_NAME}}
            if self.ports:
                binding["metadata"] = {"annotations": {c.HOST_PORTS_ANNOTATION: self._ports_value()}}
            await self.kubelet.client.patch(resource_path("v1", "pods", self.namespace, self.name), binding)
            self._ports_annotated = True
            await self.kubelet.recorder.record(
                self.pod,
                "Scheduled",
                f"Successfully assigned {self.namespace}/{self.name} to {c.NODE_NAME}",
                component=c.COMPONENT_SCHEDULER,
            )
        self.scheduled, self.unschedulable = True, None
        self.start_time = self.start_time or now_rfc3339()
        self.changed()

    async def _unfit_reason(self) -> str | None:
        for volume in (self.pod.get("spec") or {}).get("volumes") or []:
            claim = (volume.get("persistentVolumeClaim") or {}).get("claimName")
            if claim and not await self.kubelet.exists("persistentvolumeclaims", self.namespace, claim):
                return f'0/1 nodes are available: persistentvolumeclaim "{claim}" not found.'
        missing = insufficient_resources(
            self.pod, self.kubelet.capacity, self.kubelet.bound_pods(self.uid), self.kubelet.requests_of
        )
        return unschedulable_message(missing) if missing else None

    # -- volumes and ports ------------------------------------------------------------------------

    async def _setup_volumes(self) -> None:
        self.volume_paths, sourced = plan_volumes(self.pod, self.kubelet.config.state_dir, self.pod_dir)
        for path in self.volume_paths.values():
            path.mkdir(parents=True, exist_ok=True)
        await self.volume_sources.set_up(sourced)

    def source_changed(self, kind: str, name: str, version: str = "") -> None:
        """The kubelet's watch saw Secret/ConfigMap ``name`` change: refresh the volumes showing it."""
        self.volume_sources.source_changed(kind, name, version)

    def _allocate_ports(self) -> None:
        self.ports = {port: free_port() for port in container_ports(self.pod)}

    async def _annotate_ports(self) -> None:
        if not self.ports:
            return
        await self.kubelet.client.patch(
            resource_path("v1", "pods", self.namespace, self.name),
            {"metadata": {"annotations": {c.HOST_PORTS_ANNOTATION: self._ports_value()}}},
        )
        self._ports_annotated = True

    def _ports_value(self) -> str:
        return json.dumps({str(port): host for port, host in self.ports.items()}, sort_keys=True)

    # -- status -----------------------------------------------------------------------------------

    def view(self) -> PodView:
        return PodView(
            restart_policy="Never" if self.lost else self.restart_policy,
            init=[runner.record for runner in self.init_runners],
            containers=[runner.record for runner in self.runners],
            scheduled=self.scheduled,
            unschedulable_message=self.unschedulable,
            start_time=self.start_time,
            extra={"reason": c.REASON_STATUS_UNKNOWN, "message": "localkube restarted; the pod's processes are gone"}
            if self.lost
            else {},
        )

    async def _write_status(self) -> None:
        # Our own last write is fresher than the watched copy, which may lag behind it.
        status = pod_status(self.view(), self._written or self.pod.get("status"), now_rfc3339())
        if status == self._written:
            return
        try:
            updated = await self.kubelet.client.patch(
                resource_path("v1", "pods", self.namespace, self.name, "status"), {"status": status}
            )
        except ApiError as error:
            if error.status == 404:
                return
            raise
        self._written = status
        if updated:
            self.pod = updated

    async def _status_loop(self) -> None:
        while True:
            await self._dirty.wait()
            self._dirty.clear()
            try:
                await self._write_status()
            except asyncio.CancelledError:
                raise
            except Exception as error:  # transient: try again shortly
                logger.debug("pod %s/%s: status write failed: %s", self.namespace, self.name, error)
                await asyncio.sleep(0.5)
                self._dirty.set()
            await asyncio.sleep(0.02)  # coalesce bursts of changes into one write
