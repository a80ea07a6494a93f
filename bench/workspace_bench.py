"""Workspace file latency: a 4 KB GET straight from a session's content service vs through the api proxy,
and a 50 MB file streamed through the api both ways with the api's memory watched.

One run: an in-process localkube with a Running session and its content token, the real content service
(gunicorn) on a local port, the Django app served over HTTP in this process (direct route, as in a
cluster) under uvicorn as in production (`--server wsgiref` for the WSGI path). Prints a table, then one line of JSON.

    .venv/bin/python bench/workspace_bench.py [--iterations 300] [--large-mb 50]
"""

from __future__ import annotations

import argparse
import base64
import io
import os
import resource
import secrets
import socketserver
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ambient.settings.test")

import django  # noqa: E402

django.setup()

import requests  # noqa: E402
import uvicorn  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.asgi import get_asgi_application  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402

from ambient import kube  # noqa: E402
from ambient.contract import API_VERSION, KIND, SECRET_KEY_CONTENT_TOKEN, Phase, token_secret_name  # noqa: E402
from bench.helpers.report import figures_print  # noqa: E402
from localkube.testing import LocalKube, free_port  # noqa: E402
from sessions.api_constants import MANAGED_LABEL, MANAGED_LABEL_VALUE, ROLE_ADMIN  # noqa: E402
from workspaces.testing import ContentServer  # noqa: E402

GOALS = {"ratio_p50": "<= 1.5", "api_p50_ms": "<= 25", "large_rss_growth_mb": "< 20"}
SESSION = "bench-workspace"


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's signature
        return


class _ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


def timed(iterations: int, call: Callable[[], requests.Response]) -> list[float]:
    samples = []
    for _ in range(iterations):
        started = time.perf_counter()
        response = call()
        samples.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"unexpected {response.status_code}: {response.text[:300]}")
    return samples


