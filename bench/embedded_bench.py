"""One session at a time in the embedded stack (`manage.py run_embedded`), as a user would see it.

Starts run_embedded on free ports with a state directory of its own (AMBIENT_STATE_DIR), then 20
times: create an interactive session through the API (the demo user's token), time create →
first status and create → Running with a watch on localkube, delete it, wait until it is gone.
Prints a table, then one JSON line. Usage: python bench/embedded_bench.py [--sessions 20]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from functools import partial
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ambient.settings.test")

from django.conf import settings  # noqa: E402

from ambient import kube  # noqa: E402
from bench.helpers.report import figures_print  # noqa: E402
from bench.helpers.support import SessionWatch, median, percentile  # noqa: E402
from localkube.testing import free_port  # noqa: E402

PROJECT = "demo"
READY_TIMEOUT_SECONDS = 240.0
TOKEN_LINE = re.compile(r"Demo user token\s+(\S+)")
# Variables of this shell that must not leak into the stack (it makes its own).
FOREIGN = ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL", "KUBECONFIG", "AMBIENT_", "CELERY_")


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


def start_stack(state_dir: Path, log: Path) -> tuple[subprocess.Popen[bytes], str, int]:
    """run_embedded on free ports; returns the process, the demo token and the API port."""
    api_port, kube_port = free_port(), free_port()
    argv = [sys.executable, "manage.py", "run_embedded", "--port", str(api_port), "--localkube-port", str(kube_port)]
    help_text = subprocess.run(  # noqa: S603 - our own command
        [sys.executable, "manage.py", "run_embedded", "--help"], capture_output=True, text=True, cwd=REPO_ROOT
    ).stdout
    if "--redis-port" in help_text:
        argv += ["--redis-port", str(free_port())]
    env = {key: value for key, value in os.environ.items() if not key.startswith(FOREIGN)}
    env["AMBIENT_STATE_DIR"] = str(state_dir)
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603 - our own command
            argv, cwd=REPO_ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        match = TOKEN_LINE.search(log.read_text(errors="replace"))
        if match and api_answers(api_port):
            return process, match.group(1), api_port
        if process.poll() is not None:
            raise RuntimeError(f"run_embedded exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        time.sleep(0.5)
    raise TimeoutError(f"run_embedded was not ready within {READY_TIMEOUT_SECONDS:.0f}s:\n{log.read_text()[-3000:]}")


def stop_stack(process: subprocess.Popen[bytes]) -> None:
    """Ctrl-C, as a user stops it; the whole process group if it does not stop in time."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


def broker_of(state_dir: Path) -> str:
    return "Redis (private)" if (state_dir / "redis").exists() else "filesystem (kombu)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20, help="sessions created one after another")
    options = parser.parse_args()
    state_dir = Path(tempfile.mkdtemp(prefix="embedded-bench-"))
    log = state_dir.parent / f"{state_dir.name}.log"
    process, token, api_port = start_stack(state_dir, log)
    base = f"http://127.0.0.1:{api_port}/api/projects/{PROJECT}/agentic-sessions"
    first_status: list[float] = []
    running: list[float] = []
    watch = None
    try:
        settings.KUBECONFIG = str(state_dir / "localkube" / "kubeconfig")
        watch = SessionWatch(kube.control_plane_gateway(), PROJECT).start()

        def is_running(name: str) -> bool:
            return name in watch.running

        for index in range(options.sessions):
            created = time.monotonic()
            session = api("POST", base, token, {"initialPrompt": f"bench {index}", "interactive": True})
            name = str(session["metadata"]["name"])
            watch.wait(partial(is_running, name), 120, f"{name} Running")
            first_status.append(watch.status_seen[name] - created)
            running.append(watch.running[name] - created)
            print(f"  {name}: first status {first_status[-1]:.2f} s, Running {running[-1]:.2f} s", flush=True)
            api("DELETE", f"{base}/{name}", token)
        broker = broker_of(state_dir)
    finally:
        if watch is not None:
            watch.stop()
        stop_stack(process)
        shutil.rmtree(state_dir, ignore_errors=True)

    figures = {
        "create_to_first_status_p50_s": round(median(first_status), 3),
        "create_to_first_status_p99_s": round(percentile(first_status, 0.99), 3),
        "create_to_running_p50_s": round(median(running), 3),
        "create_to_running_p99_s": round(percentile(running, 0.99), 3),
        "sessions_count": len(running),
    }
    goals = {"create_to_first_status_p50_s": "≤ 0.5", "create_to_running_p50_s": "≤ 2"}
    print(f"\nembedded stack, broker: {broker}; sessions created one after another")
    figures_print(figures, goals)


if __name__ == "__main__":
    main()
