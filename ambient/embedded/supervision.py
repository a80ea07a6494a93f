"""The embedded stack under supervisord: each process restarted with backoff when it dies.

supervisord (the `supervisor` package) runs in the foreground with a config generated here. A
program that exits unexpectedly is restarted at once; one that dies again before `startsecs`
waits 1 s, 2 s, 3 s, … between tries and is given up (FATAL, logged) after START_RETRIES. The
others keep running. Its control socket lives in the owner-only state directory, so only the user
running `make run` (and the tests) can query or drive it.
"""

from __future__ import annotations

import http.client
import os
import shlex
import signal
import subprocess
import sys
import time
import xmlrpc.client
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from supervisor.xmlrpc import SupervisorTransport

from ambient.embedded.private_files import PRIVATE_UMASK, private_directory, private_write

START_RETRIES = 10
STOP_WAIT_SECONDS = 10
SOCKET_NAME = "supervisor.sock"
CONFIG_NAME = "supervisord.conf"
RUNNING = "RUNNING"
GAVE_UP = ("FATAL", "EXITED", "STOPPED")


@dataclass(frozen=True)
class Program:
    name: str
    command: list[str]
    priority: int
    # Infrastructure starts with supervisord; the control plane once localkube has its CRDs.
    autostart: bool
    # Seconds a process must stay up to count as started (a faster death counts as a failed start).
    start_seconds: int = 3


def log_dir(state_dir: Path) -> Path:
    return state_dir / "logs"


def socket_path(state_dir: Path) -> Path:
    return state_dir / SOCKET_NAME


def _value(text: str) -> str:
    return text.replace("%", "%%")  # supervisord expands %(name)s in every value


def render_config(*, state_dir: Path, working_dir: Path, programs: list[Program]) -> str:
    logs = log_dir(state_dir)
    sections = [
        "[supervisord]",
        "nodaemon=true",
        f"logfile={_value(str(logs / 'supervisord.log'))}",
        "logfile_maxbytes=10MB",
        "logfile_backups=2",
        f"pidfile={_value(str(state_dir / 'supervisord.pid'))}",
        f"childlogdir={_value(str(logs))}",
        f"directory={_value(str(working_dir))}",
        f"umask={PRIVATE_UMASK:03o}",
        "identifier=ambient-embedded",
        # Run as whoever runs `make run`; naming root when that is root only silences a warning.
        *(["user=root"] if os.geteuid() == 0 else []),
        "",
        "[unix_http_server]",
        f"file={_value(str(socket_path(state_dir)))}",
        "chmod=0700",
        "",
        "[rpcinterface:supervisor]",
        "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
        "",
    ]
    for program in programs:
        sections += [
            f"[program:{program.name}]",
            f"command={_value(shlex.join(program.command))}",
            f"priority={program.priority}",
            f"autostart={'true' if program.autostart else 'false'}",
            "autorestart=true",
            f"startsecs={program.start_seconds}",
            f"startretries={START_RETRIES}",
            "stopsignal=TERM",
            f"stopwaitsecs={STOP_WAIT_SECONDS}",
            # Signals reach the whole process group (Celery's and localkube's children too).
            "stopasgroup=true",
            "killasgroup=true",
            "redirect_stderr=true",
            f"stdout_logfile={_value(str(logs / f'{program.name}.log'))}",
            "stdout_logfile_maxbytes=20MB",
            "stdout_logfile_backups=2",
            "",
        ]
    return "\n".join(sections)


def write_config(*, state_dir: Path, working_dir: Path, programs: list[Program]) -> Path:
    private_directory(log_dir(state_dir))
    text = render_config(state_dir=state_dir, working_dir=working_dir, programs=programs)
    return private_write(state_dir / CONFIG_NAME, text)


def supervisord_start(*, config: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """supervisord in the foreground, in its own session: Ctrl-C reaches run_embedded, which stops it."""
    return subprocess.Popen(
        [sys.executable, "-m", "supervisor.supervisord", "--nodaemon", "--configuration", str(config)],
        env=env,
        start_new_session=True,
    )


def supervisord_stop(process: subprocess.Popen[bytes], *, grace_seconds: float = 60.0) -> None:
    """SIGTERM: supervisord stops every program (reverse priority: control plane, localkube, Redis)."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=grace_seconds)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


class Supervisor:
    """A client of one supervisord's control socket."""

    def __init__(self, state_dir: Path) -> None:
        self._server_url = f"unix://{socket_path(state_dir)}"

    def _rpc(self) -> Any:
        # A fresh connection per call: one that failed mid-request cannot be reused.
        transport = SupervisorTransport(None, None, serverurl=self._server_url)
        return xmlrpc.client.ServerProxy("http://127.0.0.1", transport=transport).supervisor

    def answering(self) -> bool:
        try:
            return self._rpc().getState()["statename"] == RUNNING
        except (OSError, http.client.HTTPException, xmlrpc.client.Error):
            return False

    def processes(self) -> dict[str, dict[str, Any]]:
        """name → supervisord's info (statename, pid, start, …) for every program."""
        return {info["name"]: info for info in self._rpc().getAllProcessInfo()}

    def pids(self) -> dict[str, int]:
        return {name: info["pid"] for name, info in self.processes().items()}

    def start(self, name: str) -> None:
        self._rpc().startProcess(name, False)

    def wait_answering(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.answering():
                return True
            time.sleep(0.2)
        return False
