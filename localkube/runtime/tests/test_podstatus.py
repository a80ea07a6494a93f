"""Pod phase and conditions from container states (kubelet rules), table-driven."""

from __future__ import annotations

import pytest

from localkube.runtime.podstatus import (
    ContainerRecord,
    PodView,
    StateName,
    pod_conditions,
    pod_phase,
    pod_status,
    stamp_conditions,
)


def record(
    state: StateName = "waiting", code: int | None = None, *, ready: bool = False, restarting: bool = False
) -> ContainerRecord:
    result = ContainerRecord("c", "img", state=state, exit_code=code, ready=ready)
    if restarting:
        result.last_terminated = {"exitCode": 1}
    return result


@pytest.mark.parametrize(
    ("policy", "init", "containers", "phase"),
    [
        ("Never", [], [record()], "Pending"),
        ("Never", [], [record("running")], "Running"),
        ("Never", [], [record("terminated", 0)], "Succeeded"),
        ("Never", [], [record("terminated", 1)], "Failed"),
        ("Never", [], [record("terminated", 0), record("running")], "Running"),
        ("OnFailure", [], [record("terminated", 0)], "Succeeded"),
        ("OnFailure", [], [record(restarting=True)], "Running"),
        ("Always", [], [record("terminated", 0)], "Running"),
        ("Always", [], [record(restarting=True)], "Running"),
        ("Never", [record("running")], [record()], "Pending"),
        ("Never", [record("terminated", 1)], [record()], "Failed"),
        ("OnFailure", [record("terminated", 1)], [record()], "Pending"),
        ("Never", [record("terminated", 0)], [record("running")], "Running"),
    ],
)
def test_pod_phase(policy: str, init: list[ContainerRecord], containers: list[ContainerRecord], phase: str) -> None:
    assert pod_phase(PodView(policy, init, containers, scheduled=True)) == phase


def test_unscheduled_pod() -> None:
    view = PodView("Never", [], [record()], scheduled=False, unschedulable_message="0/1 nodes are available: x.")
    status = pod_status(view, None, "T0")
    assert status["phase"] == "Pending"
    assert status["conditions"][0]["type"] == "PodScheduled"
    assert status["conditions"][0]["reason"] == "Unschedulable"
    assert "containerStatuses" not in status


def test_ready_conditions() -> None:
    view = PodView("Always", [], [record("running", ready=True)], scheduled=True)
    conditions = {item["type"]: item for item in pod_conditions(view, pod_phase(view))}
    assert conditions["Ready"]["status"] == "True" and conditions["ContainersReady"]["status"] == "True"
    view.containers[0].ready = False
    conditions = {item["type"]: item for item in pod_conditions(view, pod_phase(view))}
    assert conditions["Ready"]["message"] == "containers with unready status: [c]"


def test_completed_pod_is_not_ready() -> None:
    view = PodView("Never", [], [record("terminated", 0)], scheduled=True)
    conditions = {item["type"]: item for item in pod_conditions(view, "Succeeded")}
    assert conditions["Ready"]["reason"] == "PodCompleted"


def test_transition_times_kept_when_status_unchanged() -> None:
    first = stamp_conditions(None, [{"type": "Ready", "status": "False"}], "T0")
    second = stamp_conditions(first, [{"type": "Ready", "status": "False"}], "T1")
    third = stamp_conditions(second, [{"type": "Ready", "status": "True"}], "T2")
    assert (second[0]["lastTransitionTime"], third[0]["lastTransitionTime"]) == ("T0", "T2")


@pytest.mark.parametrize(
    ("container", "key"),
    [
        (record(), "waiting"),
        (record("running"), "running"),
        (record("terminated", 3), "terminated"),
    ],
)
def test_container_status_shape(container: ContainerRecord, key: str) -> None:
    status = container.status()
    assert list(status["state"]) == [key]
    assert status["restartCount"] == 0 and status["name"] == "c"


def test_native_sidecar_counts_as_initialized_once_started() -> None:
    sidecar = ContainerRecord("side", "img", init=True, sidecar=True, state="running", started_at="T0")
    view = PodView("Never", [sidecar], [record("terminated", 0)], scheduled=True)
    assert pod_phase(view) == "Succeeded"
    conditions = {item["type"]: item for item in pod_conditions(view, "Succeeded")}
    assert conditions["Initialized"]["status"] == "True"
    killed = ContainerRecord("side", "img", init=True, sidecar=True, state="terminated", exit_code=143, started_at="T0")
    assert pod_phase(PodView("Never", [killed], [record("terminated", 0)], scheduled=True)) == "Succeeded"
    waiting = ContainerRecord("side", "img", init=True, sidecar=True)
    assert pod_phase(PodView("Never", [waiting], [record()], scheduled=True)) == "Pending"


def test_an_unready_native_sidecar_keeps_the_pod_unready() -> None:
    sidecar = ContainerRecord("side", "img", init=True, sidecar=True, state="running", started_at="T0")
    view = PodView("Never", [sidecar], [record("running", ready=True)], scheduled=True)
    conditions = {item["type"]: item for item in pod_conditions(view, pod_phase(view))}
    assert conditions["Ready"]["status"] == "False"
    assert conditions["ContainersReady"]["message"] == "containers with unready status: [side]"
    sidecar.ready = True
    conditions = {item["type"]: item for item in pod_conditions(view, pod_phase(view))}
    assert conditions["Ready"]["status"] == "True"
