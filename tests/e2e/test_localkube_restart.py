"""localkube killed with SIGKILL and started again on the same state dir (a node that crashed and
came back): an interactive Running session is Running again on a new pod, with its workspace.

This module runs its own stack, with localkube as a real subprocess so it can be killed outright.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import kubernetes.client
import kubernetes.config
import pytest
from kubernetes.client import V1Namespace

from ambient.contract import CONTAINER_RUNNER, pvc_name
from localkube.runtime.volumes import pvc_dir
from localkube.testing import free_port
from reconciler.embedded_images import REPO_ROOT, image_map, write_image_map
from reconciler.tests.services_support import crd_install
from tests.e2e.database import migrated_database
from tests.e2e.processes import ManagedProcess, RedisServer, http_ok, stop_all, wait_for
from tests.e2e.stack import (
    CONTENT_IMAGE,
    CONTROL_PLANE_NAMESPACE,
    FAKE_RUNNER,
    RUNNER_IMAGE,
    database_path,
    watcher_argv,
    worker_env,
)
from tests.e2e.support import fake_runner_env, jobs, pods, session_create, session_read, wait_phase

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.slow]

NAMESPACE = "restart-test"


@dataclass
class RestartableStack:
    directory: Path
    state_dir: Path
    kube: ManagedProcess
    processes: list[ManagedProcess]

    @property
    def kubeconfig(self) -> Path:
        return self.state_dir / "kubeconfig"

    def admin(self) -> kubernetes.client.ApiClient:
        # A fresh client each time: a killed server leaves the old pool's connections dead.
        return kubernetes.config.new_client_from_config(config_file=str(self.kubeconfig))

    def wait_kube_ready(self) -> None:
        def answers() -> bool:
            with self.admin() as client:
                kubernetes.client.CoreV1Api(client).list_namespace(limit=1)
            return True

        wait_for(answers, 60, f"localkube to answer\n{self.kube.tail()}")

    def kill_kube(self) -> None:
        assert self.kube.process is not None
        os.killpg(self.kube.process.pid, signal.SIGKILL)
        self.kube.process.wait(timeout=10)

    def start_kube(self) -> None:
        self.kube.start()
        self.wait_kube_ready()


def _localkube(directory: Path, state_dir: Path, port: int) -> ManagedProcess:
    argv = [sys.executable, "-m", "localkube", "serve", "--port", str(port), "--state-dir", str(state_dir)]
    argv += ["--image-map", str(directory / "images.yaml")]
    env = {**os.environ, "LOCALKUBE_MAX_GRACE_SECONDS": "3"}
    return ManagedProcess("localkube", argv, env, directory, REPO_ROOT)


@pytest.fixture(scope="module")
def restartable(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RestartableStack]:
    directory = tmp_path_factory.mktemp("restart")
    state_dir = directory / "kube"
    write_image_map(
        directory / "images.yaml",
        image_map(
            runner_image=RUNNER_IMAGE, content_image=CONTENT_IMAGE, runner_command=["{python}", str(FAKE_RUNNER)]
        ),
    )
    stack = RestartableStack(directory, state_dir, _localkube(directory, state_dir, free_port()), [])
    redis = RedisServer(directory)
    # localkube, Redis and the migration start together; the worker and watcher once all are up.
    stack.kube.start()
    redis.start()
    env = worker_env(stack.kubeconfig, redis.url, directory)
    pool = ThreadPoolExecutor(max_workers=1)
    database = pool.submit(migrated_database, tmp_path_factory, env, database_path(directory))
    try:
        stack.wait_kube_ready()
        with stack.admin() as admin:
            crd_install(admin)
            core = kubernetes.client.CoreV1Api(admin)
            for namespace in (CONTROL_PLANE_NAMESPACE, NAMESPACE):
                core.create_namespace(V1Namespace.model_validate({"metadata": {"name": namespace}}))
        database.result()
        celery = [str(Path(sys.executable).parent / "celery"), "-A", "ambient", "worker", "--pool", "threads"]
        celery += ["--concurrency", "4", "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", "w@r"]
        worker_port, watcher_port = free_port(), free_port()
        metrics_env = {**env, "RECONCILER_WORKER_METRICS_PORT": str(worker_port)}
        stack.processes.append(ManagedProcess("worker", celery, metrics_env, directory, REPO_ROOT).start())
        stack.processes.append(ManagedProcess("watcher", watcher_argv(watcher_port), env, directory, REPO_ROOT).start())
        for port in (worker_port, watcher_port):
            wait_for(partial(http_ok, f"http://127.0.0.1:{port}/metrics"), 60, "worker and watcher")
        yield stack
    finally:
        pool.shutdown()
        stop_all([*stack.processes, stack.kube, *([redis.process] if redis.process else [])])


def _runner_pod(admin: kubernetes.client.ApiClient, name: str) -> Any | None:
    for pod in pods(admin, NAMESPACE, name):
        statuses = pod.status.container_statuses or []
        if any(status.name == CONTAINER_RUNNER and status.state.running for status in statuses):
            return pod
    return None


def test_running_session_survives_a_localkube_sigkill(restartable: RestartableStack) -> None:
    with restartable.admin() as admin:
        session_create(
            admin, NAMESPACE, "keep", interactive=True, environmentVariables=fake_runner_env(sleep="forever")
        )
        wait_phase(admin, NAMESPACE, "keep", "Running")
        before = wait_for(lambda: _runner_pod(admin, "keep"), 60, "the runner pod")
    note = pvc_dir(restartable.state_dir, NAMESPACE, pvc_name("keep")) / "artifacts" / "before-restart.txt"
    note.write_text("written while Running")

    restartable.kill_kube()
    restartable.start_kube()

    def running_again() -> Any | None:
        with restartable.admin() as admin:
            session = session_read(admin, NAMESPACE, "keep")
            pod = _runner_pod(admin, "keep")
            status = session.get("status") or {}
            moved = pod is not None and pod.metadata.uid != before.metadata.uid
            return (session, pod) if status.get("phase") == "Running" and moved else None

    session, pod = wait_for(running_again, 120, "the session Running again on a new pod")

    assert len(session["status"]["infrastructureLosses"]) == 1
    assert note.read_text() == "written while Running"
    claims = [
        volume.persistent_volume_claim.claim_name for volume in pod.spec.volumes if volume.persistent_volume_claim
    ]
    assert claims == [pvc_name("keep")]
    with restartable.admin() as admin:
        assert len(jobs(admin, NAMESPACE, "keep")) == 1
        events = kubernetes.client.CoreV1Api(admin).list_namespaced_event(
            NAMESPACE, field_selector="involvedObject.name=keep"
        )
    assert "InfrastructureLost" in {event.reason for event in events.items}
