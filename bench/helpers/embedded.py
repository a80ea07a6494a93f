"""The embedded stack (`manage.py run_embedded`, what `make run` starts) as a bench drives it.

Started on free ports with a state directory of its own (AMBIENT_STATE_DIR) and only this
shell's harmless variables; ready once the banner shows the demo user's token and the API
answers /healthz. Stopped with Ctrl-C (SIGINT), as a user stops it.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from localkube.testing import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
PROJECT = "demo"
READY_TIMEOUT_SECONDS = 240.0
TOKEN_LINE = re.compile(r"Demo user token\s+(\S+)")
# Variables of this shell that must not leak into the stack (it makes its own).
FOREIGN = ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL", "KUBECONFIG", "AMBIENT_", "CELERY_")


@dataclass
class EmbeddedStack:
    process: subprocess.Popen[bytes]
    token: str
    api_port: int
    state_dir: Path
    log: Path

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def kubeconfig(self) -> Path:
        return self.state_dir / "localkube" / "kubeconfig"

    def process_log(self, program: str) -> Path:
        """A supervised program's log (api, worker, beat, watcher, localkube, redis)."""
        return self.state_dir / "logs" / f"{program}.log"

    @property
    def broker(self) -> str:
        return "Redis (private)" if (self.state_dir / "redis").exists() else "filesystem (kombu)"


def api(method: str, url: str, token: str, body: dict | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)  # noqa: S310 - loopback
    request.add_header("Authorization", f"Bearer {token}")
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
        text = response.read()
    return json.loads(text) if text else {}


def api_answers(port: int) -> bool:
    """The banner comes once the API was started; it listens a moment later."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:  # noqa: S310
            return response.status == 200
    except OSError:
        return False


def start_stack(state_dir: Path, log: Path, extra_env: Mapping[str, str] | None = None) -> EmbeddedStack:
    """run_embedded on free ports, with `extra_env` (e.g. EMBEDDED_IMAGE_MAP) on top of this shell's."""
    api_port, kube_port = free_port(), free_port()
    argv = [sys.executable, "manage.py", "run_embedded", "--port", str(api_port), "--localkube-port", str(kube_port)]
    argv += ["--redis-port", str(free_port())]
    env = {key: value for key, value in os.environ.items() if not key.startswith(FOREIGN)}
    env["AMBIENT_STATE_DIR"] = str(state_dir)
    env.update(extra_env or {})
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603 - our own command
            argv, cwd=REPO_ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        match = TOKEN_LINE.search(log.read_text(errors="replace"))
        if match and api_answers(api_port):
            return EmbeddedStack(process, match.group(1), api_port, state_dir, log)
        if process.poll() is not None:
            raise RuntimeError(f"run_embedded exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        time.sleep(0.5)
    raise TimeoutError(f"run_embedded was not ready within {READY_TIMEOUT_SECONDS:.0f}s:\n{log.read_text()[-3000:]}")


def stop_stack(stack: EmbeddedStack) -> None:
    """Ctrl-C, as a user stops it; the whole process group if it does not stop in time. Then any
    process still naming the stack's state directory (supervisord or a program it had not stopped
    yet when run_embedded gave up waiting) gets SIGTERM, then SIGKILL: a bench leaves nothing behind."""
    process = stack.process
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        leftovers = _processes_naming(stack.state_dir)
        if not leftovers:
            return
        for pid in leftovers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and _processes_naming(stack.state_dir):
            time.sleep(0.2)


def _processes_naming(state_dir: Path) -> list[int]:
    """Pids whose command line holds the state directory (a fresh temporary one per stack)."""
    marker = str(state_dir).encode()
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if marker in (entry / "cmdline").read_bytes():
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids
