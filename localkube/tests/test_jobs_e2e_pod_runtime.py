"""The pod runtime through the real kubernetes client (in-process localkube).

Env and secret volumes, init containers, log streaming, the node, and lost containers after a restart.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kubernetes.client
import pytest
from kubernetes.client import V1ConfigMap, V1Pod, V1Secret

from localkube.runtime.tests.e2e_support import (
    TEST_IMAGE,
    condition,
    container_pid,
    first_container_state,
    pid_alive,
    pod_status,
    present,
    wait_for,
)
from localkube.testing import LocalKube

pytestmark = [pytest.mark.localkube, pytest.mark.integration]


def test_env_and_secret_volume(core: kubernetes.client.CoreV1Api, kube_namespace: str) -> None:
    core.create_namespaced_secret(
        kube_namespace, V1Secret.model_validate({"metadata": {"name": "tok"}, "stringData": {"token": "v1"}})
    )
    core.create_namespaced_config_map(
        kube_namespace, V1ConfigMap.model_validate({"metadata": {"name": "cfg"}, "data": {"MODE": "dev"}})
    )
    code = (
        "import os, time\n"
        "print(os.environ['MODE'], os.environ['POD'], os.environ['TOKEN'], os.environ['TOKEN_FILE'], flush=True)\n"
        "seen = None\n"
        "for _ in range(1200):\n"
        "    value = open('/var/run/secrets/ambient/token').read()\n"
        "    if value != seen: print('file', value, flush=True); seen = value\n"
        "    if value == 'v2': break\n"
        "    time.sleep(0.05)\n"
    )
    container = {
        "name": "main",
        "image": TEST_IMAGE,
        "command": ["{python}", "-c", code],
        "envFrom": [{"configMapRef": {"name": "cfg"}}],
        "env": [
            {"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
            {"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "tok", "key": "token"}}},
            {"name": "TOKEN_FILE", "value": "/var/run/secrets/ambient/token"},
        ],
        "volumeMounts": [{"name": "tok", "mountPath": "/var/run/secrets/ambient", "readOnly": True}],
    }
    spec = {
        "restartPolicy": "Never",
        "containers": [container],
        "volumes": [{"name": "tok", "secret": {"secretName": "tok"}}],
    }
    core.create_namespaced_pod(kube_namespace, V1Pod.model_validate({"metadata": {"name": "envy"}, "spec": spec}))
    first = wait_for(
        lambda: log if "file v1" in (log := core.read_namespaced_pod_log("envy", kube_namespace)) else None,
        "the first log lines",
        tolerate=(400, 404),  # 400 while the container is still being created
    )
    mode, pod, token, token_file = first.splitlines()[0].split()
    assert (mode, pod, token) == ("dev", "envy", "v1")
    assert token_file != "/var/run/secrets/ambient/token" and token_file.endswith("/token")
    core.patch_namespaced_secret("tok", kube_namespace, {"stringData": {"token": "v2"}})
    wait_for(lambda: pod_status(core, "envy", kube_namespace).phase == "Succeeded", "the refresh")
    assert "file v2" in core.read_namespaced_pod_log("envy", kube_namespace)


def test_init_containers_run_first(core: kubernetes.client.CoreV1Api, kube_namespace: str) -> None:
    mount = [{"name": "shared", "mountPath": "/shared"}]
    spec = {
        "restartPolicy": "Never",
        "volumes": [{"name": "shared", "emptyDir": {}}],
        "initContainers": [
            {
                "name": "prepare",
                "image": TEST_IMAGE,
                "command": ["{python}", "-c", "open('/shared/f', 'w').write('prepared')"],
                "volumeMounts": mount,
            }
        ],
        "containers": [
            {
                "name": "main",
                "image": TEST_IMAGE,
                "command": ["{python}", "-c", "print(open('/shared/f').read())"],
                "volumeMounts": mount,
            }
        ],
    }
    core.create_namespaced_pod(kube_namespace, V1Pod.model_validate({"metadata": {"name": "init"}, "spec": spec}))

    def succeeded() -> V1Pod | None:
        found = core.read_namespaced_pod_status("init", kube_namespace)
        return found if found.status and found.status.phase == "Succeeded" else None

    pod = wait_for(succeeded, "the pod to succeed")
    init_statuses = present(pod.status, "the pod status").init_container_statuses or []
    assert init_statuses and init_statuses[0].state and init_statuses[0].state.terminated
    assert init_statuses[0].state.terminated.reason == "Completed"
    assert condition(pod, "Initialized").status == "True"
    assert core.read_namespaced_pod_log("init", kube_namespace, container="main") == "prepared\n"
    assert core.read_namespaced_pod_log("init", kube_namespace, container="prepare") == ""
    with pytest.raises(kubernetes.client.ApiException) as error:
        core.read_namespaced_pod_log("init", kube_namespace, container="other")
    assert error.value.status == 400


def test_follow_streams_the_log_while_running(
    core: kubernetes.client.CoreV1Api, kube_namespace: str, tmp_path: Path
) -> None:
    gate = tmp_path / "gate"
    code = (
        "import os, sys, time\n"
        "print('one', flush=True)\n"
        "while not os.path.exists(sys.argv[1]): time.sleep(0.05)\n"
        "print('two', flush=True)\n"
    )
    container = {"name": "main", "image": TEST_IMAGE, "command": ["{python}", "-c", code, str(gate)]}
    core.create_namespaced_pod(
        kube_namespace,
        V1Pod.model_validate(
            {"metadata": {"name": "talk"}, "spec": {"restartPolicy": "Never", "containers": [container]}}
        ),
    )
    wait_for(
        lambda: core.read_namespaced_pod_log("talk", kube_namespace) == "one\n", "the first line", tolerate=(400, 404)
    )
    stream = core.read_namespaced_pod_log(
        "talk", kube_namespace, follow=True, _preload_content=False, _request_timeout=60
    )
    # With _preload_content=False the client hands back the raw urllib3 response, not the str it is annotated with
    chunks = stream.stream(16)  # type: ignore[attr-defined]
    assert next(chunks) == b"one\n"
    gate.write_text("open")
    assert b"".join(chunks) == b"two\n"  # ends by itself once the container has exited


def test_node_is_registered(core: kubernetes.client.CoreV1Api) -> None:
    node = wait_for(lambda: core.read_node("localkube"), "node localkube")
    allocatable = present(node.status, "the node status").allocatable
    assert allocatable is not None and allocatable["cpu"] == "8"
    assert condition(node, "Ready").status == "True"


def test_restart_reports_lost_containers(tmp_path: Path) -> None:
    image_map = tmp_path / "images.yaml"
    image_map.write_text(f'images:\n  "{TEST_IMAGE}": {{}}\n')
    with LocalKube(state_dir=tmp_path / "state", image_map_file=image_map) as kube:
        core = kubernetes.client.CoreV1Api(kube.api_client())
        namespace = kube.create_namespace()
        container = {"name": "main", "image": TEST_IMAGE, "command": ["{python}", "-c", "import time; time.sleep(600)"]}
        core.create_namespaced_pod(
            namespace,
            V1Pod.model_validate(
                {
                    "metadata": {"name": "longrun"},
                    "spec": {"restartPolicy": "Never", "terminationGracePeriodSeconds": 1, "containers": [container]},
                }
            ),
        )
        pod = wait_for(
            lambda: (p := core.read_namespaced_pod("longrun", namespace)) and container_pid(p) and p, "a pid"
        )
        pid = container_pid(pod)
        assert pid is not None
        kube.restart()
        assert not pid_alive(pid)  # shutdown stopped it; a restart cannot re-attach to anything
        core = kubernetes.client.CoreV1Api(kube.api_client())

        def lost() -> Any:
            found = core.read_namespaced_pod_status("longrun", namespace)
            state = first_container_state(present(found.status, "the pod status"))
            terminated = state.terminated if state else None
            return found if terminated and terminated.reason == "ContainerStatusUnknown" else None

        found = wait_for(lost, "ContainerStatusUnknown")
        assert found.status.container_statuses[0].state.terminated.exit_code == 137
        assert found.status.phase == "Failed"
