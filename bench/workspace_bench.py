"""Workspace file latency: a 4 KB GET straight from a session's content service vs through the api proxy,
and a 50 MB file streamed through the api both ways with the api's memory watched.

One run: an in-process localkube with a Running session and its content token, the real content service
(gunicorn) on a local port, and the api as production runs it: its own process, `python -m
ambient.asgi_server` (uvicorn, one worker), direct route to the content service as in a cluster. The
client (requests) and localkube stay in this process. `--api thread` serves the api under uvicorn in a
thread of this process instead, as this bench did at first: it then shares one GIL with the client and
localkube (which cost the api dearly while Django's handler started threads per request) and its CPU
figure counts the client too. The api process's CPU per request and its memory (peak RSS, reset
before the large transfer) are read from /proc. Prints a table, then one line of JSON.

    .venv/bin/python bench/workspace_bench.py [--iterations 300] [--large-mb 50] [--api process|thread]
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import io
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ambient.settings.test")

import django  # noqa: E402

django.setup()

import requests  # noqa: E402
import uvicorn  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

from ambient import kube  # noqa: E402
from ambient.contract import API_VERSION, KIND, SECRET_KEY_CONTENT_TOKEN, Phase, token_secret_name  # noqa: E402
from bench.helpers.report import figures_print  # noqa: E402
from localkube.testing import LocalKube, free_port  # noqa: E402
from sessions.api_constants import MANAGED_LABEL, MANAGED_LABEL_VALUE, ROLE_ADMIN  # noqa: E402
from workspaces.testing import ContentServer  # noqa: E402

GOALS = {"ratio_p50": "<= 1.5", "api_p50_ms": "<= 25", "large_rss_growth_mb": "< 20"}
SESSION = "bench-workspace"
# The api under cProfile timed by the thread's CPU clock: on a busy machine a wall-clock profile charges
# the time the process waited for a core to whatever function it was in (a socket send, most often).
PROFILED_API = """
import cProfile, runpy, sys, time
output = sys.argv[1]
sys.argv = ["ambient.asgi_server", *sys.argv[2:]]
profile = cProfile.Profile(time.thread_time)
profile.enable()
try:
    runpy.run_module("ambient.asgi_server", run_name="__main__")
except KeyboardInterrupt:
    pass
finally:
    profile.disable()
    profile.dump_stats(output)
"""


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


def proc_status_mb(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024  # kB
    raise SystemExit(f"no {field} for process {pid}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def content_cpu_seconds(content: ContentServer) -> float:
    """CPU time of the content service: gunicorn's arbiter and its worker processes."""
    pid = content.process.pid
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return cpu_seconds(pid) + sum(cpu_seconds(int(child)) for child in children)


