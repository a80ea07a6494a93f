"""Semantic 13: state survives restarts (same uids and resourceVersions), watches resume or get
410, and a SIGKILL in the middle of a write burst loses nothing that was acknowledged."""

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import kubernetes.client
import kubernetes.config
import pytest

from localkube.journal import JOURNAL, Journal
from localkube.store import Store
from localkube.testing import LocalKube, free_port
from localkube.tests.helpers import create_crd, raw_watch_lines, watch_until_added, widget

REPO = Path(__file__).resolve().parents[2]


def test_restart_keeps_uids_resource_versions_and_crds(tmp_path):
    with LocalKube(tmp_path / "state", controllers=[], fsync=True) as kube:
        api = kube.api_client()
        core = kubernetes.client.CoreV1Api(api)
        namespace = kube.create_namespace("persist-")
        created = core.create_namespaced_config_map(namespace, {"metadata": {"name": "c"}, "data": {"k": "v"}})
        group, version, plural = create_crd(api)
        objects = kubernetes.client.CustomObjectsApi(api)
        cr = objects.create_namespaced_custom_object(group, version, namespace, plural, widget("w", group))
        deleted = core.create_namespaced_secret(namespace, {"metadata": {"name": "gone"}})
        core.delete_namespaced_secret("gone", namespace)
        last_rv = core.list_namespaced_config_map(namespace).metadata.resource_version
        kube.restart()
        api = kube.api_client()
        core = kubernetes.client.CoreV1Api(api)
        objects = kubernetes.client.CustomObjectsApi(api)
        again = core.read_namespaced_config_map("c", namespace)
        assert (again.metadata.uid, again.metadata.resource_version) == (
            created.metadata.uid,
            created.metadata.resource_version,
        )
        cr_again = objects.get_namespaced_custom_object(group, version, namespace, plural, "w")
        assert cr_again["metadata"]["uid"] == cr["metadata"]["uid"]
        assert deleted.metadata.name not in [s.metadata.name for s in core.list_namespaced_secret(namespace).items]
        assert core.list_namespaced_config_map(namespace).metadata.resource_version == last_rv
        newer = core.patch_namespaced_config_map("c", namespace, {"data": {"k": "w"}})
        assert int(newer.metadata.resource_version) > int(last_rv)


def test_watch_after_restart_resumes_from_current_or_gets_410(tmp_path):
    with LocalKube(tmp_path / "state", controllers=[]) as kube:
        core = kubernetes.client.CoreV1Api(kube.api_client())
        namespace = kube.create_namespace("resume-")
        old = core.create_namespaced_config_map(namespace, {"metadata": {"name": "a"}})
        core.patch_namespaced_config_map("a", namespace, {"data": {"x": "1"}})
        current = core.list_namespaced_config_map(namespace).metadata.resource_version
        kube.restart()
        core = kubernetes.client.CoreV1Api(kube.api_client())
        # From the RV the client last saw, nothing is missed: a new change arrives.
        core.patch_namespaced_config_map("a", namespace, {"data": {"x": "2"}})
        core.create_namespaced_config_map(namespace, {"metadata": {"name": "zz-end"}})
        events = watch_until_added(
            core.list_namespaced_config_map, namespace, resource_version=current, sentinel="zz-end"
        )
        assert [(e["type"], e["object"].data["x"]) for e in events] == [("MODIFIED", "2")]
        # From an RV whose following events were not kept across the restart: 410, never a silent gap.
        lines = raw_watch_lines(
            kube.api_client(),
            f"/api/v1/namespaces/{namespace}/configmaps",
            [("resourceVersion", old.metadata.resource_version), ("timeoutSeconds", 2)],
            1,
        )
        assert lines[0]["type"] == "ERROR" and lines[0]["object"]["code"] == 410


def test_journal_ignores_torn_final_record_and_compacts(tmp_path):
    journal = Journal(tmp_path, compact_every=3)
    store = Store(journal)
    for index in range(5):
        store.put("", "configmaps", {"metadata": {"name": f"c{index}", "namespace": "n"}}, None)
    store.remove("", "configmaps", "n", "c0")
    journal.close()
    with (tmp_path / JOURNAL).open("ab") as handle:
        handle.write(b'{"rv": 99, "op": "put", "g": "", "r": "configm')  # torn: no newline
    reloaded = Store(Journal(tmp_path))
    reloaded.load()
    assert reloaded.resource_version == 6
    assert [o["metadata"]["name"] for o in reloaded.objects_of("", "configmaps")] == ["c1", "c2", "c3", "c4"]
    assert not (tmp_path / JOURNAL).read_bytes().endswith(b"configm")


# Kills a server process mid-burst and restarts it: a crash run for `make test`, not the fast lane.
@pytest.mark.slow
def test_sigkill_during_write_burst_loses_no_acknowledged_write(tmp_path):
    state = tmp_path / "state"
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    command = [
        sys.executable,
        "-m",
        "localkube",
        "serve",
        "--port",
        str(port),
        "--state-dir",
        str(state),
        "--no-controllers",
    ]

    def start() -> subprocess.Popen:
        process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=REPO)
        assert process.stdout is not None  # stdout=PIPE
        line = process.stdout.readline()
        assert json.loads(line)["url"].endswith(str(port))
        return process

    def client() -> kubernetes.client.CoreV1Api:
        return kubernetes.client.CoreV1Api(kubernetes.config.new_client_from_config(str(state / "kubeconfig")))

    process = start()
    acknowledged: dict[str, str] = {}
    core = client()
    namespace = core.create_namespace({"metadata": {"generateName": "crash-"}}).metadata.name

    def burst() -> None:
        for index in range(100000):
            try:
                made = core.create_namespaced_config_map(
                    namespace, {"metadata": {"name": f"c{index}"}, "data": {"blob": "x" * 2000}}
                )
            except Exception:  # the server died under us: expected
                return
            acknowledged[made.metadata.name] = made.metadata.uid

    writer = threading.Thread(target=burst)
    writer.start()
    try:
        deadline = 200
        while len(acknowledged) < deadline and writer.is_alive():
            threading.Event().wait(0.01)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        writer.join(timeout=30)
        process = start()
        core = client()
        stored = {c.metadata.name: c.metadata.uid for c in core.list_namespaced_config_map(namespace).items}
        assert set(acknowledged) <= set(stored)
        assert all(stored[name] == uid for name, uid in acknowledged.items())
        after = core.create_namespaced_config_map(namespace, {"metadata": {"name": "after-crash"}})
        assert int(after.metadata.resource_version) > max(
            int(c.metadata.resource_version)
            for c in core.list_namespaced_config_map(namespace).items
            if c.metadata.name != "after-crash"
        )
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def test_sigterm_shuts_down_cleanly(tmp_path):
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "localkube",
            "serve",
            "--port",
            str(port),
            "--state-dir",
            str(tmp_path),
            "--no-controllers",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        cwd=REPO,
    )
    assert process.stdout.readline()
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=15) == 0
