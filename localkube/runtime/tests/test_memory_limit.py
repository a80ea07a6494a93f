"""limits.memory is enforced like the kernel's cgroup OOM killer: OOMKilled, exit code 137."""

from __future__ import annotations

import os

import kubernetes.client
import pytest
from kubernetes.client import V1ContainerStateTerminated, V1Pod

from localkube.runtime.memory import memory_limit_bytes, resident_bytes_by_group
from localkube.runtime.tests.e2e_support import TEST_IMAGE, first_container_state, map_images, pod_status, wait_for
from localkube.testing import LocalKube

pytestmark = [pytest.mark.localkube, pytest.mark.integration]

GROWS = "import time\nblocks = []\nwhile True:\n    blocks.append(bytearray(16 * 1024 * 1024))\n    time.sleep(0.05)\n"


@pytest.fixture
def core(localkube: LocalKube) -> kubernetes.client.CoreV1Api:
    map_images(localkube, {TEST_IMAGE: {}})
    return kubernetes.client.CoreV1Api(localkube.api_client())


def test_limits_parse_as_kubernetes_quantities() -> None:
    assert memory_limit_bytes({"resources": {"limits": {"memory": "64Mi"}}}) == 64 * 2**20
    assert memory_limit_bytes({"resources": {"limits": {"memory": "1G"}}}) == 10**9
    assert memory_limit_bytes({"resources": {"requests": {"memory": "1Gi"}}}) is None


def test_resident_memory_is_summed_per_process_group() -> None:
    assert resident_bytes_by_group()[os.getpgrp()] > 0


def test_container_over_its_memory_limit_is_oom_killed(core: kubernetes.client.CoreV1Api, kube_namespace: str) -> None:
    container = {
        "name": "hungry",
        "image": TEST_IMAGE,
        "command": ["{python}", "-c", GROWS],
        "resources": {"limits": {"memory": "96Mi"}},
    }
    core.create_namespaced_pod(
        kube_namespace,
        V1Pod.model_validate(
            {"metadata": {"name": "hungry"}, "spec": {"restartPolicy": "Never", "containers": [container]}}
        ),
    )

    def terminated() -> V1ContainerStateTerminated | None:
        status = pod_status(core, "hungry", kube_namespace)
        state = first_container_state(status)
        return state.terminated if state and status.phase == "Failed" else None

    state = wait_for(terminated, "the container to be OOM-killed")
    assert (state.reason, state.exit_code) == ("OOMKilled", 137)


def test_container_within_its_limit_runs_to_completion(core: kubernetes.client.CoreV1Api, kube_namespace: str) -> None:
    container = {
        "name": "modest",
        "image": TEST_IMAGE,
        "command": ["{python}", "-c", "import time; time.sleep(1.5)"],
        "resources": {"limits": {"memory": "256Mi"}},
    }
    core.create_namespaced_pod(
        kube_namespace,
        V1Pod.model_validate(
            {"metadata": {"name": "modest"}, "spec": {"restartPolicy": "Never", "containers": [container]}}
        ),
    )

    def phase() -> str | None:
        found = pod_status(core, "modest", kube_namespace).phase
        return found if found in ("Succeeded", "Failed") else None

    assert wait_for(phase, "the pod to finish") == "Succeeded"
