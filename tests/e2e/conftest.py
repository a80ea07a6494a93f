"""End-to-end fixtures: one localkube (in-process), one private Redis, one Celery worker and one
watcher (real subprocesses) per test run; a fresh namespace per test.

The runner image is mapped to tests/e2e/fake_runner.py (behaviour from the session's env), the
content image to this checkout (the real content service under ambient.settings.content).
Short grace/deadline settings keep the failure paths fast; they are passed to the worker by env.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import kubernetes.client
import pytest

from localkube.testing import LocalKube, free_port
from reconciler.embedded_images import EMBEDDED_CONTENT_COMMAND, REPO_ROOT, image_map, write_image_map
from reconciler.tests.services_support import crd_install, reconciler_kubeconfig
from tests.e2e.processes import ManagedProcess, RedisServer, http_ok, wait_for

RUNNER_IMAGE = "ambient-test/fake-runner:e2e"
CONTENT_IMAGE = "ambient-test/content:e2e"
FAKE_RUNNER = Path(__file__).resolve().parent / "fake_runner.py"
CONTROL_PLANE_NAMESPACE = "ambient-system"
IMAGE_PULL_GRACE_SECONDS = 3
CREATION_DEADLINE_SECONDS = 20


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

    def stop(self) -> None:
        """Stop every process of the stack, then Redis and localkube."""
        if self.watcher is not None:
            self.watcher.stop()
        for worker in self.workers:
            worker.stop()
        self.redis.stop()
        self.kube.close()

    def start_worker(self, name: str = "worker", metrics_port: int | None = None) -> ManagedProcess:
        port = metrics_port if metrics_port is not None else free_port()
        worker = self.worker_process(name, port).start()
        wait_for(lambda: http_ok(f"http://127.0.0.1:{port}/metrics"), 60, f"{name} to be ready\n{worker.tail()}")
        self.workers.append(worker)
        return worker

    def start_watcher(self) -> ManagedProcess:
        port = free_port()
        argv = [sys.executable, str(REPO_ROOT / "manage.py"), "watch_sessions", "--metrics-port", str(port)]
        # The admin identity, so the request log's reconciler user counts only the worker's writes.
        env = {**self.env, "KUBECONFIG": str(self.kube.kubeconfig_path)}
        watcher = ManagedProcess("watcher", argv, env, self.directory, REPO_ROOT).start()
        wait_for(lambda: http_ok(f"http://127.0.0.1:{port}/metrics"), 60, f"watcher to be ready\n{watcher.tail()}")
        self.watcher = watcher
        self.watcher_metrics_url = f"http://127.0.0.1:{port}/metrics"
        return watcher

    def supervise(self) -> None:
        """What Kubernetes' restartPolicy does for the worker and watcher Deployments."""
        for worker in list(self.workers):
            if not worker.alive:
                self.workers.remove(worker)
        if not self.workers:
            self.start_worker("worker", self.worker_metrics_port)
        if self.watcher is None or not self.watcher.alive:
            self.start_watcher()

    def set_image_map(self, *, runner_mapped: bool = True) -> None:
        document = image_map(
            runner_image=RUNNER_IMAGE, content_image=CONTENT_IMAGE, runner_command=["{python}", str(FAKE_RUNNER)]
        )
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


def _worker_env(kube_config: Path, redis_url: str, directory: Path) -> dict[str, str]:
    passthrough = {key: value for key, value in os.environ.items() if key in {"PATH", "HOME", "LANG", "TMPDIR"}}
    return {
        **passthrough,
        "PYTHONPATH": str(REPO_ROOT),
        "PYTHONUNBUFFERED": "1",
        "DJANGO_SETTINGS_MODULE": "ambient.settings.test",
        "DATABASE_URL": f"sqlite:///{directory / 'db.sqlite3'}",
        "REDIS_URL": redis_url,
        "KUBECONFIG": str(kube_config),
        "CONTROL_PLANE_NAMESPACE": CONTROL_PLANE_NAMESPACE,
        "RECONCILER_RUNNER_IMAGE": RUNNER_IMAGE,
        "RECONCILER_CONTENT_IMAGE": CONTENT_IMAGE,
        "RECONCILER_CONTENT_COMMAND": ",".join(EMBEDDED_CONTENT_COMMAND),
        "RECONCILER_IMAGE_PULL_GRACE_SECONDS": str(IMAGE_PULL_GRACE_SECONDS),
        "RECONCILER_CREATION_DEADLINE_SECONDS": str(CREATION_DEADLINE_SECONDS),
        "RECONCILER_PENDING_REQUEUE_SECONDS": "1",
        "RECONCILER_CREATING_REQUEUE_SECONDS": "2",
        "RECONCILER_STOPPING_REQUEUE_SECONDS": "1",
        "RECONCILE_LEASE_TTL": "6",
        "RECONCILE_BACKOFF_CAP": "3",
        # Short, so a message held by a SIGKILLed worker comes back within the test's bound.
        "BROKER_VISIBILITY_TIMEOUT": "20",
        "BROKER_UNACKED_RESTORE_INTERVAL": "2",
        "BROKER_UNACKED_RESTORE_THROTTLE": "1",
        "CELERY_TASK_TIME_LIMIT": "15",
        "CELERY_TASK_SOFT_TIME_LIMIT": "12",
        "WATCH_LEASE_DURATION": "3",
        "WATCH_LEASE_RENEW_INTERVAL": "1",
        "WATCH_READ_TIMEOUT": "30",
        "LOG_LEVEL": "INFO",
    }


@pytest.fixture(scope="session")
def e2e_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    directory = tmp_path_factory.mktemp("e2e")
    image_map_path = directory / "images.yaml"
    # Room for a few dozen sessions at once; the unschedulable test asks for far more than this.
    os.environ.setdefault("LOCALKUBE_NODE_CPU", "64")
    os.environ.setdefault("LOCALKUBE_NODE_MEMORY", "256Gi")
    kube = LocalKube(image_map_file=image_map_path)
    redis = RedisServer(directory)
    stack = Stack(kube, redis, {}, directory, image_map_path, free_port())
    stack.set_image_map()
    kube.start()
    try:
        crd_install(kube.api_client())
        kubernetes.client.CoreV1Api(kube.api_client()).create_namespace({"metadata": {"name": CONTROL_PLANE_NAMESPACE}})
        kube_config = reconciler_kubeconfig(kube, directory / "reconciler-kubeconfig")
        redis.start()
        stack.env = _worker_env(kube_config, redis.url, directory)
        migrate = ManagedProcess(
            "migrate",
            [sys.executable, str(REPO_ROOT / "manage.py"), "migrate", "--noinput"],
            stack.env,
            directory,
            REPO_ROOT,
        ).start()
        assert migrate.process is not None and migrate.process.wait(timeout=120) == 0, migrate.tail()
        stack.start_worker("worker", stack.worker_metrics_port)
        stack.start_watcher()
        yield stack
    finally:
        stack.stop()


@pytest.fixture(scope="session")
def localkube(e2e_stack: Stack) -> LocalKube:
    """The e2e localkube replaces the plain one, so `kube_namespace` makes namespaces in it."""
    return e2e_stack.kube


@pytest.fixture
def stack(e2e_stack: Stack, kube_namespace: str) -> Iterator[Stack]:
    """Every e2e test: processes healthy before, the image map and faults restored after."""
    e2e_stack.supervise()
    yield e2e_stack
    e2e_stack.kube.reset_faults()
    e2e_stack.set_image_map()
