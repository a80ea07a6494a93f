"""Session API latency against localkube: list (1,000 sessions, page of 20, with/without search), get,
create, start/stop.

One run: starts an in-process localkube, installs the CRD and roles, seeds a project with 1,000
sessions, serves the Django app over HTTP on a local port and times requests made with a project
admin's bearer token. Prints a table, then one line of JSON {figure: number} (milliseconds).

    .venv/bin/python bench/api_bench.py [--sessions 1000] [--iterations 60]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import socketserver
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ambient.settings.test")

import django  # noqa: E402

django.setup()

import requests  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402

from ambient import kube  # noqa: E402
from ambient.contract import API_VERSION, KIND, Phase  # noqa: E402
from bench.helpers.support import project_admin_grant  # noqa: E402
from localkube.testing import LocalKube  # noqa: E402

GOALS_MS = {"list_p50": 150.0, "get_p50": 20.0}


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's signature
        return


class _ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def timed(iterations: int, call: Callable[[int], requests.Response], expected: int) -> list[float]:
    samples = []
    for iteration in range(iterations):
        started = time.perf_counter()
        response = call(iteration)
        samples.append((time.perf_counter() - started) * 1000)
        if response.status_code != expected:
            raise SystemExit(f"unexpected {response.status_code}: {response.text[:300]}")
    return samples


def seed(project: str, count: int) -> None:
    gateway = kube.control_plane_gateway()

    def create(index: int) -> None:
        name = f"bench-{index:04d}"
        body = {
            "apiVersion": API_VERSION,
            "kind": KIND,
            "metadata": {"name": name},
            "spec": {
                "initialPrompt": f"Benchmark prompt number {index} about {'login' if index % 10 == 0 else 'docs'}",
                "displayName": f"Bench session {index}",
                "repos": [{"url": "https://github.com/o/r.git", "branch": "main"}],
            },
        }
        gateway.create(kube.SESSION, project, body)
        gateway.patch(kube.SESSION, project, name, {"status": {"phase": Phase.COMPLETED.value}}, subresource="status")

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(create, range(count)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--iterations", type=int, default=60)
    options = parser.parse_args()

    with LocalKube() as localkube:
        settings.KUBECONFIG = str(localkube.kubeconfig_path)
        kube.reset()
        call_command("install_crds", stdout=io.StringIO())
        project = localkube.create_namespace("bench-")
        token = localkube.create_user("bench@example.com")
        project_admin_grant(kube.control_plane_gateway(), project, "bench@example.com")
        seeding_started = time.perf_counter()
        seed(project, options.sessions)
        print(f"seeded {options.sessions} sessions in {time.perf_counter() - seeding_started:.1f}s")

        server = make_server(
            "127.0.0.1", 0, get_wsgi_application(), server_class=_ThreadingWSGIServer, handler_class=_QuietHandler
        )
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}/api/projects/{project}/agentic-sessions"
        http = requests.Session()
        http.headers["Authorization"] = f"Bearer {token}"
        n = options.iterations

        http.get(base, params={"limit": 20})  # warm caches (access review, clients) like a live server
        results = {
            "list": timed(n, lambda i: http.get(base, params={"limit": 20, "offset": (i % 5) * 20}), 200),
            "list_search": timed(n, lambda i: http.get(base, params={"limit": "20", "search": "login"}), 200),
            "get": timed(n * 3, lambda i: http.get(f"{base}/bench-{i % options.sessions:04d}"), 200),
            "create": timed(n, lambda i: http.post(base, json={"initialPrompt": f"created {i}"}), 201),
            "start": timed(n, lambda i: http.post(f"{base}/bench-{i:04d}/start"), 202),
            "stop": timed(n, lambda i: http.post(f"{base}/bench-{i:04d}/stop"), 202),
        }
        server.shutdown()

    figures: dict[str, float] = {}
    print(f"\n{'operation':<14}{'n':>6}{'p50 ms':>10}{'p99 ms':>10}")
    for name, samples in results.items():
        p50, p99 = percentile(samples, 0.5), percentile(samples, 0.99)
        figures[f"{name}_p50_ms"] = round(p50, 2)
        figures[f"{name}_p99_ms"] = round(p99, 2)
        print(f"{name:<14}{len(samples):>6}{p50:>10.1f}{p99:>10.1f}")
    for goal, limit in GOALS_MS.items():
        value = figures[f"{goal}_ms"]
        print(f"goal {goal} <= {limit:.0f} ms: {'met' if value <= limit else 'MISSED'} ({value:.1f} ms)")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
