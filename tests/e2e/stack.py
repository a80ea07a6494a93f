"""The end-to-end stack: one localkube (in-process), one private Redis, Celery workers and a watcher
(real subprocesses), and the environment those processes get.

The runner image is mapped to tests/e2e/fake_runner.py (behaviour from the session's env), the
content image to this checkout (the real content service under ambient.settings.content). The
processes run under ambient.settings.test, whose grace periods and deadlines are sized for tests;
the environment below only shortens what must be short for the failure paths to finish quickly.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import kubernetes.client

from ambient.contract import CONTENT_PORT
from localkube.testing import LocalKube, free_port
from reconciler.embedded_images import EMBEDDED_CONTENT_COMMAND, REPO_ROOT, image_map, write_image_map
from tests.e2e.processes import ManagedProcess, RedisServer, http_ok, stop_all, wait_for

RUNNER_IMAGE = "ambient-test/fake-runner:e2e"
CONTENT_IMAGE = "ambient-test/content:e2e"
FAKE_RUNNER = Path(__file__).resolve().parent / "fake_runner.py"
FAKE_CONTENT = Path(__file__).resolve().parent / "fake_content.py"
CONTROL_PLANE_NAMESPACE = "ambient-system"
# The worker's Redis keys (claims, leases): tests that look at them build names from this.
RECONCILE_KEY_PREFIX = "ambient-e2e:"


@dataclass
class Stack:
    kube: LocalKube
    redis: RedisServer
    env: dict[str, str]
    directory: Path
    image_map_path: Path
    worker_metrics_port: int
    workers: list[ManagedProcess] = field(default_factory=list)
    watcher: ManagedProcess | None = None
    watcher_metrics_url: str = ""
    # Reserved when the stack is built (runners get WEBSOCKET_URLs on it); the api starts on demand.
    api_port: int = 0
    api: ManagedProcess | None = None

    @property
    def admin(self) -> kubernetes.client.ApiClient:
        return self.kube.api_client()

    # -- processes -------------------------------------------------------------------------------
    def worker_process(self, name: str, metrics_port: int = 0) -> ManagedProcess:
        env = {**self.env, "RECONCILER_WORKER_METRICS_PORT": str(metrics_port)}
        argv = [
            str(Path(sys.executable).parent / "celery"),
            "-A",
            "ambient",
            "worker",
            "--pool",
            "threads",
            "--concurrency",
            "4",
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            f"{name}@localhost",
        ]
        return ManagedProcess(name, argv, env, self.directory, REPO_ROOT)

    def start_api(self) -> ManagedProcess:
        """The api over ASGI (uvicorn, one process) on `api_port`, as the admin identity like the watcher."""
        if self.api is not None and self.api.alive:
            return self.api
        argv = [
            sys.executable,
            "-m",
            "ambient.asgi_server",
            "-b",
            "127.0.0.1",
            "-p",
            str(self.api_port),
            "--workers",
            "1",
        ]
        # The chat writes from several sockets at once: SQLite waits for the lock instead of failing,
        # and takes it when a transaction begins (a read that later writes cannot be refused midway).
        database = f"{self.env['DATABASE_URL']}?timeout=30&transaction_mode=IMMEDIATE"
        env = {**self.env, "KUBECONFIG": str(self.kube.kubeconfig_path), "DATABASE_URL": database}
        api = ManagedProcess("api", argv, env, self.directory, REPO_ROOT).start()
        wait_for(lambda: http_ok(f"{self.api_url}/healthz"), 60, f"api to be ready\n{api.tail()}")
        self.api = api
        return api

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    def stop(self) -> None:
        """Stop every process of the stack together, then Redis and localkube."""
        stop_all([process for process in (self.api, self.watcher, *self.workers) if process is not None])
        self.redis.stop()
        self.kube.close()

    def start_worker(self, name: str = "worker", metrics_port: int | None = None) -> ManagedProcess:
        worker, metrics_url = self._launch_worker(name, metrics_port)
        _wait_metrics(worker, metrics_url)
        self.workers.append(worker)
        return worker

    def start_watcher(self) -> ManagedProcess:
        watcher, metrics_url = self._launch_watcher()
        _wait_metrics(watcher, metrics_url)
        self.watcher = watcher
        self.watcher_metrics_url = metrics_url
        return watcher

    def start_worker_and_watcher(self) -> None:
        """Both at once: each spends a couple of seconds importing before it serves /metrics."""
        worker, worker_url = self._launch_worker("worker", self.worker_metrics_port)
        watcher, watcher_url = self._launch_watcher()
        _wait_metrics(worker, worker_url)
        _wait_metrics(watcher, watcher_url)
        self.workers.append(worker)
        self.watcher = watcher
        self.watcher_metrics_url = watcher_url

    def _launch_worker(self, name: str, metrics_port: int | None) -> tuple[ManagedProcess, str]:
        port = metrics_port if metrics_port is not None else free_port()
        return self.worker_process(name, port).start(), f"http://127.0.0.1:{port}/metrics"

    def _launch_watcher(self) -> tuple[ManagedProcess, str]:
        port = free_port()
        argv = watcher_argv(port)
        # The admin identity, so the request log's reconciler user counts only the worker's writes.
        env = {**self.env, "KUBECONFIG": str(self.kube.kubeconfig_path)}
        watcher = ManagedProcess("watcher", argv, env, self.directory, REPO_ROOT).start()
        return watcher, f"http://127.0.0.1:{port}/metrics"

    def supervise(self) -> None:
        """What Kubernetes' restartPolicy does for the worker and watcher Deployments."""
        for worker in list(self.workers):
            if not worker.alive:
                self.workers.remove(worker)
        watcher_down = self.watcher is None or not self.watcher.alive
        if not self.workers and watcher_down:
            self.start_worker_and_watcher()
        elif not self.workers:
            self.start_worker("worker", self.worker_metrics_port)
        elif watcher_down:
            self.start_watcher()

    def set_image_map(
        self,
        *,
        runner_mapped: bool = True,
        real_runner: bool = False,
        runner_env: dict[str, str] | None = None,
        content_stand_in: bool = False,
    ) -> None:
        """The runner image runs fake_runner.py, or with `real_runner` this checkout's `python -m runner`
        (with `runner_env` in the image's environment, as `make run` passes its agent variables). The
        content image runs the real content service, or with `content_stand_in` fake_content.py."""
        runner_command = ["{python}", "-m", "runner"] if real_runner else ["{python}", str(FAKE_RUNNER)]
        document = image_map(
            runner_image=RUNNER_IMAGE, content_image=CONTENT_IMAGE, runner_command=runner_command, runner_env=runner_env
        )
        if content_stand_in:
            document["images"][CONTENT_IMAGE]["command"] = ["{python}", str(FAKE_CONTENT), f"{{port:{CONTENT_PORT}}}"]
        if real_runner:
            # Tests add repositories from local paths; only the test stack lets the content service clone those.
            document["images"][CONTENT_IMAGE]["env"]["AMBIENT_ALLOW_FILE_GIT_URLS"] = "true"
        if not runner_mapped:
            del document["images"][RUNNER_IMAGE]
        write_image_map(self.image_map_path, document)

    def send_task(self, name: str, args: list[Any] | None = None) -> None:
        """Send a task the way beat does (by name over the broker), without importing settings."""
        from celery import Celery

        app = Celery(broker=self.redis.url)
        try:
            app.send_task(name, args=args or [])
        finally:
            app.close()


