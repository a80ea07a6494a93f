"""Loopback load test of the session API in the embedded stack (`make run`): 20 clients create, stop,
start and delete 200 sessions, then 50 clients patch labels on one session at once.

The stack is `manage.py run_embedded` as `make run` starts it (bench/helpers/embedded.py: free
ports, a state directory of its own, the demo user's token, project `demo`): supervised localkube,
private Redis, api, worker, beat and watcher, each its own process. Only the images differ: the
runner and content images are mapped (EMBEDDED_IMAGE_MAP) to `sleep`, so 200 sessions do not start
400 Python processes, and the node has room for them. Phases are followed with a watch. Goals: no
5xx; every session has a phase ≤ 5 s after the last create; all Stopped ≤ 15 s after the last stop;
all 50 label patches stored; no "Connection pool is full" in the api's log.
Prints a table, then one line of JSON.

    .venv/bin/python bench/load_bench.py [--sessions 200] [--clients 20] [--patchers 50]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ambient.settings.test")

import requests  # noqa: E402
from django.conf import settings  # noqa: E402

from ambient import kube  # noqa: E402
from bench.helpers.cpu import children_by_command, tree_cpu_seconds  # noqa: E402
from bench.helpers.embedded import PROJECT, EmbeddedStack, start_stack, stop_stack  # noqa: E402
from bench.helpers.report import figures_print  # noqa: E402
from bench.helpers.support import SessionWatch  # noqa: E402
from reconciler.embedded_images import write_image_map  # noqa: E402

GOALS_S = {"all_phased_after_last_create_s": 5.0, "all_stopped_after_last_stop_s": 15.0}
WAIT_LIMIT_S = 180.0
RUNNER_IMAGE = "ambient-bench/runner:load"
CONTENT_IMAGE = "ambient-bench/content:load"
POOL_FULL = "Connection pool is full"
# How each supervised program's command line shows (ambient/embedded/processes.py).
PROGRAM_MARKERS = {
    "localkube": "localkube serve",
    "api": "asgi_server",
    "worker": " worker ",
    # watch_sessions re-executes itself as `python -m reconciler.watching` (same pid).
    "watcher": "reconciler.watching",
}
# The stand-in images and a node with room for every pod (localkube reads these at start).
STACK_ENV = {
    "RECONCILER_RUNNER_IMAGE": RUNNER_IMAGE,
    "RECONCILER_CONTENT_IMAGE": CONTENT_IMAGE,
    "RECONCILER_CONTENT_COMMAND": "sleep,86400",
    "LOCALKUBE_NODE_CPU": "2000",
    "LOCALKUBE_NODE_MEMORY": "8000Gi",
    "LOCALKUBE_NODE_PODS": "5000",
}


class Clients:
    """`count` HTTP clients (one connection pool each) sharing a tally of answers by status code."""

    def __init__(self, base: str, token: str, count: int) -> None:
        self.base = base
        self.count = count
        self.codes: Counter[int] = Counter()
        self._lock = threading.Lock()
        self._local = threading.local()
        self._token = token

    def _session(self) -> requests.Session:
        if not hasattr(self._local, "session"):
            self._local.session = requests.Session()
            self._local.session.headers["Authorization"] = f"Bearer {self._token}"
        return self._local.session

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        response = self._session().request(method, f"{self.base}{path}", timeout=60, **kwargs)
        with self._lock:
            self.codes[response.status_code] += 1
        return response

    def each(self, items: list[str], work: Callable[[str], object]) -> float:
        """Run `work` over `items` from `count` clients at once; the moment the last call returned."""
        with ThreadPoolExecutor(max_workers=self.count) as pool:
            list(pool.map(work, items))
        return time.monotonic()


def cpu_by_program(stack: EmbeddedStack) -> dict[str, float]:
    """CPU seconds so far of each supervised program (localkube with its pods) and of everything
    else in this bench's tree (this process and its clients, run_embedded, supervisord, Redis, beat)."""
    supervisord = children_by_command(stack.process.pid, {"supervisord": "supervisord"}).get("supervisord", 0)
    programs = children_by_command(supervisord, PROGRAM_MARKERS) if supervisord else {}
    cpu = {name: tree_cpu_seconds(pid) for name, pid in programs.items()}
    cpu["rest"] = tree_cpu_seconds(os.getpid(), exclude=tuple(programs.values()))
    return cpu


def seconds_until(predicate: Callable[[], bool], since: float) -> float:
    """Seconds from `since` until `predicate()` holds (checked every 20 ms against the watch's view),
    or inf past WAIT_LIMIT_S."""
    while not predicate():
        if time.monotonic() - since > WAIT_LIMIT_S:
            return float("inf")
        time.sleep(0.02)
    return time.monotonic() - since


