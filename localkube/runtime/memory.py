"""Memory limits, enforced the way the kernel's cgroup OOM killer does for a real kubelet: a
container whose processes together use more resident memory than ``limits.memory`` is killed
(SIGKILL to its process group) and reported ``terminated`` / ``OOMKilled`` / exit code 137.

One sampler per kubelet reads ``/proc`` once per interval for every watched container, so the cost
does not grow with the number of pods. It samples, so a brief spike between samples can escape.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from localkube.runtime.quantity import parse_quantity

logger = logging.getLogger(__name__)
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
PROC = Path("/proc")


def memory_limit_bytes(container: dict[str, Any]) -> int | None:
    value = ((container.get("resources") or {}).get("limits") or {}).get("memory")
    if value in (None, ""):
        return None
    try:
        return int(parse_quantity(value))
    except ValueError:
        return None  # admission rejects malformed quantities; nothing to enforce here


def resident_bytes_by_group() -> dict[int, int]:
    """Resident memory summed per process group, from /proc/<pid>/stat (pgrp: field 5, rss: 24).

    Read with plain os calls on bytes: this runs twice a second over every process on the machine,
    and pathlib objects and text decoding per file made it a visible share of the kubelet's CPU."""
    totals: dict[int, int] = {}
    for name in os.listdir(PROC):
        if not name.isdigit():
            continue
        try:
            descriptor = os.open(f"/proc/{name}/stat", os.O_RDONLY)
        except OSError:
            continue  # exited meanwhile
        try:
            text = os.read(descriptor, 4096)
        except OSError:
            continue
        finally:
            os.close(descriptor)
        fields = text[text.rfind(b")") + 2 :].split()
        try:
            group, pages = int(fields[2]), int(fields[21])
        except (IndexError, ValueError):
            continue
        totals[group] = totals.get(group, 0) + pages * PAGE_SIZE
    return totals


@dataclass
class Watched:
    group: int
    limit: int
    on_kill: Callable[[int], None]


class MemoryEnforcer:
    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._watched: dict[int, Watched] = {}
        self._task: asyncio.Task[None] | None = None

    def watch(self, group: int, limit: int, on_kill: Callable[[int], None]) -> None:
        """Kill process group ``group`` once it uses more than ``limit`` bytes; ``on_kill(usage)`` first."""
        if self.interval <= 0:
            return
        self._watched[group] = Watched(group, limit, on_kill)
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._loop())

    def forget(self, group: int) -> None:
        self._watched.pop(group, None)

    async def _loop(self) -> None:
        while self._watched:
            await asyncio.sleep(self.interval)
            usage = await asyncio.to_thread(resident_bytes_by_group)
            for watched in list(self._watched.values()):
                used = usage.get(watched.group, 0)
                if used > watched.limit:
                    self.forget(watched.group)
                    watched.on_kill(used)
                    with contextlib.suppress(ProcessLookupError, PermissionError):
                        os.killpg(watched.group, signal.SIGKILL)
                    logger.info(
                        "process group %d used %d bytes over its limit %d: killed", watched.group, used, watched.limit
                    )

    async def close(self) -> None:
        self._watched.clear()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
