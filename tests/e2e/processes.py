"""Real processes for the end-to-end tests: a private redis-server, the Celery worker, the watcher."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from localkube.testing import free_port

T = TypeVar("T")


def wait_for(predicate: Callable[[], T | None], timeout: float, message: str, interval: float = 0.2) -> T:
    """Poll until `predicate()` is truthy; the timeout only bounds a hang, it asserts nothing."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            value = predicate()
        except Exception as error:  # noqa: BLE001 - a probe may fail until the thing is up
            last_error = error
            value = None
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(
        f"timed out after {timeout}s waiting for {message}" + (f" ({last_error})" if last_error else "")
    )


def http_ok(url: str) -> bool:
    with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - a local probe
        return 200 <= response.status < 300


class ManagedProcess:
    """One child process with its output in a log file; SIGTERM-then-SIGKILL on stop."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], log_dir: Path, cwd: Path) -> None:
        self.name = name
        self.argv = argv
        self.env = env
        self.cwd = cwd
        self.log_path = log_dir / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> ManagedProcess:
        log = self.log_path.open("ab")
        # Own process group: SIGKILL reaches the worker's pool threads/children too.
        self.process = subprocess.Popen(
            self.argv, env=self.env, cwd=self.cwd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        return self

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL: no cleanup, no acks — what a crashed node does."""
        if self.process is not None and self.alive:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self, timeout: float = 15) -> None:
        stop_all([self], timeout)

    def terminate(self) -> None:
        """SIGTERM to the process group; `stop` and `stop_all` then wait."""
        if self.process is not None and self.alive:
            os.killpg(self.process.pid, signal.SIGTERM)

    def tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def stop_all(processes: list[ManagedProcess], timeout: float = 15) -> None:
    """SIGTERM to every process first, then wait for each (SIGKILL past `timeout`): their shutdowns
    overlap instead of adding up."""
    for process in processes:
        process.terminate()
    deadline = time.monotonic() + timeout
    for process in processes:
        if process.process is None:
            continue
        try:
            process.process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()


class RedisServer:
    """A private redis-server on a free port, no persistence: a restart loses every key and message."""

    def __init__(self, log_dir: Path) -> None:
        self.port = free_port()
        self.log_dir = log_dir
        self.process: ManagedProcess | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        argv = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process = ManagedProcess("redis", argv, dict(os.environ), self.log_dir, self.log_dir).start()
        wait_for(self._ping, 15, "redis-server to answer")
        return self

    def _ping(self) -> bool:
        with socket.create_connection(("127.0.0.1", self.port), timeout=1) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(16).startswith(b"+PONG")

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()

    def restart(self) -> None:
        self.stop()
        self.start()
