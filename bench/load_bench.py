"""Loopback load test of the session API with the reconciler running: 20 clients create, stop, start and
delete 200 sessions, then 50 clients patch labels on one session at once.

One run: an in-process localkube, a private Redis, real worker and watcher processes (as
`bench/reconcile_bench.py` starts them) and the Django app served over HTTP in-process (as
`bench/api_bench.py` does). Goals: no 5xx; every session has a phase ≤ 5 s after the last create;
all Stopped ≤ 15 s after the last stop; all 50 label patches stored; no "Connection pool is full".
Prints a table, then one line of JSON.

    .venv/bin/python bench/load_bench.py [--sessions 200] [--clients 20] [--patchers 50] [--workers 2]
"""

from __future__ import annotations

import argparse
import io
import logging
import socketserver
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
from bench.helpers.bootstrap import django_setup_for_bench  # noqa: E402

django_setup_for_bench()

import requests  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import connections  # noqa: E402

from ambient import kube  # noqa: E402
from ambient.kube import KubeGateway  # noqa: E402
from bench.helpers.report import figures_print  # noqa: E402
from bench.helpers.support import project_admin_grant  # noqa: E402
from localkube.testing import LocalKube, free_port  # noqa: E402
from reconciler.embedded_images import write_image_map  # noqa: E402
from reconciler.tests.services_support import reconciler_kubeconfig  # noqa: E402
from tests.e2e.processes import ManagedProcess, RedisServer  # noqa: E402
from tests.e2e.stack import CONTENT_IMAGE, RUNNER_IMAGE, Stack, worker_env  # noqa: E402

GOALS_S = {"all_phased_after_last_create_s": 5.0, "all_stopped_after_last_stop_s": 15.0}
WAIT_LIMIT_S = 180.0


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's signature
        return


class _ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True
    request_queue_size = 128


