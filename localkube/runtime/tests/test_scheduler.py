"""Scheduler fit and quantities."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest

from localkube.runtime.quantity import parse_quantity
from localkube.runtime.scheduler import insufficient_resources, pod_requests, unschedulable_message

NODE = {"cpu": "8", "memory": "16Gi", "pods": "110"}


def pod(cpu: str | None = None, memory: str | None = None, *, limits: bool = False) -> dict[str, Any]:
    values = {key: value for key, value in (("cpu", cpu), ("memory", memory)) if value}
    resources = {"limits" if limits else "requests": values}
    return {"spec": {"containers": [{"name": "c", "resources": resources}]}}


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("500m", Fraction(1, 2)),
        ("16Gi", Fraction(16 * 2**30)),
        ("1e3", Fraction(1000)),
        ("2", Fraction(2)),
        ("1.5k", Fraction(1500)),
    ],
)
def test_parse_quantity(text: str, value: Fraction) -> None:
    assert parse_quantity(text) == value


def test_parse_quantity_rejects_garbage() -> None:
    with pytest.raises(ValueError):
        parse_quantity("lots")


def test_requests_default_to_limits_and_init_takes_max() -> None:
    spec = pod(cpu="1", limits=True)
    spec["spec"]["initContainers"] = [{"name": "i", "resources": {"requests": {"cpu": "3"}}}]
    assert pod_requests(spec)["cpu"] == 3


@pytest.mark.parametrize(
    ("candidate", "others", "missing"),
    [
        (pod(cpu="1", memory="1Gi"), [], []),
        (pod(memory="1Ti"), [], ["memory"]),
        (pod(cpu="100", memory="1Ti"), [], ["cpu", "memory"]),
        (pod(cpu="4"), [pod(cpu="3")], []),
        (pod(cpu="4"), [pod(cpu="5")], ["cpu"]),
        (pod(), [], []),
    ],
)
def test_insufficient_resources(candidate: dict[str, Any], others: list[dict[str, Any]], missing: list[str]) -> None:
    assert insufficient_resources(candidate, NODE, others) == missing


def test_unschedulable_message_is_kube_like() -> None:
    assert (
        unschedulable_message(["cpu", "memory"])
        == "0/1 nodes are available: 1 Insufficient cpu, 1 Insufficient memory."
    )