class ApiServer:
    """The Django app on a local port in this process: uvicorn (ASGI, as in production) or wsgiref."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.port = free_port()
        if kind == "wsgiref":
            self._wsgi = make_server(
                "127.0.0.1",
                self.port,
                get_wsgi_application(),
                server_class=_ThreadingWSGIServer,
                handler_class=_QuietHandler,
            )
            threading.Thread(target=self._wsgi.serve_forever, daemon=True).start()
            return
        config = uvicorn.Config(
            get_asgi_application(), host="127.0.0.1", port=self.port, log_level="warning", lifespan="off"
        )
        self._uvicorn = uvicorn.Server(config)
        threading.Thread(target=self._uvicorn.run, daemon=True).start()
        deadline = time.monotonic() + 10
        while not self._uvicorn.started and time.monotonic() < deadline:
            time.sleep(0.02)

    def stop(self) -> None:
        if self.kind == "wsgiref":
            self._wsgi.shutdown()
        else:
            self._uvicorn.should_exit = True


def api_server(kind: str) -> ApiServer:
    return ApiServer(kind)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def chunks(total: int, size: int = 1024 * 1024) -> Iterator[bytes]:
    block = os.urandom(size)
    sent = 0
    while sent < total:
        piece = block[: min(size, total - sent)]
        sent += len(piece)
        yield piece


def project_setup(localkube: LocalKube, content_token: str) -> tuple[str, str]:
    gateway = kube.control_plane_gateway()
    project = localkube.create_namespace("bench-")
    gateway.patch(kube.NAMESPACE, None, project, {"metadata": {"labels": {MANAGED_LABEL: MANAGED_LABEL_VALUE}}})
    user = "bench@example.com"
    token = localkube.create_user(user)
    gateway.create(
        kube.ROLE_BINDING,
        project,
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": {"name": "bench-admin"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": ROLE_ADMIN},
            "subjects": [{"kind": "User", "name": user, "apiGroup": "rbac.authorization.k8s.io"}],
        },
    )
    body = {"apiVersion": API_VERSION, "kind": KIND, "metadata": {"name": SESSION}, "spec": {"interactive": True}}
    gateway.create(kube.SESSION, project, body)
    gateway.patch(kube.SESSION, project, SESSION, {"status": {"phase": Phase.RUNNING.value}}, subresource="status")
    secret = {
        "metadata": {"name": token_secret_name(SESSION)},
        "data": {SECRET_KEY_CONTENT_TOKEN: base64.b64encode(content_token.encode()).decode()},
    }
    gateway.create(kube.SECRET, project, secret)
    return project, token


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=300)
    parser.add_argument("--large-mb", type=int, default=50)
    parser.add_argument("--server", choices=["uvicorn", "wsgiref"], default="uvicorn", help="how the api is served")
    options = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="workspace-bench-"))
    workspace = scratch / "workspace"
    (workspace / "artifacts").mkdir(parents=True)
    (workspace / "artifacts" / "small.txt").write_bytes(os.urandom(4096))
    content_token = secrets.token_urlsafe(24)
    content = ContentServer(workspace=workspace, token=content_token, log_path=scratch / "content.log")
    content.wait_ready()
    try:
        with LocalKube() as localkube:
            settings.KUBECONFIG = str(localkube.kubeconfig_path)
            kube.reset()
            call_command("install_crds", stdout=io.StringIO())
            project, token = project_setup(localkube, content_token)
            settings.CONTENT_SERVICE_ROUTE = "direct"
            settings.CONTENT_SERVICE_URL_TEMPLATE = content.url
            server = api_server(options.server)
            base = f"http://127.0.0.1:{server.port}/api/projects/{project}/agentic-sessions/{SESSION}"
            api = requests.Session()
            api.headers["Authorization"] = f"Bearer {token}"
            direct = requests.Session()
            direct.headers["Authorization"] = f"Bearer {content_token}"
            n = options.iterations

            def direct_get() -> requests.Response:
                return direct.get(f"{content.url}/workspace/file", params={"path": "artifacts/small.txt"})

            def api_get() -> requests.Response:
                return api.get(f"{base}/workspace/artifacts/small.txt")

            for call in (direct_get, api_get):  # warm pools, access reviews, the token cache
                timed(10, call)
            # Interleaved rounds, so a noisy neighbour hits both sides alike.
            direct_samples: list[float] = []
            api_samples: list[float] = []
            for _ in range(10):
                direct_samples += timed(n // 10, direct_get)
                api_samples += timed(n // 10, api_get)

            size = options.large_mb * 1024 * 1024
            rss_before = peak_rss_mb()
            started = time.perf_counter()
            put = api.put(f"{base}/workspace/artifacts/large.bin", data=chunks(size))  # chunked: no Content-Length
            if put.status_code != 200:
                raise SystemExit(f"large PUT: {put.status_code} {put.text[:300]}")
            received = 0
            with api.get(f"{base}/workspace/artifacts/large.bin", stream=True) as got:
                for piece in got.iter_content(1024 * 1024):
                    received += len(piece)
            large_seconds = time.perf_counter() - started
            rss_growth = peak_rss_mb() - rss_before
            if received != size:
                raise SystemExit(f"large GET returned {received} of {size} bytes")
            server.stop()
    finally:
        content.stop()

    direct_p50, api_p50 = percentile(direct_samples, 0.5), percentile(api_samples, 0.5)
    figures = {
        "direct_p50_ms": round(direct_p50, 2),
        "direct_p99_ms": round(percentile(direct_samples, 0.99), 2),
        "api_p50_ms": round(api_p50, 2),
        "api_p99_ms": round(percentile(api_samples, 0.99), 2),
        "ratio_p50": round(api_p50 / direct_p50, 2),
        "ratio_p99": round(percentile(api_samples, 0.99) / percentile(direct_samples, 0.99), 2),
        "large_mb": options.large_mb,
        "large_put_get_seconds": round(large_seconds, 2),
        "large_rss_growth_mb": round(rss_growth, 1),
        "server": options.server,
    }
    figures_print(figures, GOALS)


if __name__ == "__main__":
    main()
