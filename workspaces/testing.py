"""Test support for the content service: a workspace on disk and clients that speak to it.

`ContentClient` drives the routes in-process (Django's test client, the real views and
services); `ContentServer` runs the real thing — gunicorn with ambient.settings.content — on a
free port, for tests of the production server and for callers (the api proxy, benches).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.test import Client

from ambient.contract import CONTENT_TOKEN_HEADER, GIT_TOKEN_HEADER

REPO_ROOT = Path(__file__).resolve().parent.parent
TEST_CONTENT_TOKEN = "content-token-of-this-session-0123456789"  # noqa: S105 - a test value
WORKSPACE_DIRECTORIES = ("repos", "workflows", "artifacts", ".ambient")


def make_workspace(root: Path) -> Path:
    for directory in WORKSPACE_DIRECTORIES:
        (root / directory).mkdir(parents=True, exist_ok=True)
    return root


class ContentClient:
    """Django's test client with the content token (and, when given, a git token) on every call."""

    def __init__(self, *, token: str | None, git_token: str | None = None) -> None:
        self.client = Client()
        self.token = token
        self.git_token = git_token

    def headers(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        headers: dict[str, str] = {}
        if self.token is not None:
            headers["Authorization"] = f"Bearer {self.token}"
        if self.git_token is not None:
            headers[GIT_TOKEN_HEADER] = self.git_token
        headers.update(extra or {})
        return headers

    def get(
        self, path: str, params: Mapping[str, Any] | None = None, *, headers: Mapping[str, str] | None = None
    ) -> Any:
        return self.client.get(path, params or {}, headers=self.headers(headers))

    def post(self, path: str, body: Any = None, *, headers: Mapping[str, str] | None = None) -> Any:
        return self.client.post(
            path, body if body is not None else {}, content_type="application/json", headers=self.headers(headers)
        )

    def put_file(self, path: str, content: bytes, *, headers: Mapping[str, str] | None = None) -> Any:
        return self.client.put(
            f"/workspace/file?path={path}",
            content,
            content_type="application/octet-stream",
            headers=self.headers(headers),
        )

    def delete(self, path: str, *, headers: Mapping[str, str] | None = None) -> Any:
        return self.client.delete(path, headers=self.headers(headers))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ContentServer:
    """gunicorn serving the content service for `workspace` with `token`; `stop()` ends it."""

    def __init__(
        self, *, workspace: Path, token: str, log_path: Path, environment: Mapping[str, str] | None = None
    ) -> None:
        self.workspace = workspace
        self.token = token
        self.port = free_port()
        self.log_path = log_path
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "PYTHONPATH": str(REPO_ROOT),
            "DJANGO_SETTINGS_MODULE": "ambient.settings.content",
            "WORKSPACE_ROOT": str(workspace),
            "CONTENT_TOKEN": token,
            "CONTENT_THREADS": "4",
            "LOG_FORMAT": "text",
            **(environment or {}),
        }
        self._log = log_path.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                f"--config={REPO_ROOT / 'workspaces' / 'gunicorn.conf.py'}",
                f"--bind=127.0.0.1:{self.port}",
            ],
            env=env,
            cwd=REPO_ROOT,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout: float = 30.0) -> ContentServer:
        import requests

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"content server exited: {self.log_path.read_text()[-2000:]}")
            try:
                if requests.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise RuntimeError("content server did not become ready")

    def auth_headers(self) -> dict[str, str]:
        return {CONTENT_TOKEN_HEADER: self.token}

    def stop(self) -> None:
        # SIGQUIT is gunicorn's quick shutdown: the test is over, so nobody waits for the keep-alive
        # connections a graceful stop (SIGTERM) lets drain for up to its graceful_timeout.
        self.process.send_signal(signal.SIGQUIT)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()
