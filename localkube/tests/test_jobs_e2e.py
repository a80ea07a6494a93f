"""The pod runtime and Job controller through the real kubernetes client (in-process localkube)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kubernetes.client
import pytest

from localkube.runtime.tests.e2e_support import (
    TEST_IMAGE,
    condition,
    container_pid,
    events_for,
    job_pods,
    map_images,
    pid_alive,
    python_job,
    wait_for,
)
from localkube.testing import LocalKube

pytestmark = [pytest.mark.localkube, pytest.mark.integration]


@pytest.fixture
def core(localkube: LocalKube) -> kubernetes.client.CoreV1Api:
    map_images(localkube, {TEST_IMAGE: {}})
    return kubernetes.client.CoreV1Api(localkube.api_client())


@pytest.fixture
def batch(localkube: LocalKube) -> kubernetes.client.BatchV1Api:
    return kubernetes.client.BatchV1Api(localkube.api_client())


def job_condition(batch: kubernetes.client.BatchV1Api, namespace: str, name: str, kind: str) -> Any:
    found = condition(batch.read_namespaced_job_status(name, namespace), kind)
    return found if found is not None and found.status == "True" else None


def test_job_runs_to_completion(
    localkube: LocalKube, core: kubernetes.client.CoreV1Api, batch: kubernetes.client.BatchV1Api, kube_namespace: str
) -> None:
    # The container waits for a file on its PVC, so the test sees it Running before it finishes.
    core.create_namespaced_persistent_volume_claim(
        kube_namespace,
        {
            "metadata": {"name": "data"},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
        },
    )
    code = (
        "import os, time\nwhile not os.path.exists('/data/go'): time.sleep(0.05)\nprint('hi', open('/data/go').read())"
    )
    job = python_job(
        "hello",
        code,
        pod_spec={
            "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "data"}}],
            "containers": [
                {
                    "name": "main",
                    "image": TEST_IMAGE,
                    "command": ["{python}", "-c", code],
                    "volumeMounts": [{"name": "data", "mountPath": "/data"}],
                }
            ],
        },
    )
    batch.create_namespaced_job(kube_namespace, job)
    pod = wait_for(lambda: job_pods(core, kube_namespace, "hello"), "the job's pod")[0]
    name = pod.metadata.name
    assert pod.metadata.labels["job-name"] == "hello"
    assert pod.metadata.labels["batch.kubernetes.io/job-name"] == "hello"
    owner = pod.metadata.owner_references[0]
    assert (owner.kind, owner.controller, owner.block_owner_deletion) == ("Job", True, True)

    running = wait_for(
        lambda: (found := core.read_namespaced_pod_status(name, kube_namespace)).status.phase == "Running" and found,
        "the pod to run",
    )
    assert running.spec.node_name == "localkube" and running.status.pod_ip == "127.0.0.1"
    assert condition(running, "PodScheduled").status == "True"
    assert core.read_namespaced_persistent_volume_claim_status("data", kube_namespace).status.phase == "Bound"
    assert wait_for(lambda: batch.read_namespaced_job_status("hello", kube_namespace).status.active == 1, "active=1")

    claim_dir = Path(localkube.state_dir) / "volumes" / "pvc" / kube_namespace / "data"
    (claim_dir / "go").write_text("there")
    wait_for(lambda: job_condition(batch, kube_namespace, "hello", "Complete"), "the Job to complete")

    finished = core.read_namespaced_pod_status(name, kube_namespace)
    assert finished.status.phase == "Succeeded"
    terminated = finished.status.container_statuses[0].state.terminated
    assert (terminated.exit_code, terminated.reason) == (0, "Completed")
    assert terminated.started_at and terminated.finished_at
    status = batch.read_namespaced_job_status("hello", kube_namespace).status
    assert (status.succeeded, status.active or 0, status.failed or 0) == (1, 0, 0)
    assert status.start_time and status.completion_time
    assert core.read_namespaced_pod_log(name, kube_namespace) == "hi there\n"
    assert core.read_namespaced_pod_log(name, kube_namespace, tail_lines=0) == ""
    assert {"SuccessfulCreate", "Completed"} <= events_for(core, kube_namespace, "hello")
    assert {"Scheduled", "Pulled", "Created", "Started"} <= events_for(core, kube_namespace, name)


def test_failing_job_exceeds_backoff_limit(
    core: kubernetes.client.CoreV1Api, batch: kubernetes.client.BatchV1Api, kube_namespace: str
) -> None:
    batch.create_namespaced_job(
        kube_namespace, python_job("fails", "import sys; print('boom'); sys.exit(3)", backoffLimit=1)
    )
    failed = wait_for(lambda: job_condition(batch, kube_namespace, "fails", "Failed"), "the Job to fail")
    assert failed.reason == "BackoffLimitExceeded"
    status = batch.read_namespaced_job_status("fails", kube_namespace).status
    assert status.failed == 2 and not status.succeeded
    pods = job_pods(core, kube_namespace, "fails")
    assert len(pods) == 2 and {pod.status.phase for pod in pods} == {"Failed"}
    terminated = pods[0].status.container_statuses[0].state.terminated
    assert (terminated.exit_code, terminated.reason) == (3, "Error")
    assert "BackoffLimitExceeded" in events_for(core, kube_namespace, "fails")


def test_active_deadline_kills_the_process(
    core: kubernetes.client.CoreV1Api, batch: kubernetes.client.BatchV1Api, kube_namespace: str
) -> None:
    batch.create_namespaced_job(
        kube_namespace, python_job("slow", "import time; time.sleep(600)", activeDeadlineSeconds=2)
    )
    pod = wait_for(
        lambda: next((p for p in job_pods(core, kube_namespace, "slow") if container_pid(p)), None), "a running pod"
    )
    pid = container_pid(pod)
    assert pid is not None and pid_alive(pid)
    failed = wait_for(lambda: job_condition(batch, kube_namespace, "slow", "Failed"), "the deadline")
    assert failed.reason == "DeadlineExceeded"
    wait_for(lambda: not pid_alive(pid), "the process to be killed")
    wait_for(lambda: not job_pods(core, kube_namespace, "slow"), "the pod to be deleted")
    assert "DeadlineExceeded" in events_for(core, kube_namespace, "slow")


def test_unmapped_image_backs_off(core: kubernetes.client.CoreV1Api, kube_namespace: str) -> None:
    pod = {
        "metadata": {"name": "nope"},
        "spec": {"containers": [{"name": "main", "image": "registry.example/not-mapped:v1"}]},
    }
    core.create_namespaced_pod(kube_namespace, pod)

    def waiting_reason() -> str | None:
        statuses = core.read_namespaced_pod_status("nope", kube_namespace).status.container_statuses or []
        waiting = statuses[0].state.waiting if statuses else None
        return waiting.reason if waiting and waiting.reason == "ImagePullBackOff" else None

    wait_for(waiting_reason, "ImagePullBackOff")
    found = core.read_namespaced_pod_status("nope", kube_namespace)
    assert found.status.phase == "Pending"
    assert (
        found.status.container_statuses[0].state.waiting.message
        == 'Back-off pulling image "registry.example/not-mapped:v1"'
    )
    assert wait_for(lambda: {"BackOff", "Failed"} <= events_for(core, kube_namespace, "nope"), "pull events")
    with pytest.raises(kubernetes.client.ApiException) as error:
        core.read_namespaced_pod_log("nope", kube_namespace)
    assert error.value.status == 400


@pytest.mark.parametrize(
    ("image", "reason"), [("Bad Image", "InvalidImageName"), (TEST_IMAGE, "CreateContainerConfigError")]
)
def test_container_config_errors(
    core: kubernetes.client.CoreV1Api, kube_namespace: str, image: str, reason: str
) -> None:
    env = [{"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "missing", "key": "k"}}}]
    core.create_namespaced_pod(
        kube_namespace,
        {
            "metadata": {"name": "bad"},
            "spec": {"containers": [{"name": "main", "image": image, "command": ["x"], "env": env}]},
        },
    )

    def waiting() -> Any:
        statuses = core.read_namespaced_pod_status("bad", kube_namespace).status.container_statuses or []
        state = statuses[0].state.waiting if statuses else None
        return state if state and state.reason == reason else None

    assert wait_for(waiting, reason).message


def test_unschedulable_request_stays_pending(core: kubernetes.client.CoreV1Api, kube_namespace: str) -> None:
    resources = {"requests": {"memory": "64Ti", "cpu": "100m"}}
    core.create_namespaced_pod(
        kube_namespace,
        {
            "metadata": {"name": "huge"},
            "spec": {
                "containers": [{"name": "main", "image": TEST_IMAGE, "command": ["true"], "resources": resources}]
            },
        },
    )
    scheduled = wait_for(
        lambda: condition(core.read_namespaced_pod_status("huge", kube_namespace), "PodScheduled"), "PodScheduled"
    )
    assert (scheduled.status, scheduled.reason) == ("False", "Unschedulable")
    assert scheduled.message == "0/1 nodes are available: 1 Insufficient memory."
    pod = core.read_namespaced_pod("huge", kube_namespace)
    assert pod.status.phase == "Pending" and not pod.spec.node_name
    assert wait_for(lambda: "FailedScheduling" in events_for(core, kube_namespace, "huge"), "FailedScheduling")


@pytest.mark.parametrize("propagation", ["Background", "Foreground"])
def test_deleting_the_job_kills_its_pod(
    core: kubernetes.client.CoreV1Api, batch: kubernetes.client.BatchV1Api, kube_namespace: str, propagation: str
) -> None:
    batch.create_namespaced_job(kube_namespace, python_job("busy", "import time; time.sleep(600)"))
    pod = wait_for(
        lambda: next((p for p in job_pods(core, kube_namespace, "busy") if container_pid(p)), None), "a running pod"
    )
    pid = container_pid(pod)
    assert pid is not None
    batch.delete_namespaced_job("busy", kube_namespace, propagation_policy=propagation)
    wait_for(lambda: not pid_alive(pid), "the process to be killed")
    wait_for(lambda: not job_pods(core, kube_namespace, "busy"), "the pod to be deleted")
    wait_for(lambda: not batch.list_namespaced_job(kube_namespace).items, "the job to be deleted")


def test_env_and_secret_volume(core: kubernetes.client.CoreV1Api, kube_namespace: str) -> None:
    core.create_namespaced_secret(kube_namespace, {"metadata": {"name": "tok"}, "stringData": {"token": "v1"}})
    core.create_namespaced_config_map(kube_namespace, {"metadata": {"name": "cfg"}, "data": {"MODE": "dev"}})
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
    core.create_namespaced_pod(kube_namespace, {"metadata": {"name": "envy"}, "spec": spec})
    first = wait_for(
        lambda: "file v1" in (log := core.read_namespaced_pod_log("envy", kube_namespace)) and log,
        "the first log lines",
        tolerate=(400, 404),  # 400 while the container is still being created
    )
    mode, pod, token, token_file = first.splitlines()[0].split()
    assert (mode, pod, token) == ("dev", "envy", "v1")
    assert token_file != "/var/run/secrets/ambient/token" and token_file.endswith("/token")
    core.patch_namespaced_secret("tok", kube_namespace, {"stringData": {"token": "v2"}})
    wait_for(lambda: core.read_namespaced_pod_status("envy", kube_namespace).status.phase == "Succeeded", "the refresh")
    assert "file v2" in core.read_namespaced_pod_log("envy", kube_namespace)


def test_crash_loop_back_off_and_previous_log(core: kubernetes.client.CoreV1Api, kube_namespace: str) -> None:
    container = {
        "name": "main",
        "image": TEST_IMAGE,
        "command": ["{python}", "-c", "print('crash'); raise SystemExit(1)"],
    }
    core.create_namespaced_pod(
        kube_namespace, {"metadata": {"name": "crashy"}, "spec": {"restartPolicy": "Always", "containers": [container]}}
    )

    def crash_looping() -> Any:
        status = core.read_namespaced_pod_status("crashy", kube_namespace).status
        entry = (status.container_statuses or [None])[0]
        waiting = entry.state.waiting if entry else None
        return entry if waiting and waiting.reason == "CrashLoopBackOff" and entry.restart_count >= 1 else None

    entry = wait_for(crash_looping, "CrashLoopBackOff")
    assert entry.last_state.terminated.exit_code == 1
    assert core.read_namespaced_pod_status("crashy", kube_namespace).status.phase == "Running"
    assert core.read_namespaced_pod_log("crashy", kube_namespace, previous=True) == "crash\n"
    assert "BackOff" in events_for(core, kube_namespace, "crashy")


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
    core.create_namespaced_pod(kube_namespace, {"metadata": {"name": "init"}, "spec": spec})
    pod = wait_for(
        lambda: (
            (found := core.read_namespaced_pod_status("init", kube_namespace)).status.phase == "Succeeded" and found
        ),
        "the pod to succeed",
    )
    assert pod.status.init_container_statuses[0].state.terminated.reason == "Completed"
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
        kube_namespace, {"metadata": {"name": "talk"}, "spec": {"restartPolicy": "Never", "containers": [container]}}
    )
    wait_for(
        lambda: core.read_namespaced_pod_log("talk", kube_namespace) == "one\n", "the first line", tolerate=(400, 404)
    )
    stream = core.read_namespaced_pod_log(
        "talk", kube_namespace, follow=True, _preload_content=False, _request_timeout=60
    )
    chunks = stream.stream(16)
    assert next(chunks) == b"one\n"
    gate.write_text("open")
    assert b"".join(chunks) == b"two\n"  # ends by itself once the container has exited


def test_node_is_registered(core: kubernetes.client.CoreV1Api) -> None:
    node = wait_for(lambda: core.read_node("localkube"), "node localkube")
    assert node.status.allocatable["cpu"] == "8"
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
            {
                "metadata": {"name": "longrun"},
                "spec": {"restartPolicy": "Never", "terminationGracePeriodSeconds": 1, "containers": [container]},
            },
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
            terminated = found.status.container_statuses[0].state.terminated
            return found if terminated and terminated.reason == "ContainerStatusUnknown" else None

        found = wait_for(lost, "ContainerStatusUnknown")
        assert found.status.container_statuses[0].state.terminated.exit_code == 137
        assert found.status.phase == "Failed"


def test_native_sidecar_is_stopped_when_the_job_finishes(
    core: kubernetes.client.CoreV1Api, batch: kubernetes.client.BatchV1Api, kube_namespace: str
) -> None:
    sidecar = {
        "name": "side",
        "image": TEST_IMAGE,
        "restartPolicy": "Always",
        "command": ["{python}", "-c", "import time; time.sleep(600)"],
    }
    job = python_job("withside", "print('main done')", pod_spec={"initContainers": [sidecar]})
    batch.create_namespaced_job(kube_namespace, job)

    def sidecar_pid() -> int | None:
        for pod in job_pods(core, kube_namespace, "withside"):
            for status in pod.status.init_container_statuses or []:
                if status.container_id:
                    return int(status.container_id.rsplit("/", 1)[1])
        return None

    pid = wait_for(sidecar_pid, "the sidecar to start")
    wait_for(lambda: job_condition(batch, kube_namespace, "withside", "Complete"), "the Job to complete")
    wait_for(lambda: not pid_alive(pid), "the sidecar to be stopped")
    pod = job_pods(core, kube_namespace, "withside")[0]
    assert pod.status.phase == "Succeeded"
    assert core.read_namespaced_pod_log(pod.metadata.name, kube_namespace, container="main") == "main done\n"


def test_job_completes_despite_api_faults(
    localkube: LocalKube, core: kubernetes.client.CoreV1Api, batch: kubernetes.client.BatchV1Api, kube_namespace: str
) -> None:
    # The controllers are API clients like any other: failed writes and cut watches must only delay them.
    batch.create_namespaced_job(kube_namespace, python_job("sturdy", "print('made it')"))
    localkube.set_faults(
        seed=7, write_error_rate=0.3, write_error_codes=[409, 500], watch_drop_rate=0.2, watch_expire_rate=0.2
    )
    try:
        wait_for(lambda: job_condition(batch, kube_namespace, "sturdy", "Complete"), "the Job to complete")
    finally:
        localkube.reset_faults()
    pods = job_pods(core, kube_namespace, "sturdy")
    assert [pod.status.phase for pod in pods] == ["Succeeded"]
    assert core.read_namespaced_pod_log(pods[0].metadata.name, kube_namespace) == "made it\n"


def test_failing_liveness_probe_restarts_the_container(core: kubernetes.client.CoreV1Api, kube_namespace: str) -> None:
    container = {
        "name": "main",
        "image": TEST_IMAGE,
        "command": ["{python}", "-c", "import time; time.sleep(600)"],  # never listens on its port
        "ports": [{"containerPort": 8080}],
        "livenessProbe": {"httpGet": {"path": "/", "port": 8080}, "periodSeconds": 1, "failureThreshold": 1},
    }
    spec = {"restartPolicy": "Always", "terminationGracePeriodSeconds": 1, "containers": [container]}
    core.create_namespaced_pod(kube_namespace, {"metadata": {"name": "sick"}, "spec": spec})

    def restarted() -> Any:
        statuses = core.read_namespaced_pod_status("sick", kube_namespace).status.container_statuses or []
        return statuses and statuses[0].restart_count >= 1 and statuses[0]

    status = wait_for(restarted, "a restart")
    assert status.last_state.terminated.exit_code in (137, 143)
    assert {"Unhealthy", "Killing"} <= events_for(core, kube_namespace, "sick")
