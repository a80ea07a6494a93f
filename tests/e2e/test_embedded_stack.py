"""`manage.py run_embedded` as a user runs it (`make run`): every process supervised.

One stack per module on free ports in a private state directory, the runner image mapped to the
fake runner. Each process of the control plane is SIGKILLed in turn: supervisord brings it back
under a new pid, no other process is restarted, and a new session still reaches Running.
"""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import kubernetes.client
import kubernetes.config
import pytest

from ambient.contract import GROUP, PLURAL, VERSION
from ambient.embedded.identity import DEMO_PROJECT
from ambient.embedded.supervision import RUNNING, Supervisor
from localkube.testing import free_port, present
from reconciler.embedded_images import REPO_ROOT, image_map, write_image_map
from tests.e2e.processes import ManagedProcess, http_ok, wait_for
from tests.e2e.support import fake_runner_env, session_create, wait_phase

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.slow]

RUNNER_IMAGE = "ambient-test/fake-runner:embedded"
CONTENT_IMAGE = "ambient-test/content:embedded"
FAKE_RUNNER = Path(__file__).resolve().parent / "fake_runner.py"
PROGRAMS = {"redis", "localkube", "worker", "beat", "watcher", "api"}
# Bounds on hangs only; nothing asserts how fast anything happened.
START_TIMEOUT = 180.0
RESTART_TIMEOUT = 90.0


@dataclass
class EmbeddedStack:
    process: ManagedProcess
    state_dir: Path
    api_port: int
    supervisor: Supervisor

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    def admin(self) -> kubernetes.client.ApiClient:
        kubeconfig = self.state_dir / "localkube" / "kubeconfig"
        return kubernetes.config.new_client_from_config(config_file=str(kubeconfig))

    def running_pids(self) -> dict[str, int] | None:
        """Every program's pid once all of them are RUNNING, else None."""
        processes = self.supervisor.processes()
        if set(processes) != PROGRAMS or any(info["statename"] != RUNNING for info in processes.values()):
            return None
        return {name: info["pid"] for name, info in processes.items()}


def _environment(state_dir: Path, image_map_path: Path) -> dict[str, str]:
    passthrough = {key: value for key, value in os.environ.items() if key in {"PATH", "HOME", "LANG", "TMPDIR"}}
    return {
        **passthrough,
        "PYTHONPATH": str(REPO_ROOT),
        "DJANGO_SETTINGS_MODULE": "ambient.settings.local",
        "AMBIENT_STATE_DIR": str(state_dir),
        "EMBEDDED_IMAGE_MAP": str(image_map_path),
        "RECONCILER_RUNNER_IMAGE": RUNNER_IMAGE,
        "RECONCILER_CONTENT_IMAGE": CONTENT_IMAGE,
        # A restarted watcher takes the lease over quickly; a killed worker's task comes back soon.
        "WATCH_LEASE_DURATION": "3",
        "WATCH_LEASE_RENEW_INTERVAL": "1",
        "BROKER_VISIBILITY_TIMEOUT": "20",
        "BROKER_UNACKED_RESTORE_INTERVAL": "2",
        "BROKER_UNACKED_RESTORE_THROTTLE": "1",
        "CELERY_TASK_TIME_LIMIT": "15",
        "CELERY_TASK_SOFT_TIME_LIMIT": "12",
        "RECONCILE_LEASE_TTL": "6",
        # A restarted process counts as RUNNING after 1 s instead of 3 (each restart here waits for it).
        "EMBEDDED_START_SECONDS": "1",
        "LOG_LEVEL": "INFO",
    }


def _run_embedded_argv(*, api_port: int, kube_port: int, redis_port: int) -> list[str]:
    return [
        sys.executable,
        str(REPO_ROOT / "manage.py"),
        "run_embedded",
        "--port",
        str(api_port),
        "--localkube-port",
        str(kube_port),
        "--redis-port",
        str(redis_port),
    ]


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedStack]:
    state_dir = tmp_path_factory.mktemp("embedded") / "state"
    logs = state_dir.parent
    image_map_path = logs / "images.yaml"
    document = image_map(
        runner_image=RUNNER_IMAGE, content_image=CONTENT_IMAGE, runner_command=["{python}", str(FAKE_RUNNER)]
    )
    write_image_map(image_map_path, document)
    api_port = free_port()
    argv = _run_embedded_argv(api_port=api_port, kube_port=free_port(), redis_port=free_port())
    process = ManagedProcess("run_embedded", argv, _environment(state_dir, image_map_path), logs, REPO_ROOT).start()
    stack = EmbeddedStack(process, state_dir, api_port, Supervisor(state_dir))
    try:
        wait_for(
            lambda: stack.running_pids() and http_ok(f"{stack.api_url}/healthz"),
            START_TIMEOUT,
            f"the embedded stack to run\n{process.tail()}",
        )
        yield stack
    finally:
        # SIGTERM, like Ctrl-C: run_embedded stops supervisord, which stops every program.
        process.stop(timeout=90)


