"""The one-node scheduler: does a pod fit on node ``localkube``? Pure; the kubelet does the I/O."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from fractions import Fraction
from typing import Any

from localkube.node import node_info, node_object
from localkube.runtime.constants import NODE_NAME, POD_IP
from localkube.runtime.quantity import parse_quantity

DEFAULT_CAPACITY = {"cpu": "8", "memory": "16Gi", "pods": "110", "ephemeral-storage": "100Gi"}
Resources = dict[str, Fraction]


def _container_requests(container: dict[str, Any]) -> Resources:
    resources = container.get("resources") or {}
    # A limit without a request implies request = limit (API server defaulting).
    merged = {**(resources.get("limits") or {}), **(resources.get("requests") or {})}
    return {name: parse_quantity(str(value)) for name, value in merged.items()}


def pod_requests(pod: dict[str, Any]) -> Resources:
    """Effective requests: sum over containers, but at least the largest init container's."""
    spec = pod.get("spec") or {}
    total: Resources = {}
    for container in spec.get("containers") or []:
        for name, value in _container_requests(container).items():
            total[name] = total.get(name, Fraction(0)) + value
    for container in spec.get("initContainers") or []:
        for name, value in _container_requests(container).items():
            total[name] = max(total.get(name, Fraction(0)), value)
    return total


def insufficient_resources(
    pod: dict[str, Any],
    allocatable: dict[str, str],
    bound_pods: Iterable[dict[str, Any]],
    requests_of: Callable[[dict[str, Any]], Resources] = pod_requests,
) -> list[str]:
    """Resource names the pod does not fit on, in the scheduler's order (cpu, memory, then others).

    ``requests_of`` lets the caller serve the bound pods' requests from a cache: parsing every
    bound pod's quantities for each new pod is quadratic in a burst.
    """
    # Summed as integer numerators per denominator, exact: adding Fractions one by one normalises
    # each sum with a gcd, and this runs over every bound pod for each pod scheduled.
    numerators: dict[str, dict[int, int]] = {}
    count = 0
    for other in bound_pods:
        count += 1
        for name, value in requests_of(other).items():
            by_denominator = numerators.setdefault(name, {})
            by_denominator[value.denominator] = by_denominator.get(value.denominator, 0) + value.numerator
    used: Resources = {
        name: sum((Fraction(numerator, denominator) for denominator, numerator in parts.items()), Fraction(0))
        for name, parts in numerators.items()
    }
    wanted = pod_requests(pod)
    missing = []
    if count + 1 > parse_quantity(allocatable.get("pods", "110")):
        missing.append("pods")
    for name in sorted(wanted, key=lambda item: ({"cpu": 0, "memory": 1}.get(item, 2), item)):
        if wanted[name] <= 0:
            continue
        available = parse_quantity(allocatable[name]) if name in allocatable else Fraction(0)
        if used.get(name, Fraction(0)) + wanted[name] > available:
            missing.append(name)
    return missing


def unschedulable_message(missing: list[str]) -> str:
    reasons = ", ".join("1 Too many pods" if name == "pods" else f"1 Insufficient {name}" for name in missing)
    return f"0/1 nodes are available: {reasons}."


def node_manifest(capacity: dict[str, str]) -> dict[str, Any]:
    """The Node as the API server registers it; its status is the runtime's own (node_status)."""
    manifest = node_object()
    manifest.pop("status", None)
    return manifest


def node_status(capacity: dict[str, str], now: str) -> dict[str, Any]:
    return {
        "capacity": dict(capacity),
        "allocatable": dict(capacity),
        "addresses": [{"type": "InternalIP", "address": POD_IP}, {"type": "Hostname", "address": NODE_NAME}],
        "conditions": [
            {
                "type": "Ready",
                "status": "True",
                "reason": "KubeletReady",
                "message": "localkube pod runtime is posting ready status",
                "lastHeartbeatTime": now,
                "lastTransitionTime": now,
            }
        ],
        "nodeInfo": node_info(),
    }