class PoolFullCounter(logging.Handler):
    """Counts urllib3's "Connection pool is full, discarding connection" warnings in this process."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if "Connection pool is full" in record.getMessage():
            self.count += 1


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


def phases(admin: KubeGateway, namespace: str) -> dict[str, str]:
    items = admin.list(kube.SESSION, namespace)
    return {item["metadata"]["name"]: str((item.get("status") or {}).get("phase") or "") for item in items}


def seconds_until(predicate: Callable[[], bool], since: float) -> float:
    """Seconds from `since` until `predicate()` holds (polled every 0.1 s), or inf past WAIT_LIMIT_S."""
    while not predicate():
        if time.monotonic() - since > WAIT_LIMIT_S:
            return float("inf")
        time.sleep(0.1)
    return time.monotonic() - since


def start_stack(directory: Path, workers: int) -> Stack:
    image_map = directory / "images.yaml"
    write_image_map(image_map, {"images": {RUNNER_IMAGE: {"command": ["sleep", "86400"]}, CONTENT_IMAGE: {}}})
    localkube = LocalKube(image_map_file=image_map, watch_history=100000)
    localkube.start()
    redis = RedisServer(directory).start()
    stack = Stack(localkube, redis, {}, directory, image_map, free_port())
    settings.KUBECONFIG = str(localkube.kubeconfig_path)
    kube.reset()
    call_command("install_crds", stdout=io.StringIO())
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ambient-system"}}
    kube.control_plane_gateway().create(kube.NAMESPACE, None, namespace)
    stack.env = worker_env(reconciler_kubeconfig(localkube, directory / "kubeconfig"), redis.url, directory)
    stack.env["RECONCILER_CONTENT_COMMAND"] = "sleep,86400"
    stack.env["RECONCILER_CREATION_DEADLINE_SECONDS"] = "600"
    stack.env["LOG_LEVEL"] = "WARNING"
    migrate = ManagedProcess("migrate", [sys.executable, "manage.py", "migrate"], stack.env, directory, REPO_ROOT)
    migration = migrate.start().process
    assert migration is not None and migration.wait(120) == 0
    api_database(directory / "db.sqlite3")
    for index in range(workers):
        stack.start_worker(f"w{index}")
    stack.start_watcher()
    return stack


def api_database(path: Path) -> None:
    """The in-process api uses the stack's migrated SQLite file: the test settings' default is an
    in-memory database per connection, so each server thread would see no tables (chat threads are
    deleted with their session)."""
    connections.close_all()
    connections.settings["default"].update(
        {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path), "OPTIONS": {"timeout": 30}}
    )


def project_with_admin(localkube: LocalKube) -> tuple[str, str]:
    project = localkube.create_namespace("load-")
    token = localkube.create_user("load@example.com")
    project_admin_grant(kube.control_plane_gateway(), project, "load@example.com")
    return project, token


def run(options: argparse.Namespace, stack: Stack) -> dict[str, float]:  # noqa: PLR0915 - one linear script
    admin = kube.control_plane_gateway()
    project, token = project_with_admin(stack.kube)
    server = make_server(
        "127.0.0.1", 0, get_wsgi_application(), server_class=_ThreadingWSGIServer, handler_class=_QuietHandler
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    clients = Clients(
        f"http://127.0.0.1:{server.server_port}/api/projects/{project}/agentic-sessions", token, options.clients
    )
    names = [f"load-{index:04d}" for index in range(options.sessions)]
    figures: dict[str, float] = {}
    try:
        started = time.monotonic()
        body = {"initialPrompt": "load", "interactive": True}
        last_create = clients.each(names, lambda name: clients.call("POST", "", json={**body, "name": name}))
        figures["create_all_s"] = round(last_create - started, 2)
        figures["all_phased_after_last_create_s"] = round(
            seconds_until(lambda: all(phases(admin, project).get(name) for name in names), last_create), 2
        )
        seconds_until(lambda: all(phases(admin, project).get(n) == "Running" for n in names), time.monotonic())

        last_stop = clients.each(names, lambda name: clients.call("POST", f"/{name}/stop"))
        figures["all_stopped_after_last_stop_s"] = round(
            seconds_until(lambda: all(phases(admin, project).get(n) == "Stopped" for n in names), last_stop), 2
        )

        last_start = clients.each(names, lambda name: clients.call("POST", f"/{name}/start"))
        figures["all_running_after_last_start_s"] = round(
            seconds_until(lambda: all(phases(admin, project).get(n) == "Running" for n in names), last_start), 2
        )

        last_delete = clients.each(names, lambda name: clients.call("DELETE", f"/{name}"))
        figures["all_gone_after_last_delete_s"] = round(
            seconds_until(lambda: not set(names) & set(phases(admin, project)), last_delete), 2
        )

        clients.call("POST", "", json={"name": "crowded", "initialPrompt": "labels"})
        patchers = Clients(clients.base, token, options.patchers)
        keys = [f"writer-{index}" for index in range(options.patchers)]
        patch_started = time.monotonic()
        patchers.each(keys, lambda key: patchers.call("PATCH", "/crowded", json={"metadata": {"labels": {key: "y"}}}))
        figures["label_patches_s"] = round(time.monotonic() - patch_started, 2)
        labels = clients.call("GET", "/crowded").json()["metadata"].get("labels") or {}
        figures["label_patches_sent"] = options.patchers
        figures["label_patches_ok"] = patchers.codes[200]
        figures["label_patches_stored"] = sum(1 for key in keys if key in labels)
        clients.codes.update(patchers.codes)
    finally:
        server.shutdown()
    figures["requests"] = sum(clients.codes.values())
    figures["responses_5xx"] = sum(count for code, count in clients.codes.items() if code >= 500)
    figures["responses_4xx"] = sum(count for code, count in clients.codes.items() if 400 <= code < 500)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--patchers", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    options = parser.parse_args()
    pool_full = PoolFullCounter()
    logging.getLogger("urllib3.connectionpool").addHandler(pool_full)
    stack = start_stack(Path(tempfile.mkdtemp(prefix="load-bench-")), options.workers)
    try:
        figures = run(options, stack)
    finally:
        stack.stop()
    figures["connection_pool_full_warnings"] = pool_full.count

    goals = {figure: f"≤ {limit:.0f}" for figure, limit in GOALS_S.items()}
    goals |= {"label_patches_stored": f"= {options.patchers}", "responses_5xx": "0"}
    figures_print(figures, goals)


if __name__ == "__main__":
    main()