def _wait_metrics(process: ManagedProcess, url: str) -> None:
    wait_for(lambda: http_ok(url), 60, f"{process.name} to be ready\n{process.tail()}")


def watcher_argv(metrics_port: int) -> list[str]:
    """The watcher as `manage.py watch_sessions` runs it once it has re-executed itself lean (same
    module, options and environment): starting the command first loads every Django app only to
    exec this (~1.5 s of CPU more per start, and the stacks start several). The command's own path
    is covered where it is the subject: test_embedded_stack.py and reconciler/tests/test_watch_command.py."""
    return [sys.executable, "-m", "reconciler.watching", "--metrics-port", str(metrics_port)]


def database_path(directory: Path) -> Path:
    """The stack's SQLite file (tests/e2e/database.py migrates it)."""
    return directory / "db.sqlite3"


def worker_env(kube_config: Path, redis_url: str, directory: Path, api_port: int = 0) -> dict[str, str]:
    passthrough = {key: value for key, value in os.environ.items() if key in {"PATH", "HOME", "LANG", "TMPDIR"}}
    api = f"127.0.0.1:{api_port or 8000}"
    return {
        # Where runners reach the api (Stack.start_api serves there).
        "RECONCILER_WEBSOCKET_URL_TEMPLATE": f"ws://{api}/api/projects/{{namespace}}/agentic-sessions/{{session}}/ws",
        "RECONCILER_BACKEND_API_URL_TEMPLATE": f"http://{api}/api",
        **passthrough,
        "PYTHONPATH": str(REPO_ROOT),
        "PYTHONUNBUFFERED": "1",
        "DJANGO_SETTINGS_MODULE": "ambient.settings.test",
        "DATABASE_URL": f"sqlite:///{database_path(directory)}",
        "REDIS_URL": redis_url,
        "KUBECONFIG": str(kube_config),
        "CONTROL_PLANE_NAMESPACE": CONTROL_PLANE_NAMESPACE,
        "RECONCILER_RUNNER_IMAGE": RUNNER_IMAGE,
        "RECONCILER_CONTENT_IMAGE": CONTENT_IMAGE,
        "RECONCILER_CONTENT_COMMAND": ",".join(EMBEDDED_CONTENT_COMMAND),
        "RECONCILER_PENDING_REQUEUE_SECONDS": "1",
        "RECONCILER_CREATING_REQUEUE_SECONDS": "2",
        "RECONCILER_STOPPING_REQUEUE_SECONDS": "1",
        "RECONCILE_KEY_PREFIX": RECONCILE_KEY_PREFIX,
        "RECONCILE_LEASE_TTL": "6",
        "RECONCILE_BACKOFF_CAP": "3",
        # Short, so a message held by a SIGKILLed worker comes back in seconds (test_faults waits for
        # it); the time limits and the longest countdown (half of it) stay inside it as in production.
        "BROKER_VISIBILITY_TIMEOUT": "8",
        "BROKER_UNACKED_RESTORE_INTERVAL": "1",
        "BROKER_UNACKED_RESTORE_THROTTLE": "1",
        "CELERY_TASK_TIME_LIMIT": "6",
        "CELERY_TASK_SOFT_TIME_LIMIT": "5",
        "WATCH_LEASE_DURATION": "3",
        "WATCH_LEASE_RENEW_INTERVAL": "1",
        "WATCH_READ_TIMEOUT": "30",
        "LOG_LEVEL": "INFO",
    }
