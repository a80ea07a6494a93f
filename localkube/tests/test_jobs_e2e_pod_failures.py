"""Pods that cannot start or keep failing, through the real kubernetes client (in-process localkube).

Image pulls, container config errors, unschedulable requests, crash loops and failing liveness probes.
"""

from __future__ import annotations

from typing import Any

import kubernetes.client
import pytest

from localkube.runtime.tests.e2e_support import TEST_IMAGE, condition, events_for, wait_for

pytestmark = [pytest.mark.localkube, pytest.mark.integration]


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
