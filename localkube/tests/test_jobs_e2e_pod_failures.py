"""Pods that cannot start or keep failing, through the real kubernetes client (in-process localkube).

Image pulls, container config errors, unschedulable requests, crash loops and failing liveness probes.
"""

from __future__ import annotations

from typing import Any

import kubernetes.client
import pytest
from kubernetes.client import V1Pod

from localkube.runtime.tests.e2e_support import (
    TEST_IMAGE,
    condition,
    events_for,
    first_container_state,
    pod_status,
    present,
    wait_for,
)

pytestmark = [pytest.mark.localkube, pytest.mark.integration]


def test_unmapped_image_backs_off(core: kubernetes.client.CoreV1Api, kube_namespace: str) -> None:
    pod = {
        "metadata": {"name": "nope"},
        "spec": {"containers": [{"name": "main", "image": "registry.example/not-mapped:v1"}]},
    }
    core.create_namespaced_pod(kube_namespace, V1Pod.model_validate(pod))

    def waiting_reason() -> str | None:
        state = first_container_state(pod_status(core, "nope", kube_namespace))
        waiting = state.waiting if state else None
        return waiting.reason if waiting and waiting.reason == "ImagePullBackOff" else None

    wait_for(waiting_reason, "ImagePullBackOff")
    found = pod_status(core, "nope", kube_namespace)
    assert found.phase == "Pending"
    waiting = present(first_container_state(found), "the container state").waiting
    assert waiting is not None
    assert waiting.message == 'Back-off pulling image "registry.example/not-mapped:v1"'
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
        V1Pod.model_validate(
            {
                "metadata": {"name": "bad"},
                "spec": {"containers": [{"name": "main", "image": image, "command": ["x"], "env": env}]},
            }
        ),
    )

    def waiting() -> Any:
        state = first_container_state(pod_status(core, "bad", kube_namespace))
        waiting = state.waiting if state else None
        return waiting if waiting and waiting.reason == reason else None

    assert wait_for(waiting, reason).message


def test_unschedulable_request_stays_pending(core: kubernetes.client.CoreV1Api, kube_namespace: str) -> None:
    resources = {"requests": {"memory": "64Ti", "cpu": "100m"}}
    core.create_namespaced_pod(
        kube_namespace,
        V1Pod.model_validate(
            {
                "metadata": {"name": "huge"},
                "spec": {
                    "containers": [{"name": "main", "image": TEST_IMAGE, "command": ["true"], "resources": resources}]
                },
            }
        ),
    )
    scheduled = wait_for(
        lambda: condition(core.read_namespaced_pod_status("huge", kube_namespace), "PodScheduled"), "PodScheduled"
    )
    assert (scheduled.status, scheduled.reason) == ("False", "Unschedulable")
    assert scheduled.message == "0/1 nodes are available: 1 Insufficient memory."
    pod = core.read_namespaced_pod("huge", kube_namespace)
    assert present(pod.status, "the pod status").phase == "Pending"
    assert not present(pod.spec, "the pod spec").node_name
    assert wait_for(lambda: "FailedScheduling" in events_for(core, kube_namespace, "huge"), "FailedScheduling")


def test_crash_loop_back_off_and_previous_log(core: kubernetes.client.CoreV1Api, kube_namespace: str) -> None:
    container = {
        "name": "main",
        "image": TEST_IMAGE,
        "command": ["{python}", "-c", "print('crash'); raise SystemExit(1)"],
    }
    core.create_namespaced_pod(
        kube_namespace,
        V1Pod.model_validate(
            {"metadata": {"name": "crashy"}, "spec": {"restartPolicy": "Always", "containers": [container]}}
        ),
    )

    def crash_looping() -> Any:
        statuses = pod_status(core, "crashy", kube_namespace).container_statuses or []
        entry = statuses[0] if statuses else None
        if entry is None or entry.state is None:
            return None
        waiting = entry.state.waiting
        return entry if waiting and waiting.reason == "CrashLoopBackOff" and entry.restart_count >= 1 else None

    entry = wait_for(crash_looping, "CrashLoopBackOff")
    assert entry.last_state.terminated.exit_code == 1
    assert pod_status(core, "crashy", kube_namespace).phase == "Running"
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
    core.create_namespaced_pod(kube_namespace, V1Pod.model_validate({"metadata": {"name": "sick"}, "spec": spec}))

    def restarted() -> Any:
        statuses = pod_status(core, "sick", kube_namespace).container_statuses or []
        return statuses and statuses[0].restart_count >= 1 and statuses[0]

    status = wait_for(restarted, "a restart")
    assert status.last_state.terminated.exit_code in (137, 143)
    assert {"Unhealthy", "Killing"} <= events_for(core, kube_namespace, "sick")
