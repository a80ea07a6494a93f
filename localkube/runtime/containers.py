"""One container's life inside a pod: image "pull", config, start, probes, exit, restart back-off.

Everything the kubelet would report along the way is written into the container's
``ContainerRecord`` and announced with ``pod.changed()``; the pod worker turns that into status.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from typing import TYPE_CHECKING, Any

import aiohttp

from localkube.runtime import constants as c
from localkube.runtime.apiclient import ApiError
from localkube.runtime.clock import now_rfc3339
from localkube.runtime.envresolve import ContainerConfigError, Lookup, referenced_objects, resolve_env
from localkube.runtime.imagemap import ImageEntry, invalid_image_message, is_valid_image_name
from localkube.runtime.launch import CreateContainerError, Launch, build_launch, runtime_env
from localkube.runtime.memory import memory_limit_bytes
from localkube.runtime.podstatus import ContainerRecord
from localkube.runtime.probes import run_probe
from localkube.runtime.process import ContainerProcess
from localkube.runtime.volumes import container_mounts

if TYPE_CHECKING:
    from localkube.runtime.podworker import PodWorker

logger = logging.getLogger(__name__)


class ContainerRunner:
    def __init__(self, pod: PodWorker, spec: dict[str, Any], record: ContainerRecord) -> None:
        self.pod = pod
        self.spec = spec
        self.record = record
        self.process: ContainerProcess | None = None
        self.field_path = f"spec.{'initContainers' if record.init else 'containers'}{{{record.name}}}"
        self._pulled = False
        self.stopping = False  # set by stop(): an exit then is final, whatever the restart policy

    @property
    def log_path(self) -> Any:
        return self.pod.log_dir / f"{self.record.name}.log"

    async def event(self, reason: str, message: str, *, warning: bool = False) -> None:
        await self.pod.kubelet.recorder.record(
            self.pod.pod, reason, message, component=c.COMPONENT_KUBELET, warning=warning, field_path=self.field_path
        )

    def wait_with(self, reason: str, message: str | None = None) -> None:
        self.record.state, self.record.reason, self.record.message = "waiting", reason, message
        self.record.ready = False
        self.pod.changed()

    def _will_restart(self, code: int) -> bool:
        if self.stopping:
            return False
        if self.record.sidecar:
            return True
        policy = self.pod.restart_policy
        if self.record.init:
            return code != 0 and policy != "Never"
        return policy == "Always" or (policy == "OnFailure" and code != 0)

    async def run(self) -> int:
        """Run until the container is done for good; return its last exit code."""
        config = self.pod.kubelet.config
        delay = config.backoff_base
        while True:
            launch = await self._prepare()
            started = time.monotonic()
            code = await self._run_once(launch)
            if not self._will_restart(code):
                return code
            if time.monotonic() - started > 60:
                delay = config.backoff_base  # it ran fine for a while: forget earlier crashes
            self._rotate_log()
            self.record.last_terminated = self.record.status()["state"]["terminated"]
            self.record.restart_count += 1
            pod_ref = f"{self.pod.name}_{self.pod.namespace}({self.pod.uid})"
            self.wait_with(
                c.REASON_CRASH_LOOP_BACKOFF,
                f"back-off {delay:g}s restarting failed container={self.record.name} pod={pod_ref}",
            )
            await self.event(
                "BackOff", f"Back-off restarting failed container {self.record.name} in pod {pod_ref}", warning=True
            )
            await asyncio.sleep(delay)
            delay = min(delay * 2, config.backoff_cap)

    def _rotate_log(self) -> None:
        with contextlib.suppress(OSError):
            self.log_path.replace(self.log_path.with_suffix(".previous"))

    async def _resolve_image(self) -> ImageEntry:
        """The image map entry, reporting pull errors with back-off until one appears."""
        config = self.pod.kubelet.config
        delay = config.backoff_base * 2
        image = str(self.spec.get("image") or "")
        while True:
            if not is_valid_image_name(image):
                message = invalid_image_message(image)
                self.wait_with(c.REASON_INVALID_IMAGE_NAME, message)
                await self.event("InspectFailed", message, warning=True)
                await self.event("Failed", f"Error: {c.REASON_INVALID_IMAGE_NAME}", warning=True)
                await asyncio.sleep(config.backoff_cap)
                continue
            entry = config.image_map.current().resolve(image)
            if entry is not None:
                if not self._pulled:
                    self._pulled = True
                    await self.event("Pulled", f'Container image "{image}" already present on machine')
                return entry
            await self.event("Pulling", f'Pulling image "{image}"')
            hint = config.image_map.error or "no mapping for it in the localkube image map"
            message = (
                f'Failed to pull image "{image}": rpc error: code = NotFound desc = failed to pull and unpack '
                f'image "{image}": {hint}'
            )
            self.wait_with(c.REASON_ERR_IMAGE_PULL, message)
            await self.event("Failed", message, warning=True)
            await self.event("Failed", f"Error: {c.REASON_ERR_IMAGE_PULL}", warning=True)
            await asyncio.sleep(min(0.5, delay))
            backoff_message = f'Back-off pulling image "{image}"'
            self.wait_with(c.REASON_IMAGE_PULL_BACKOFF, backoff_message)
            await self.event("BackOff", backoff_message)
            await self.event("Failed", f"Error: {c.REASON_IMAGE_PULL_BACKOFF}", warning=True)
            await asyncio.sleep(delay)
            delay = min(delay * 2, config.backoff_cap)

    async def _prepare(self) -> Launch:
        config = self.pod.kubelet.config
        delay = config.backoff_base
        while True:
            entry = await self._resolve_image()
            try:
                secret_names, configmap_names = referenced_objects(self.spec)
                kubelet, namespace = self.pod.kubelet, self.pod.namespace
                secrets = {name: await kubelet.fetch_data("secrets", namespace, name) for name in secret_names}
                configmaps = {name: await kubelet.fetch_data("configmaps", namespace, name) for name in configmap_names}
                # The kubelet knows the pod's IP and node before containers start, even if the
                # status carrying them has not been written yet.
                pod = self.pod.pod
                pod_for_env = {
                    **pod,
                    "spec": {**(pod.get("spec") or {}), "nodeName": c.NODE_NAME},
                    "status": {**(pod.get("status") or {}), "podIP": c.POD_IP, "hostIP": c.POD_IP},
                }
                pod_env = resolve_env(
                    pod_for_env,
                    self.spec,
                    secrets=_decoded_lookup(secrets),
                    configmaps=_decoded_lookup(configmaps),
                    base=runtime_env(self.pod.pod, self.pod.ports),
                )
                map_path = config.image_map.path
                return build_launch(
                    entry=entry,
                    container=self.spec,
                    pod=self.pod.pod,
                    pod_env=pod_env,
                    ports=self.pod.ports,
                    mounts=container_mounts(self.spec, self.pod.volume_paths),
                    pod_dir=self.pod.pod_dir,
                    map_dir=str(map_path.parent) if map_path else "",
                    host_env=os.environ,
                )
            except (ApiError, aiohttp.ClientError, OSError) as error:
                # Reading a Secret/ConfigMap failed transiently: not the pod's fault, just retry.
                logger.debug("container %s: %s; retrying", self.record.name, error)
            except (ContainerConfigError, CreateContainerError) as error:
                reason = (
                    c.REASON_CREATE_CONTAINER_CONFIG_ERROR
                    if isinstance(error, ContainerConfigError)
                    else c.REASON_CREATE_CONTAINER_ERROR
                )
                self.wait_with(reason, str(error))
                await self.event("Failed", f"Error: {error}", warning=True)
            await asyncio.sleep(delay)
            delay = min(delay * 2, config.backoff_cap)

    async def _run_once(self, launch: Launch) -> int:
        launch.cwd.mkdir(parents=True, exist_ok=True)
        self.process = ContainerProcess(launch.argv, launch.env, launch.cwd, self.log_path)
        record = self.record
        now = now_rfc3339()
        try:
            pid = self.process.start()
        except OSError as error:
            record.state, record.reason, record.exit_code = "terminated", "StartError", 128
            record.message = f"failed to start container process: exec: {launch.argv[0]!r}: {error.strerror}"
            record.started_at = record.finished_at = now
            self.pod.changed()
            await self.event("Failed", f"Error: {record.message}", warning=True)
            return 128
        self.pod.kubelet.remember_pid(self.pod.uid, record.name, pid)
        memory_limit = memory_limit_bytes(self.spec)
        oom_usage: list[int] = []
        if memory_limit is not None:
            # The process is its group's leader (own session), so its pid names the whole container.
            self.pod.kubelet.memory.watch(pid, memory_limit, oom_usage.append)
        record.state, record.reason, record.message, record.exit_code = "running", None, None, None
        record.started_at, record.finished_at = now, None
        record.container_id = f"localkube://{pid}"
        record.ready = "readinessProbe" not in self.spec
        self.pod.changed()
        await self.event("Created", f"Created container {record.name}")
        await self.event("Started", f"Started container {record.name}")
        probes = [asyncio.create_task(self._readiness(launch))]
        if "livenessProbe" in self.spec:
            probes.append(asyncio.create_task(self._liveness(launch)))
        try:
            code = await self.process.wait()
        finally:
            for task in probes:
                task.cancel()
            self.pod.kubelet.memory.forget(pid)
            self.pod.kubelet.forget_pid(self.pod.uid, record.name)
            await asyncio.gather(*probes, return_exceptions=True)  # reaped, so none outlives the loop
        record.state, record.exit_code, record.finished_at = "terminated", code, now_rfc3339()
        record.reason = c.REASON_COMPLETED if code == 0 else c.REASON_ERROR
        if oom_usage:
            record.reason = c.REASON_OOM_KILLED
            await self.event(
                "OOMKilled",
                f"Container {record.name} used {oom_usage[0]} bytes of memory, over its limit "
                f"{self.spec['resources']['limits']['memory']}; killed",
                warning=True,
            )
        record.ready = False
        self.pod.changed()
        return code

    async def stop(self, grace: float) -> None:
        self.stopping = True
        if self.process is not None and self.record.state == "running":
            await self.event("Killing", f"Stopping container {self.record.name}")
            code = await self.process.stop(grace)
            record = self.record
            record.state, record.exit_code, record.finished_at = "terminated", code, now_rfc3339()
            record.reason, record.ready = c.REASON_ERROR if code else c.REASON_COMPLETED, False

    async def _probe_loop(self, probe: dict[str, Any], launch: Launch, on_result: Any) -> None:
        await asyncio.sleep(float(probe.get("initialDelaySeconds") or 0))
        successes = failures = 0
        while True:
            result = await run_probe(probe, self.spec, self.pod.ports, launch.env, str(launch.cwd))
            if result.ok:
                successes, failures = successes + 1, 0
            else:
                successes, failures = 0, failures + 1
            if await on_result(result, successes, failures):
                return
            await asyncio.sleep(float(probe.get("periodSeconds") or 10))

    async def _readiness(self, launch: Launch) -> None:
        probe = self.spec.get("readinessProbe")
        if not probe:
            return

        async def on_result(result: Any, successes: int, failures: int) -> bool:
            if result.ok and successes >= int(probe.get("successThreshold") or 1) and not self.record.ready:
                self.record.ready = True
                self.pod.changed()
            elif not result.ok:
                await self.event("Unhealthy", f"Readiness probe failed: {result.message}", warning=True)
                if failures >= int(probe.get("failureThreshold") or 3) and self.record.ready:
                    self.record.ready = False
                    self.pod.changed()
            return False

        await self._probe_loop(probe, launch, on_result)

    async def _liveness(self, launch: Launch) -> None:
        probe = self.spec["livenessProbe"]

        async def on_result(result: Any, _successes: int, failures: int) -> bool:
            if result.ok:
                return False
            await self.event("Unhealthy", f"Liveness probe failed: {result.message}", warning=True)
            if failures >= int(probe.get("failureThreshold") or 3) and self.process is not None:
                await self.event("Killing", f"Container {self.record.name} failed liveness probe, will be restarted")
                await self.process.stop(self.pod.grace_seconds())
                # Done for this run of the container; ending here also matters because the caller's
                # cancel can be swallowed by wait_for (Python 3.11) once the process has exited.
                return True
            return False

        await self._probe_loop(probe, launch, on_result)


def _decoded_lookup(fetched: dict[str, dict[str, bytes] | None]) -> Lookup:
    return lambda name: _decoded(fetched.get(name))


def _decoded(data: dict[str, bytes] | None) -> dict[str, str] | None:
    if data is None:
        return None
    return {key: value.decode(errors="replace") for key, value in data.items()}
