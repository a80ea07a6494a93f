"""``manage.py watch_sessions`` as a process: leads, enqueues, serves probes, exits 0 on SIGTERM.

It runs without REDIS_URL, so this also covers the embedded fallback (SQLite claims, filesystem
broker) end to end.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import kubernetes.client
import pytest
import yaml

from ambient.contract import API_VERSION, GROUP, KIND, PLURAL, VERSION
from localkube.testing import LocalKube, free_port

pytestmark = [pytest.mark.localkube, pytest.mark.integration, pytest.mark.slow]

REPO_ROOT = Path(__file__).resolve().parents[2]
CRD_FILE = REPO_ROOT / "helm" / "ambient" / "crds" / "agenticsessions.yaml"


@pytest.fixture(scope="module")
def kube() -> Iterator[LocalKube]:
    with LocalKube(controllers=[]) as server:
        crd = yaml.safe_load(CRD_FILE.read_text())
        kubernetes.client.ApiextensionsV1Api(server.api_client()).create_custom_resource_definition(crd)
        yield server


def wait_until(predicate, timeout: float = 30.0, message: str = "") -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting: {message}")
        time.sleep(0.05)


def claimed_names(path: Path) -> set[str]:
    if not path.exists():
        return set()
    with closing(sqlite3.connect(path, timeout=5)) as connection:
        try:
            return {row[0] for row in connection.execute("SELECT name FROM entries")}
        except sqlite3.OperationalError:  # the table is not created yet
            return set()


def http_get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - a local probe URL
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except OSError:
        return 0, ""


def test_watch_sessions_command_leads_enqueues_probes_and_exits_cleanly(kube: LocalKube, tmp_path: Path) -> None:
    namespace = kube.create_namespace("cmd-")
    lease_namespace = f"{namespace}-system"
    custom = kubernetes.client.CustomObjectsApi(kube.api_client())
    body = {"apiVersion": API_VERSION, "kind": KIND, "metadata": {"name": "s1"}, "spec": {"initialPrompt": "hi"}}
    custom.create_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL, body)
    queue_db = tmp_path / "queue.sqlite3"
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "REDIS_URL", "KUBE"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "ambient.settings.test",
            "PYTHONPATH": str(REPO_ROOT),
            "REDIS_URL": "",
            "KUBECONFIG": str(kube.kubeconfig_path),
            "CONTROL_PLANE_NAMESPACE": lease_namespace,
            "RECONCILE_QUEUE_SQLITE_PATH": str(queue_db),
            "RECONCILE_KEY_PREFIX": "cmd:",
            "WATCH_LEASE_RENEW_INTERVAL": "0.2",
            "WATCH_LEASE_DURATION": "2",
        }
    )
    process = subprocess.Popen(
        [sys.executable, "manage.py", "watch_sessions", "--namespace", namespace, "--metrics-port", str(port)],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        # The enqueue claimed q:{key} in the fallback store (and sent the task to the broker).
        wait_until(lambda: f"cmd:q:{namespace}/s1" in claimed_names(queue_db), message="s1 enqueued")
        status, text = http_get(f"http://127.0.0.1:{port}/healthz")
        assert status == 200, text
        status, text = http_get(f"http://127.0.0.1:{port}/metrics")
        assert "ambient_watcher_last_event_age_seconds" in text
        assert "ambient_watcher_leader 1.0" in text
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
        assert process.returncode == 0, output
        lease = custom.get_namespaced_custom_object(
            "coordination.k8s.io", "v1", lease_namespace, "leases", "ambient-session-watcher"
        )
        assert isinstance(lease, dict)
        assert lease["spec"]["holderIdentity"] == "", json.dumps(lease)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=30)
        core = kubernetes.client.CoreV1Api(kube.api_client())
        for name in (namespace, lease_namespace):
            try:
                core.delete_namespace(name)
            except kubernetes.client.ApiException as error:
                if error.status != 404:
                    raise
