"""Fixtures for the repo, workflow, workspace and git actions: running sessions, content tokens, and a
content service the api reaches directly or through the API server's service proxy."""

from __future__ import annotations

import base64
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
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
from localkube.testing import free_port
from tests.content.fake_content import FakeContentService

REPO_ROOT = Path(__file__).resolve().parents[2]

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
def direct_route(settings) -> Callable[[Any], None]:
    """Point the api's direct route (CONTENT_SERVICE_URL_TEMPLATE) at a local content service."""

    def use(service: Any) -> None:
        settings.CONTENT_SERVICE_ROUTE = "direct"
        settings.CONTENT_SERVICE_URL_TEMPLATE = f"http://127.0.0.1:{service.port}"

    return use


@pytest.fixture
def served(project, running_session, content_token, fake_content, direct_route):
    """Session s1 of `project` Running, its fake content service reached by the direct route."""
    running_session(project, "s1")
    service = fake_content(content_token(project, "s1"))
    direct_route(service)
    return service


@pytest.fixture
def service_proxy_route(settings, django_kube) -> Callable[[str, str, Any], None]:
    """Serve a session's content Service from a local process through the API server's service proxy:
    the Service and a Ready pod behind it (bound to a node no kubelet runs, its host port the process's)."""
    core = kubernetes.client.CoreV1Api(django_kube.api_client())

    def use(project: str, session: str, service: Any) -> None:
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


class ContentProcess:
    """The real content service (gunicorn, `ambient.settings.content`) on a free port, as a session pod
    runs it: its own workspace directory and content token, trusting the test git server."""

    def __init__(
        self,
        workspace: Path,
        token: str,
        git_server: Any,
        *,
        git_token_fallback: bool = True,
        extra_environment: dict[str, str] | None = None,
    ) -> None:
        self.workspace = workspace
        self.token = token
        self.port = free_port()
        environment = {
            **{key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "KUBE"))},
            "DJANGO_SETTINGS_MODULE": "ambient.settings.content",
            "PYTHONPATH": str(REPO_ROOT),
            "WORKSPACE_ROOT": str(workspace),
            "CONTENT_TOKEN": token,
            "CONTENT_BIND": f"127.0.0.1:{self.port}",
            "GIT_SSL_CA_FILE": str(git_server.ca_path),
            "GIT_TOKEN": git_server.token if git_token_fallback else "",
            "AMBIENT_ALLOW_FILE_GIT_URLS": "true",
            "LOG_FORMAT": "text",
            **(extra_environment or {}),
        }
        self.log = (workspace.parent / f"content-{self.port}.log").open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(REPO_ROOT / "workspaces" / "gunicorn.conf.py")],
            cwd=REPO_ROOT,
            env=environment,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stop() ends the arbiter and its worker at once
        )
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"content service exited with {self.process.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("content service did not listen within 30 s")

    def stop(self) -> None:
        # The test is over and how the service shuts down is not what it checked: even gunicorn's
        # quick shutdown (SIGQUIT) spends 0.3-0.4 s in the arbiter's and the worker's sleeps.
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.log.close()


@pytest.fixture
def content_process(tmp_path: Path, git_server: Any) -> Iterator[Callable[..., ContentProcess]]:
    """`content_process(token, git_token_fallback=True)`: a real content service for one session (stopped
    after the test); without the fallback, git credentials come only from the api's X-Git-Token."""
    started: list[ContentProcess] = []

    def start(
        token: str, *, git_token_fallback: bool = True, environment: dict[str, str] | None = None
    ) -> ContentProcess:
        workspace = tmp_path / f"workspace-{len(started)}"
        workspace.mkdir()
        service = ContentProcess(
            workspace, token, git_server, git_token_fallback=git_token_fallback, extra_environment=environment
        )
        started.append(service)
        return service

    yield start
    for service in started:
        service.stop()
    forget_content_tokens()


@pytest.fixture
def fake_github(settings) -> Iterator[Any]:
    """A local GitHub API with a GitHub App the settings point at (installation 77 by default)."""
    from gitops.github.app import forget_installation_tokens
    from tests.content.fake_github import FakeGitHub

    github = FakeGitHub().start()
    settings.GITHUB_API_URL = github.url
    settings.GITHUB_APP_ID = github.app_id
    settings.GITHUB_APP_PRIVATE_KEY = github.private_key_pem
    settings.GITHUB_APP_PRIVATE_KEY_FILE = ""
    settings.GITHUB_APP_INSTALLATION_ID = "77"
    settings.REDIS_URL = ""
    forget_installation_tokens()
    yield github
    github.stop()
    forget_installation_tokens()


@pytest.fixture
def project_secret(django_kube) -> Callable[[str, dict[str, str]], None]:
    """`project_secret(project, data)`: the project's integration Secret (ambient-non-vertex-integrations)."""
    core = kubernetes.client.CoreV1Api(django_kube.api_client())

    def make(project: str, data: dict[str, str]) -> None:
        encoded = {key: base64.b64encode(value.encode()).decode() for key, value in data.items()}
        body = {"metadata": {"name": "ambient-non-vertex-integrations"}, "data": encoded}
        core.create_namespaced_secret(project, kubernetes.client.V1Secret.model_validate(body))

    return make
