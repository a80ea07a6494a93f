"""Request bodies as the gateway sends them, against a real API server (localkube over HTTPS)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from kubernetes.client import ApiClient

from ambient.kube import CONFIG_MAP, KubeGateway
from localkube.testing import LocalKube


def test_a_json_body_is_stored_as_sent(localkube: LocalKube, kube_namespace: str) -> None:
    gateway = KubeGateway(localkube.api_client())
    body = {"metadata": {"name": "plain", "labels": {"a": "b"}}, "data": {"list": "[1, 2]", "empty": ""}}
    gateway.create(CONFIG_MAP, kube_namespace, body)
    stored = gateway.read(CONFIG_MAP, kube_namespace, "plain")
    assert stored["data"] == {"list": "[1, 2]", "empty": ""}
    assert stored["metadata"]["labels"] == {"a": "b"}


def test_a_body_json_cannot_encode_is_sanitized_by_the_client(localkube: LocalKube, kube_namespace: str) -> None:
    """A datetime (or a client model) is still written as the client's sanitizer turns it into JSON."""
    gateway = KubeGateway(localkube.api_client())
    moment = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    body: dict[str, Any] = {"metadata": {"name": "dated"}, "data": {"when": moment}}
    gateway.create(CONFIG_MAP, kube_namespace, body)
    stored = gateway.read(CONFIG_MAP, kube_namespace, "dated")
    assert stored["data"]["when"] == ApiClient().sanitize_for_serialization(moment) == moment.isoformat()