def run(options: argparse.Namespace, stack: EmbeddedStack, watch: SessionWatch) -> dict[str, float]:  # noqa: PLR0915 - one linear script
    clients = Clients(f"{stack.api_base}/api/projects/{PROJECT}/agentic-sessions", stack.token, options.clients)
    names = [f"load-{index:04d}" for index in range(options.sessions)]
    phases = watch.phases

    def all_phase(phase: str) -> bool:
        return all(phases.get(name) == phase for name in names)

    figures: dict[str, float] = {}
    cpu_before = cpu_by_program(stack)
    started = time.monotonic()
    body = {"initialPrompt": "load", "interactive": True}
    last_create = clients.each(names, lambda name: clients.call("POST", "", json={**body, "name": name}))
    figures["create_all_s"] = round(last_create - started, 2)
    figures["all_phased_after_last_create_s"] = round(
        seconds_until(lambda: all(phases.get(name) for name in names), last_create), 2
    )
    seconds_until(lambda: all_phase("Running"), time.monotonic())

    last_stop = clients.each(names, lambda name: clients.call("POST", f"/{name}/stop"))
    figures["all_stopped_after_last_stop_s"] = round(seconds_until(lambda: all_phase("Stopped"), last_stop), 2)

    last_start = clients.each(names, lambda name: clients.call("POST", f"/{name}/start"))
    figures["all_running_after_last_start_s"] = round(seconds_until(lambda: all_phase("Running"), last_start), 2)

    last_delete = clients.each(names, lambda name: clients.call("DELETE", f"/{name}"))
    figures["all_gone_after_last_delete_s"] = round(seconds_until(lambda: not set(names) & set(phases), last_delete), 2)
    # Every process of the stack and this bench's clients, first create → last session gone.
    cpu = {name: value - cpu_before.get(name, 0.0) for name, value in cpu_by_program(stack).items()}
    figures["cpu_per_session_ms"] = round(sum(cpu.values()) * 1000 / len(names), 1)
    figures |= {f"cpu_{name}_per_session_ms": round(value * 1000 / len(names), 1) for name, value in cpu.items()}

    clients.call("POST", "", json={"name": "crowded", "initialPrompt": "labels"})
    patchers = Clients(clients.base, stack.token, options.patchers)
    keys = [f"writer-{index}" for index in range(options.patchers)]
    patch_started = time.monotonic()
    patchers.each(keys, lambda key: patchers.call("PATCH", "/crowded", json={"metadata": {"labels": {key: "y"}}}))
    figures["label_patches_s"] = round(time.monotonic() - patch_started, 2)
    labels = clients.call("GET", "/crowded").json()["metadata"].get("labels") or {}
    figures["label_patches_sent"] = options.patchers
    figures["label_patches_ok"] = patchers.codes[200]
    figures["label_patches_stored"] = sum(1 for key in keys if key in labels)
    clients.codes.update(patchers.codes)
    figures["requests"] = sum(clients.codes.values())
    figures["responses_5xx"] = sum(count for code, count in clients.codes.items() if code >= 500)
    figures["responses_4xx"] = sum(count for code, count in clients.codes.items() if 400 <= code < 500)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--patchers", type=int, default=50)
    parser.add_argument("--keep-state", action="store_true", help="Keep the stack's state directory and logs.")
    options = parser.parse_args()
    state_dir = Path(tempfile.mkdtemp(prefix="load-bench-"))
    image_map = write_image_map(
        state_dir.parent / f"{state_dir.name}-images.yaml",
        {"images": {RUNNER_IMAGE: {"command": ["sleep", "86400"]}, CONTENT_IMAGE: {}}},
    )
    stack = start_stack(
        state_dir, state_dir.parent / f"{state_dir.name}.log", {**STACK_ENV, "EMBEDDED_IMAGE_MAP": str(image_map)}
    )
    watch: SessionWatch | None = None
    broker = stack.broker
    try:
        settings.KUBECONFIG = str(stack.kubeconfig)
        watch = SessionWatch(kube.control_plane_gateway(), PROJECT).start()
        figures = run(options, stack, watch)
        # urllib3 warns in the api process; its log is where a user of `make run` would see it.
        api_log = stack.process_log("api").read_text(errors="replace")
        figures["connection_pool_full_warnings"] = api_log.count(POOL_FULL)
    finally:
        if watch is not None:
            watch.stop()
        stop_stack(stack)
        if options.keep_state:
            print(f"state and logs kept in {state_dir}")
        else:
            shutil.rmtree(state_dir, ignore_errors=True)
            image_map.unlink(missing_ok=True)

    goals = {figure: f"≤ {limit:.0f}" for figure, limit in GOALS_S.items()}
    goals |= {"label_patches_stored": f"= {options.patchers}", "responses_5xx": "0"}
    goals |= {"connection_pool_full_warnings": "0"}
    print(f"\nembedded stack (run_embedded), broker: {broker}")
    figures_print(figures, goals)


if __name__ == "__main__":
    main()