def _new_session_reaches_running(stack: EmbeddedStack, name: str) -> None:
    with stack.admin() as admin:
        session_create(
            admin, DEMO_PROJECT, name, interactive=True, environmentVariables=fake_runner_env(sleep="forever")
        )
        wait_phase(admin, DEMO_PROJECT, name, "Running", timeout=RESTART_TIMEOUT)
        kubernetes.client.CustomObjectsApi(admin).delete_namespaced_custom_object(
            GROUP, VERSION, DEMO_PROJECT, PLURAL, name
        )


@pytest.mark.parametrize("victim", ["worker", "watcher", "beat", "api"])
def test_a_killed_process_comes_back_and_nothing_else_restarts(embedded: EmbeddedStack, victim: str) -> None:
    before = wait_for(embedded.running_pids, START_TIMEOUT, "every program RUNNING")
    os.kill(before[victim], 9)

    def restarted() -> dict[str, int] | None:
        pids = embedded.running_pids()
        return pids if pids and pids[victim] != before[victim] else None

    after = wait_for(restarted, RESTART_TIMEOUT, f"{victim} to be restarted\n{embedded.process.tail()}")
    assert {name: pid for name, pid in after.items() if name != victim} == {
        name: pid for name, pid in before.items() if name != victim
    }
    wait_for(lambda: http_ok(f"{embedded.api_url}/healthz"), RESTART_TIMEOUT, "the API to answer")
    _new_session_reaches_running(embedded, f"after-{victim}")
    log = (embedded.state_dir / "logs" / "supervisord.log").read_text()
    assert f"exited: {victim} (terminated by SIGKILL; not expected)" in log


def test_localkube_is_restarted_on_its_own_state(embedded: EmbeddedStack) -> None:
    with embedded.admin() as admin:
        core = kubernetes.client.CoreV1Api(admin)
        # No pod of an earlier test is left for the killed localkube to orphan.
        wait_for(lambda: not core.list_namespaced_pod(DEMO_PROJECT).items, RESTART_TIMEOUT, "demo pods to go")
        demo_uid = present(core.read_namespace(DEMO_PROJECT).metadata, "the namespace metadata").uid
    before = wait_for(embedded.running_pids, START_TIMEOUT, "every program RUNNING")
    os.kill(before["localkube"], 9)

    def restarted() -> dict[str, int] | None:
        pids = embedded.running_pids()
        return pids if pids and pids["localkube"] != before["localkube"] else None

    after = wait_for(restarted, RESTART_TIMEOUT, f"localkube to be restarted\n{embedded.process.tail()}")
    assert {name: pid for name, pid in after.items() if name != "localkube"} == {
        name: pid for name, pid in before.items() if name != "localkube"
    }

    def demo_namespace_uid() -> str | None:
        with embedded.admin() as admin:
            namespace = kubernetes.client.CoreV1Api(admin).read_namespace(DEMO_PROJECT)
            return namespace.metadata.uid if namespace.metadata else None

    assert wait_for(demo_namespace_uid, RESTART_TIMEOUT, "localkube to answer again") == demo_uid
    _new_session_reaches_running(embedded, "after-localkube")


def test_access_log_masks_query_string_tokens(embedded: EmbeddedStack) -> None:
    with urllib.request.urlopen(f"{embedded.api_url}/healthz?token=leaky-secret-value", timeout=10) as response:  # noqa: S310
        assert response.status == 200
    api_log = embedded.state_dir / "logs" / "api.log"
    wait_for(lambda: "token=[REDACTED]" in api_log.read_text(), 30, "the redacted access log line")
    assert "leaky-secret-value" not in api_log.read_text()


def test_state_and_logs_are_owner_only(embedded: EmbeddedStack) -> None:
    for path in (embedded.state_dir, embedded.state_dir / "localkube", embedded.state_dir / "logs"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o700, path
    for path in (
        embedded.state_dir / "db.sqlite3",
        embedded.state_dir / "redis" / "redis.conf",
        embedded.state_dir / "logs" / "worker.log",
        embedded.state_dir / "localkube" / "kubeconfig",
    ):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_a_busy_port_stops_start_up_with_one_line(tmp_path: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        busy = holder.getsockname()[1]
        argv = _run_embedded_argv(api_port=busy, kube_port=free_port(), redis_port=free_port())
        env = _environment(tmp_path / "state", tmp_path / "images.yaml")
        result = subprocess.run(argv, env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert f"port {busy}" in lines[0] and "PORT=" in lines[0] and "--port" in lines[0]
    assert "Ambient is running" not in result.stdout
