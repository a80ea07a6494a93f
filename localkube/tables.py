"""Server-side ``Table`` rendering for ``kubectl get``: built-in columns and CRD printer columns."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from localkube.jsonpath import jsonpath
from localkube.registry import ResourceType

KubeObject = dict[str, Any]


def human_duration(seconds: float) -> str:
    """kube's duration.HumanDuration, which ``kubectl get`` shows in the AGE column."""
    seconds = int(seconds)
    if seconds < 0:
        return "0s"
    if seconds < 120:
        return f"{seconds}s"
    minutes = seconds // 60
    if minutes < 10:
        return f"{minutes}m{seconds % 60}s" if seconds % 60 else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    hours = minutes // 60
    if hours < 8:
        return f"{hours}h{minutes % 60}m" if minutes % 60 else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    days = hours // 24
    if hours < 24 * 8:
        return f"{days}d{hours % 24}h" if hours % 24 else f"{days}d"
    if days < 365 * 2:
        return f"{days}d"
    return f"{days // 365}y"


def age(timestamp: str | None) -> str:
    if not timestamp:
        return "<unknown>"
    try:
        then = datetime.strptime(timestamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return "<unknown>"
    return human_duration((datetime.now(UTC) - then).total_seconds())


def _cell(value: list[Any], column_type: str) -> Any:
    if not value:
        return None
    first = value[0]
    if column_type == "date":
        return age(first) if isinstance(first, str) else None
    if column_type == "integer" and isinstance(first, int | float):
        return int(first)
    if column_type == "number" and isinstance(first, int | float):
        return first
    if column_type == "boolean" and isinstance(first, bool):
        return first
    if len(value) > 1:
        return ",".join(json.dumps(v) if isinstance(v, dict | list) else str(v) for v in value)
    return json.dumps(first) if isinstance(first, dict | list) else str(first)


def _column(
    name: str, column_type: str = "string", fmt: str = "", priority: int = 0, description: str = ""
) -> dict[str, Any]:
    return {"name": name, "type": column_type, "format": fmt, "description": description, "priority": priority}


def _pod_cells(pod: KubeObject) -> list[Any]:
    statuses = (pod.get("status") or {}).get("containerStatuses") or []
    containers = (pod.get("spec") or {}).get("containers") or []
    ready = sum(1 for status in statuses if status.get("ready"))
    restarts = sum(int(status.get("restartCount") or 0) for status in statuses)
    reason = (pod.get("status") or {}).get("reason") or (pod.get("status") or {}).get("phase") or "Pending"
    for status in statuses:
        state = status.get("state") or {}
        if state.get("waiting", {}).get("reason"):
            reason = state["waiting"]["reason"]
        elif state.get("terminated", {}).get("reason"):
            reason = state["terminated"]["reason"]
    if pod["metadata"].get("deletionTimestamp"):
        reason = "Terminating"
    return [f"{ready}/{len(containers)}", reason, restarts, age(pod["metadata"].get("creationTimestamp"))]


def _job_cells(job: KubeObject) -> list[Any]:
    status = job.get("status") or {}
    conditions = {c.get("type"): c.get("status") for c in status.get("conditions") or []}
    state = (
        "Complete"
        if conditions.get("Complete") == "True"
        else "Failed"
        if conditions.get("Failed") == "True"
        else "Running"
    )
    completions = (job.get("spec") or {}).get("completions") or 1
    duration = ""
    if status.get("startTime"):
        end = status.get("completionTime")
        try:
            start_at = datetime.strptime(status["startTime"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
            end_at = datetime.strptime(end, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC) if end else datetime.now(UTC)
            duration = human_duration((end_at - start_at).total_seconds())
        except ValueError:
            duration = ""
    return [
        state,
        f"{status.get('succeeded') or 0}/{completions}",
        duration,
        age(job["metadata"].get("creationTimestamp")),
    ]


def _service_ports(service: KubeObject) -> str:
    ports = (service.get("spec") or {}).get("ports") or []
    return ",".join(f"{p.get('port')}/{p.get('protocol', 'TCP')}" for p in ports) or "<none>"


def _event_object(event: KubeObject) -> str:
    involved = event.get("involvedObject") or {}
    return f"{str(involved.get('kind', '')).lower()}/{involved.get('name', '')}"


_EXTRA: dict[tuple[str, str], tuple[list[dict[str, Any]], Callable[[KubeObject], list[Any]]]] = {
    ("", "pods"): ([_column("Ready"), _column("Status"), _column("Restarts", "integer"), _column("Age")], _pod_cells),
    ("batch", "jobs"): ([_column("Status"), _column("Completions"), _column("Duration"), _column("Age")], _job_cells),
    ("", "namespaces"): (
        [_column("Status"), _column("Age")],
        lambda o: [(o.get("status") or {}).get("phase", ""), age(o["metadata"].get("creationTimestamp"))],
    ),
    ("", "services"): (
        [_column("Type"), _column("Cluster-IP"), _column("External-IP"), _column("Port(s)"), _column("Age")],
        lambda o: [
            (o.get("spec") or {}).get("type", ""),
            (o.get("spec") or {}).get("clusterIP", ""),
            "<none>",
            _service_ports(o),
            age(o["metadata"].get("creationTimestamp")),
        ],
    ),
    ("", "configmaps"): (
        [_column("Data", "integer"), _column("Age")],
        lambda o: [
            len(o.get("data") or {}) + len(o.get("binaryData") or {}),
            age(o["metadata"].get("creationTimestamp")),
        ],
    ),
    ("", "secrets"): (
        [_column("Type"), _column("Data", "integer"), _column("Age")],
        lambda o: [o.get("type", ""), len(o.get("data") or {}), age(o["metadata"].get("creationTimestamp"))],
    ),
    ("", "events"): (
        [_column("Last Seen"), _column("Type"), _column("Reason"), _column("Object"), _column("Message")],
        lambda o: [
            age(o.get("lastTimestamp") or o.get("eventTime") or o["metadata"].get("creationTimestamp")),
            o.get("type", ""),
            o.get("reason", ""),
            _event_object(o),
            o.get("message", ""),
        ],
    ),
    ("", "nodes"): (
        [_column("Status"), _column("Roles"), _column("Age"), _column("Version")],
        lambda o: [
            "Ready",
            "control-plane",
            age(o["metadata"].get("creationTimestamp")),
            ((o.get("status") or {}).get("nodeInfo") or {}).get("kubeletVersion", ""),
        ],
    ),
    ("", "persistentvolumeclaims"): (
        [_column("Status"), _column("Capacity"), _column("Age")],
        lambda o: [
            (o.get("status") or {}).get("phase", ""),
            ((o.get("status") or {}).get("capacity") or {}).get("storage", ""),
            age(o["metadata"].get("creationTimestamp")),
        ],
    ),
    ("apiextensions.k8s.io", "customresourcedefinitions"): (
        [_column("Created At", "date")],
        lambda o: [o["metadata"].get("creationTimestamp")],
    ),
}


def columns(
    resource_type: ResourceType, version: str
) -> tuple[list[dict[str, Any]], Callable[[KubeObject], list[Any]]]:
    name_column = _column("Name", fmt="name", description="Name must be unique within a namespace.")
    if (resource_type.group, resource_type.resource) == ("", "events"):
        # kube lists events without a leading name (it is a priority-1, ``-o wide`` column)
        extra, cells = _EXTRA[("", "events")]
        name_last = {**name_column, "priority": 1}
        return [*extra, name_last], lambda o: [*cells(o), o["metadata"]["name"]]
    if resource_type.builtin:
        extra, cells = _EXTRA.get(
            (resource_type.group, resource_type.resource),
            ([_column("Age")], lambda o: [age(o["metadata"].get("creationTimestamp"))]),
        )
        return [name_column, *extra], lambda o: [o["metadata"]["name"], *cells(o)]
    printer = resource_type.printer_columns.get(version) or []
    if not printer:
        return [name_column, _column("Age", "date")], lambda o: [
            o["metadata"]["name"],
            age(o["metadata"].get("creationTimestamp")),
        ]
    definitions = [name_column] + [
        _column(
            c.get("name", ""),
            c.get("type", "string"),
            c.get("format", ""),
            int(c.get("priority") or 0),
            c.get("description", ""),
        )
        for c in printer
    ]

    def printer_cells(obj: KubeObject) -> list[Any]:
        return [obj["metadata"]["name"]] + [
            _cell(jsonpath(obj, c.get("jsonPath", "")), c.get("type", "string")) for c in printer
        ]

    return definitions, printer_cells


def _row_object(obj: KubeObject, include_object: str) -> KubeObject | None:
    if include_object == "None":
        return None
    if include_object == "Object":
        return obj
    return {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": obj["metadata"]}


def table(
    resource_type: ResourceType,
    version: str,
    objects: list[KubeObject],
    include_object: str,
    list_metadata: dict[str, Any],
    with_definitions: bool = True,
) -> KubeObject:
    definitions, cells = columns(resource_type, version)
    rows = []
    for obj in objects:
        row: dict[str, Any] = {"cells": cells(obj)}
        row_object = _row_object(obj, include_object)
        if row_object is not None:
            row["object"] = row_object
        rows.append(row)
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": list_metadata,
        "columnDefinitions": definitions if with_definitions else [],
        "rows": rows,
    }
