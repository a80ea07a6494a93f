"""Fixtures for the repo, workflow, workspace and git actions: running sessions, content tokens, and a
content service the api reaches directly or through the API server's service proxy."""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Callable, Iterator
from typing import Any

import kubernetes.client
import pytest

from ambient.content.client import forget_content_tokens
from ambient.contract import (
    CONTENT_PORT,
    CONTENT_PORT_NAME,
    SECRET_KEY_CONTENT_TOKEN,
    service_name,
    token_secret_name,
)
from tests.content.fake_content import FakeContentService

HOST_PORTS_ANNOTATION = "localkube.ambient-code.io/host-ports"
# A node no kubelet serves: localkube's kubelet leaves a pod bound there alone, so its status is ours.
ELSEWHERE_NODE = "node-not-served-by-localkube"


@pytest.fixture
def running_session(seed_session) -> Callable[..., dict[str, Any]]:
    """`running_session(project, name, interactive=True, **spec)`: a CR in phase Running."""

    def make(project: str, name: str, *, interactive: bool = True, **spec: Any) -> dict[str, Any]:
        return seed_session(project, name, phase="Running", interactive=interactive, **spec)

    return make


@pytest.fixture
def content_token(django_kube) -> Callable[[str, str], str]:
    """`content_token(project, session)`: writes the session's token Secret as the reconciler would."""
    core = kubernetes.client.CoreV1Api(django_kube.api_client())

    def make(project: str, session: str) -> str:
        token = secrets.token_urlsafe(24)
        body = {
            "metadata": {"name": token_secret_name(session)},
            "data": {SECRET_KEY_CONTENT_TOKEN: base64.b64encode(token.encode()).decode()},
        }
        core.create_namespaced_secret(project, kubernetes.client.V1Secret.model_validate(body))
        return token

    return make


@pytest.fixture
def fake_content() -> Iterator[Callable[[str], FakeContentService]]:
    started: list[FakeContentService] = []

    def start(token: str) -> FakeContentService:
        service = FakeContentService(token=token).start()
        started.append(service)
        return service

    yield start
    for service in started:
        service.stop()
    forget_content_tokens()


@pytest.fixture
def direct_route(settings) -> Callable[[FakeContentService], None]:
    """Point the api's direct route (CONTENT_SERVICE_URL_TEMPLATE) at a local content service."""

    def use(service: FakeContentService) -> None:
        settings.CONTENT_SERVICE_ROUTE = "direct"
        settings.CONTENT_SERVICE_URL_TEMPLATE = f"http://127.0.0.1:{service.port}"

    return use


@pytest.fixture
def service_proxy_route(settings, django_kube) -> Callable[[str, str, FakeContentService], None]:
    """Serve a session's content Service from a local process through the API server's service proxy:
    the Service and a Ready pod behind it (bound to a node no kubelet runs, its host port the process's)."""
    core = kubernetes.client.CoreV1Api(django_kube.api_client())

    def use(project: str, session: str, service: FakeContentService) -> None:
        settings.CONTENT_SERVICE_ROUTE = "service-proxy"
        selector = {"content-for": session}
        core.create_namespaced_service(
            project,
            kubernetes.client.V1Service.model_validate(
                {
                    "metadata": {"name": service_name(session)},
                    "spec": {
                        "selector": selector,
                        "ports": [{"name": CONTENT_PORT_NAME, "port": CONTENT_PORT, "targetPort": CONTENT_PORT}],
                    },
                }
            ),
        )
        pod_name = f"content-{session}"
        core.create_namespaced_pod(
            project,
            kubernetes.client.V1Pod.model_validate(
                {
                    "metadata": {
                        "name": pod_name,
                        "labels": selector,
                        "annotations": {HOST_PORTS_ANNOTATION: json.dumps({str(CONTENT_PORT): service.port})},
                    },
                    "spec": {
                        "nodeName": ELSEWHERE_NODE,
                        "containers": [
                            {"name": "content", "image": "content:test", "ports": [{"containerPort": CONTENT_PORT}]}
                        ],
                    },
                }
            ),
        )
        core.patch_namespaced_pod_status(
            pod_name,
            project,
            {"status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}},
        )

    return use
