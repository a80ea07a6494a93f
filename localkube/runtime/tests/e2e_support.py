"""Helpers for the runtime's HTTP-level tests (real kubernetes client against in-process localkube)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import kubernetes.client
import yaml
from kubernetes.client import V1ContainerState, V1PodStatus

from localkube.testing import LocalKube, present

T = TypeVar("T")
# Runs the container's own command (with {python} substituted): what most tests need.
TEST_IMAGE = "localkube.test/python:latest"
WAIT_SECONDS = 60.0


def map_images(kube: LocalKube, entries: dict[str, Any]) -> None:
    """Add image map entries to the shared server's default image map file (re-read on change)."""
    path = Path(kube.state_dir) / "image-map.yaml"
    document = yaml.safe_load(path.read_text()) if path.exists() else None
    document = document or {"images": {}}
    document["images"].update(entries)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(yaml.safe_dump(document))
    temporary.replace(path)


def wait_for(
    check: Callable[[], T | None], what: str, timeout: float = WAIT_SECONDS, tolerate: tuple[int, ...] = (404,)
) -> T:
    """Poll until ``check`` returns something truthy; bounded, never asserts on how long it took."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = check()
        except kubernetes.client.ApiException as error:
            if error.status not in tolerate:
                raise
            last = None
        if last:
            return last
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}; last value: {last!r}")


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie still answers kill(0); it is gone for our purposes once its parent reaped it or it is a zombie.
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def container_pid(pod: Any, name: str | None = None) -> int | None:
    for status in pod.status.container_statuses or []:
        if (name is None or status.name == name) and status.container_id and status.state.running:
            return int(status.container_id.rsplit("/", 1)[1])
    return None


def condition(obj: Any, kind: str) -> Any:
    for item in obj.status.conditions or []:
        if item.type == kind:
            return item
    return None


def python_job(name: str, code: str, **spec: Any) -> dict[str, Any]:
    """A Job running ``{python} -c code`` with restartPolicy Never and a short grace period."""
    pod_spec = {
        "restartPolicy": "Never",
        "terminationGracePeriodSeconds": 1,
        "containers": [{"name": "main", "image": TEST_IMAGE, "command": ["{python}", "-c", code]}],
    }
    pod_spec.update(spec.pop("pod_spec", {}))
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name},
        "spec": {"backoffLimit": 0, "template": {"metadata": {"labels": {"app": name}}, "spec": pod_spec}, **spec},
    }


def pod_status(core: kubernetes.client.CoreV1Api, name: str, namespace: str) -> V1PodStatus:
    return present(core.read_namespaced_pod_status(name, namespace).status, f"the status of pod {name}")


def first_container_state(status: V1PodStatus) -> V1ContainerState | None:
    """The first container's state, or None before the kubelet has reported any container."""
    statuses = status.container_statuses or []
    return statuses[0].state if statuses else None


def job_pods(core: kubernetes.client.CoreV1Api, namespace: str, job: str) -> list[Any]:
    return list(core.list_namespaced_pod(namespace, label_selector=f"job-name={job}").items)


def events_for(core: kubernetes.client.CoreV1Api, namespace: str, name: str) -> set[str]:
    events = core.list_namespaced_event(namespace).items
    return {event.reason for event in events if event.involved_object.name == name and event.reason}
