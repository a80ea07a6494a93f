"""Container processes: one process group each, waited on from a thread, stopped like a kubelet
stops a container (SIGTERM to the group, SIGKILL after the grace period, then reaped)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import threading
from pathlib import Path

# Marks our processes so a restarted localkube can find orphans of a crashed one.
POD_UID_ENV = "LOCALKUBE_POD_UID"


def exit_code(returncode: int) -> int:
    """Popen's -N for "killed by signal N" becomes the 128+N a container runtime reports."""
    return 128 - returncode if returncode < 0 else returncode


class ContainerProcess:
    def __init__(self, argv: list[str], env: dict[str, str], cwd: Path, log_path: Path) -> None:
        self.argv = argv
        self.env = env
        self.cwd = cwd
        self.log_path = log_path
        self._process: subprocess.Popen[bytes] | None = None
        self._exited: asyncio.Future[int] | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def start(self) -> int:
        """Spawn; raises OSError (e.g. command not found) for the caller to report."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        loop = asyncio.get_running_loop()
        self._exited = loop.create_future()
        with open(self.log_path, "ab") as log:
            self._process = subprocess.Popen(
                self.argv,
                env=self.env,
                cwd=self.cwd,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # own process group: we signal the whole container at once
            )
        process, exited = self._process, self._exited

        def wait() -> None:
            code = exit_code(process.wait())
            with contextlib.suppress(RuntimeError):  # loop already closed at shutdown
                loop.call_soon_threadsafe(settle, code)

        def settle(code: int) -> None:
            if not exited.done():
                exited.set_result(code)

        threading.Thread(target=wait, name=f"wait-{process.pid}", daemon=True).start()
        return process.pid

    async def wait(self) -> int:
        assert self._exited is not None
        code = await asyncio.shield(self._exited)
        self._kill_group(signal.SIGKILL)  # leftovers of the group die with the container
        return code

    def _kill_group(self, signum: int) -> None:
        if self._process is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self._process.pid, signum)

    async def stop(self, grace_seconds: float) -> int | None:
        """SIGTERM the group, SIGKILL after ``grace_seconds``; returns the exit code."""
        if self._process is None or self._exited is None:
            return None
        # asyncio.wait, not wait_for: it never cancels the shared future and never swallows a
        # cancellation of the caller (wait_for on Python 3.11 does once the future is done).
        if not self._exited.done():
            self._kill_group(signal.SIGTERM)
            await asyncio.wait({self._exited}, timeout=max(grace_seconds, 0.0))
            if not self._exited.done():
                self._kill_group(signal.SIGKILL)
        await asyncio.wait({self._exited}, timeout=10)
        self._kill_group(signal.SIGKILL)
        return self._exited.result() if self._exited.done() else None


def kill_orphans(pids_dir: Path) -> list[int]:
    """Kill process groups recorded by a previous localkube that died without stopping them.

    A recorded pid is only killed when its environment still carries our pod-uid marker, so a
    recycled pid belonging to something else is left alone.
    """
    killed: list[int] = []
    if not pids_dir.is_dir():
        return killed
    for record in pids_dir.glob("*.pid"):
        try:
            uid, pid = record.stem.split("_", 1)[0], int(record.read_text().strip())
            environ = Path(f"/proc/{pid}/environ").read_bytes()
            if f"{POD_UID_ENV}={uid}".encode() in environ.split(b"\0"):
                os.killpg(pid, signal.SIGKILL)
                killed.append(pid)
        except (OSError, ValueError):
            pass
        with contextlib.suppress(OSError):
            record.unlink()
    return killed
