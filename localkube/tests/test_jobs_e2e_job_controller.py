"""The Job controller through the real kubernetes client (in-process localkube).

Completion, backoff limits, deadlines, deletion, native sidecars, and progress despite API faults.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kubernetes.client
import pytest
from kubernetes.client import V1Job, V1JobStatus, V1PersistentVolumeClaim, V1Pod

from localkube.runtime.tests.e2e_support import (
    TEST_IMAGE,
    condition,
    container_pid,
    events_for,
    first_container_state,
    job_pods,
    pid_alive,
    pod_status,
    present,
    python_job,
    wait_for,
)
from localkube.testing import LocalKube

pytestmark = [pytest.mark.localkube, pytest.mark.integration]


@pytest.fixture
def batch(localkube: LocalKube) -> kubernetes.client.BatchV1Api:
    return kubernetes.client.BatchV1Api(localkube.api_client())


def job_status(batch: kubernetes.client.BatchV1Api, namespace: str, name: str) -> V1JobStatus:
    return present(batch.read_namespaced_job_status(name, namespace).status, f"the status of Job {name}")


def job_condition(batch: kubernetes.client.BatchV1Api, namespace: str, name: str, kind: str) -> Any:
    found = condition(batch.read_namespaced_job_status(name, namespace), kind)
    return found if found is not None and found.status == "True" else None


def test_job_runs_to_completion(
    localkube: LocalKube, core: kubernetes.client.CoreV1Api, batch: kubernetes.client.BatchV1Api, kube_namespace: str
) -> None:
    # The container waits for a file on its PVC, so the test sees it Running before it finishes.
    core.create_namespaced_persistent_volume_claim(
        kube_namespace,
        V1PersistentVolumeClaim.model_validate(
            {
                "metadata": {"name": "data"},
                "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
            }
        ),
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
    batch.create_namespaced_job(kube_namespace, V1Job.model_validate(job))
    pod = wait_for(lambda: job_pods(core, kube_namespace, "hello"), "the job's pod")[0]
    name = pod.metadata.name
    assert pod.metadata.labels["job-name"] == "hello"
    assert pod.metadata.labels["batch.kubernetes.io/job-name"] == "hello"
    owner = pod.metadata.owner_references[0]
    assert (owner.kind, owner.controller, owner.block_owner_deletion) == ("Job", True, True)

    def running_pod() -> V1Pod | None:
        found = core.read_namespaced_pod_status(name, kube_namespace)
        return found if found.status and found.status.phase == "Running" else None

    running = wait_for(running_pod, "the pod to run")
    assert present(running.spec, "the pod spec").node_name == "localkube"
    assert present(running.status, "the pod status").pod_ip == "127.0.0.1"
    assert condition(running, "PodScheduled").status == "True"
    claim = core.read_namespaced_persistent_volume_claim_status("data", kube_namespace)
    assert present(claim.status, "the claim's status").phase == "Bound"
    assert wait_for(lambda: job_status(batch, kube_namespace, "hello").active == 1, "active=1")

    claim_dir = Path(localkube.state_dir) / "volumes" / "pvc" / kube_namespace / "data"
    (claim_dir / "go").write_text("there")
    wait_for(lambda: job_condition(batch, kube_namespace, "hello", "Complete"), "the Job to complete")

    finished = pod_status(core, name, kube_namespace)
    assert finished.phase == "Succeeded"
    terminated = present(first_container_state(finished), "the container state").terminated
    assert terminated is not None
    assert (terminated.exit_code, terminated.reason) == (0, "Completed")
    assert terminated.started_at and terminated.finished_at
    status = job_status(batch, kube_namespace, "hello")
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
        kube_namespace,
        V1Job.model_validate(python_job("fails", "import sys; print('boom'); sys.exit(3)", backoffLimit=1)),
    )
    failed = wait_for(lambda: job_condition(batch, kube_namespace, "fails", "Failed"), "the Job to fail")
    assert failed.reason == "BackoffLimitExceeded"
    status = job_status(batch, kube_namespace, "fails")
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
        kube_namespace,
        V1Job.model_validate(python_job("slow", "import time; time.sleep(600)", activeDeadlineSeconds=2)),
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


@pytest.mark.parametrize("propagation", ["Background", "Foreground"])
def test_deleting_the_job_kills_its_pod(
    core: kubernetes.client.CoreV1Api, batch: kubernetes.client.BatchV1Api, kube_namespace: str, propagation: str
) -> None:
    batch.create_namespaced_job(
        kube_namespace, V1Job.model_validate(python_job("busy", "import time; time.sleep(600)"))
    )
    pod = wait_for(
        lambda: next((p for p in job_pods(core, kube_namespace, "busy") if container_pid(p)), None), "a running pod"
    )
    pid = container_pid(pod)
    assert pid is not None
    batch.delete_namespaced_job("busy", kube_namespace, propagation_policy=propagation)
    wait_for(lambda: not pid_alive(pid), "the process to be killed")
    wait_for(lambda: not job_pods(core, kube_namespace, "busy"), "the pod to be deleted")
    wait_for(lambda: not batch.list_namespaced_job(kube_namespace).items, "the job to be deleted")


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
    batch.create_namespaced_job(kube_namespace, V1Job.model_validate(job))

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
    batch.create_namespaced_job(kube_namespace, V1Job.model_validate(python_job("sturdy", "print('made it')")))
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