class ApiServer:
    """The api on a local port: its own process as in production, or uvicorn in a thread of this one."""

    def __init__(self, kind: str, *, kubeconfig: Path, content_url: str, state: Path, profile: str | None) -> None:
        self.kind = kind
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        if kind == "process":
            environment = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "KUBE"))}
            environment.update(
                DJANGO_SETTINGS_MODULE="ambient.settings.local",
                DJANGO_DEBUG="false",
                AMBIENT_STATE_DIR=str(state),
                KUBECONFIG=str(kubeconfig),
                CONTENT_SERVICE_ROUTE="direct",
                CONTENT_SERVICE_URL_TEMPLATE=content_url,
                LOG_LEVEL="WARNING",
                PYTHONPATH=str(REPO_ROOT),
            )
            environment.pop("DATABASE_URL", None)  # a SQLite file in the state directory: this route reads none
            command = [sys.executable, "-m", "ambient.asgi_server", "--port", str(self.port), "--workers", "1"]
            if profile:  # cProfile of the event loop's thread, written when the api stops
                command = [sys.executable, "-c", PROFILED_API, profile, *command[3:]]
            self._log = (state / "api.log").open("wb")
            self.process = subprocess.Popen(command, cwd=REPO_ROOT, env=environment, stdout=self._log, stderr=self._log)
            self.pid = self.process.pid
            self._wait_for_port()
            return
        settings.CONTENT_SERVICE_ROUTE = "direct"
        settings.CONTENT_SERVICE_URL_TEMPLATE = content_url
        from ambient.asgi import application  # the same application, after the settings above

        config = uvicorn.Config(application, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off")
        self._uvicorn = uvicorn.Server(config)
        self.pid = os.getpid()
        threading.Thread(target=self._uvicorn.run, daemon=True).start()
        self._wait_for_port()

    def _wait_for_port(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise SystemExit(f"api exited with {self.process.returncode}; see {self._log.name}")
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise SystemExit(f"api on port {self.port} did not start")

    def peak_rss_reset(self) -> float:
        """Restart the peak-RSS count (where the kernel allows it); the current RSS, in MB."""
        with contextlib.suppress(OSError):
            Path(f"/proc/{self.pid}/clear_refs").write_text("5")
        return proc_status_mb(self.pid, "VmRSS")

    def peak_rss(self) -> float:
        return proc_status_mb(self.pid, "VmHWM")

    def stop(self) -> None:
        if self.process is None:
            self._uvicorn.should_exit = True
            return
        # uvicorn re-raises the signal it stopped on once it is done: SIGINT then ends in KeyboardInterrupt,
        # which lets cProfile write its file, where SIGTERM's default action would kill the process first.
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()


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
    parser.add_argument(
        "--api", choices=["process", "thread"], default="process", help="the api in its own process, or in this one"
    )
    parser.add_argument(
        "--profile", metavar="PATH", help="write a CPU-time cProfile of the api's event loop (--api process) here"
    )
    options = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="workspace-bench-"))
    workspace = scratch / "workspace"
    (workspace / "artifacts").mkdir(parents=True)
    (workspace / "artifacts" / "small.txt").write_bytes(os.urandom(4096))
    state = scratch / "api-state"
    state.mkdir(mode=0o700)
    content_token = secrets.token_urlsafe(24)
    content = ContentServer(workspace=workspace, token=content_token, log_path=scratch / "content.log")
    content.wait_ready()
    try:
        with LocalKube() as localkube:
            settings.KUBECONFIG = str(localkube.kubeconfig_path)
            kube.reset()
            call_command("install_crds", stdout=io.StringIO())
            project, token = project_setup(localkube, content_token)
            server = ApiServer(
                options.api,
                kubeconfig=Path(localkube.kubeconfig_path),
                content_url=content.url,
                state=state,
                profile=options.profile,
            )
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
            api_cpu = content_cpu = 0.0
            for _ in range(10):
                content_before = content_cpu_seconds(content)
                direct_samples += timed(n // 10, direct_get)
                content_cpu += content_cpu_seconds(content) - content_before
                cpu_before = cpu_seconds(server.pid)
                api_samples += timed(n // 10, api_get)
                api_cpu += cpu_seconds(server.pid) - cpu_before

            size = options.large_mb * 1024 * 1024
            rss_before = server.peak_rss_reset()
            started = time.perf_counter()
            put = api.put(f"{base}/workspace/artifacts/large.bin", data=chunks(size))  # chunked: no Content-Length
            if put.status_code != 200:
                raise SystemExit(f"large PUT: {put.status_code} {put.text[:300]}")
            received = 0
            with api.get(f"{base}/workspace/artifacts/large.bin", stream=True) as got:
                for piece in got.iter_content(1024 * 1024):
                    received += len(piece)
            large_seconds = time.perf_counter() - started
            rss_growth = server.peak_rss() - rss_before
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
        # The api's CPU (user + system) per proxied GET: with --api thread it includes this client and localkube.
        "api_cpu_ms_per_get": round(api_cpu * 1000 / len(api_samples), 2),
        # The content service's CPU (gunicorn and its worker) per direct GET: the api's own work sits on
        # top of one such request, so the two CPU figures say what the ratio would be on an idle machine.
        "content_cpu_ms_per_get": round(content_cpu * 1000 / len(direct_samples), 2),
        "large_mb": options.large_mb,
        "large_put_get_seconds": round(large_seconds, 2),
        "large_rss_growth_mb": round(rss_growth, 1),
        "api": options.api,
    }
    figures_print(figures, GOALS)


if __name__ == "__main__":
    main()
