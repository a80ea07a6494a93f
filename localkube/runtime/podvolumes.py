"""A pod's Secret- and ConfigMap-backed volumes: filled before its containers start, refreshed when
the kubelet's watch sees a source change, and re-read now and then as a safety net behind the watch."""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Any

from localkube.runtime import constants as c
from localkube.runtime.volumes import SourcedVolume, newer_version, projected_files, sync_directory

if TYPE_CHECKING:
    from localkube.runtime.kubelet import Kubelet


class VolumeSources:
    def __init__(self, pod: dict[str, Any], kubelet: Kubelet) -> None:
        self.pod = pod
        self.kubelet = kubelet
        self.namespace = str(pod["metadata"].get("namespace", ""))
        self.sourced: list[SourcedVolume] = []
        # From set-up until the pod is done: a watched change of a source refreshes its volumes.
        self.live = False
        # (kind, name) → the resourceVersion a volume was last filled from: a watch event that is
        # not newer (the informer lags behind our own read) needs no second read.
        self._filled: dict[tuple[str, str], str] = {}

    async def set_up(self, sourced: list[SourcedVolume]) -> None:
        """Fill every volume, waiting (with a FailedMount Event) while a required source is missing."""
        self.sourced = sourced
        # Before the first fill reads the sources: a change from here on refreshes them again.
        self.live = True
        for volume in self.sourced:
            while (failure := await self._fill(volume)) is not None:
                await self.kubelet.recorder.record(
                    self.pod, "FailedMount", failure, component=c.COMPONENT_KUBELET, warning=True
                )
                await asyncio.sleep(self.kubelet.config.sync_seconds)

    async def resync_loop(self) -> None:
        """Re-read every volume now and then: the safety net behind the watch."""
        while True:
            await asyncio.sleep(self.kubelet.config.volume_resync_seconds)
            for volume in self.sourced:
                with contextlib.suppress(Exception):
                    await self._fill(volume, fresh=True)

    def source_changed(self, kind: str, name: str, version: str = "") -> None:
        if not self.live:
            return  # not set up yet (the first fill reads the sources) or the pod is done
        if version and not newer_version(version, self._filled.get((kind, name), "")):
            return
        for volume in self.sourced:
            if any(source_kind == kind and source == name for source_kind, source, _, _ in volume.sources):
                self.kubelet.spawn(self._refill(volume))

    async def _refill(self, volume: SourcedVolume) -> None:
        with contextlib.suppress(Exception):  # a source gone meanwhile keeps the files it had
            await self._fill(volume)

    async def _fill(self, volume: SourcedVolume, *, fresh: bool = False) -> str | None:
        """Write one volume; return the kubelet's FailedMount text if a source is missing."""
        files: dict[str, bytes] = {}
        for kind, name, items, optional in volume.sources:
            resource = "secrets" if kind == "secret" else "configmaps"
            data, version = await self.kubelet.fetch_versioned(resource, self.namespace, name, fresh=fresh)
            if version:
                self._filled[(kind, name)] = version
            if data is None:
                if optional:
                    continue
                return f'MountVolume.SetUp failed for volume "{volume.name}" : {kind.lower()} "{name}" not found'
            files.update(projected_files(data, list(items)))
        sync_directory(volume.directory, files, volume.mode)
        return None
