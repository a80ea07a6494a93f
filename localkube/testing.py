"""An in-process localkube for tests: the server runs on its own event loop in a background thread.

with LocalKube() as kube:
    api = kubernetes.client.CoreV1Api(kube.api_client())
"""

from __future__ import annotations

import asyncio
import functools
import os
import secrets
import shutil
import socket
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import kubernetes.client
from kubernetes.client import V1Namespace

from localkube.auth.constants import SIGNING_KEY_FILE
from localkube.auth.signing import load_or_create_signing_key
from localkube.cli import default_controllers
from localkube.faults import FaultConfig, RequestLog
from localkube.server import Controller, LocalKubeServer

T = TypeVar("T")


def present(value: T | None, what: str) -> T:
    """A field the server must have set (the client types every field optional); fails the test naming it."""
    assert value is not None, f"the server left {what} unset"
    return value


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@functools.cache
def _shared_signing_key() -> bytes:
    """One service-account signing key per test process for every LocalKube that makes its own state
    dir: each would otherwise generate a 2048-bit RSA key at start (0.1-0.3 s of CPU)."""
    directory = Path(tempfile.mkdtemp(prefix="localkube-key-"))
    try:
        load_or_create_signing_key(directory)
        return (directory / SIGNING_KEY_FILE).read_bytes()
    finally:
        shutil.rmtree(directory, ignore_errors=True)


class LocalKube:
    def __init__(
        self,
        state_dir: Path | None = None,
        *,
        port: int | None = None,
        tokens_file: Path | None = None,
        image_map_file: Path | None = None,
        watch_history: int = 10000,
        controllers: list[Controller] | None = None,
        bookmark_interval: float = 1.0,
        fsync: bool = False,
    ) -> None:
        self._owns_state_dir = state_dir is None
        self.state_dir = Path(state_dir) if state_dir else Path(tempfile.mkdtemp(prefix="localkube-"))
        if self._owns_state_dir:
            descriptor = os.open(self.state_dir / SIGNING_KEY_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as key_file:
                key_file.write(_shared_signing_key())
        # 0: the server binds a port the kernel picks and keeps it across restarts; a port probed
        # free and bound later could be taken in between by another test process.
        self.port = port or 0
        self._options: dict[str, Any] = {
            "tokens_file": tokens_file,
            "image_map_file": image_map_file,
            "watch_history": watch_history,
            "controllers": default_controllers() if controllers is None else controllers,
            "bookmark_interval": bookmark_interval,
            "fsync": fsync,
        }
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self.server: LocalKubeServer | None = None
        self.request_log = RequestLog()
        self._clients: dict[tuple[str, str, str], kubernetes.client.ApiClient] = {}

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> LocalKube:
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._thread = threading.Thread(target=loop.run_forever, name="localkube", daemon=True)
        self._thread.start()
        self.server = LocalKubeServer(self.state_dir, port=self.port, **self._options)
        self.server.request_log = self.request_log
        self._run(self.server.start(), timeout=60)
        self.port = self.server.port
        return self

    def stop(self) -> None:
        if self._loop is None:
            return
        if self.server is not None:
            self._run(self.server.stop(), timeout=60)
        self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(timeout=30)
        self._loop.close()
        self._loop = None
        for client in self._clients.values():
            client.rest_client.pool_manager.clear()  # their connections went with the server

    def restart(self) -> None:
        """Stop and start again on the same port and state dir (clients keep working)."""
        faults = self.server.faults.config if self.server else None
        self.stop()
        self.start()
        if faults is not None and self.server is not None:
            self.server.faults.configure(**faults.__dict__)

    def close(self) -> None:
        self.stop()
        if self._owns_state_dir:
            shutil.rmtree(self.state_dir, ignore_errors=True)

    def __enter__(self) -> LocalKube:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _run(self, coroutine: Any, timeout: float = 30) -> Any:
        assert self._loop is not None
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    def call(self, function: Callable[[], T]) -> T:
        """Run ``function`` on the server's loop (the store is not thread-safe) and return its result."""

        async def invoke() -> T:
            return function()

        return self._run(invoke())

    # -- what tests use ------------------------------------------------------------------------
    @property
    def url(self) -> str:
        assert self.server is not None
        return self.server.url

    @property
    def kubeconfig_path(self) -> Path:
        assert self.server is not None
        return self.server.kubeconfig_path

    @property
    def admin_token(self) -> str:
        assert self.server is not None
        return self.server.admin_token

    @property
    def ca_file(self) -> Path:
        assert self.server is not None
        return self.server.ca_file

    def api_client(self, token: str | None = None) -> kubernetes.client.ApiClient:
        """A real kubernetes client over HTTPS; the admin (system:masters) when ``token`` is None.

        One client per identity and server address, reused: each new client opens a new TLS
        connection (a handshake on both ends and the CA file read again), which was a large share of
        the suite's CPU when every fixture call built its own."""
        key = (self.url, str(self.ca_file), token or self.admin_token)
        client = self._clients.get(key)
        if client is None:
            client = self._clients[key] = self._new_api_client(token)
        return client

    def _new_api_client(self, token: str | None) -> kubernetes.client.ApiClient:
        configuration = kubernetes.client.Configuration()
        configuration.host = self.url
        configuration.ssl_ca_cert = str(self.ca_file)
        configuration.verify_ssl = True
        configuration.api_key = {"authorization": token or self.admin_token}
        configuration.api_key_prefix = {"authorization": "Bearer"}
        return kubernetes.client.ApiClient(configuration)

    def create_user(self, username: str, groups: tuple[str, ...] | list[str] = ()) -> str:
        """A static bearer token for ``username`` (RBAC decides what it may do)."""
        token = secrets.token_urlsafe(24)
        assert self.server is not None and self.server.ctx is not None
        authenticator = self.server.ctx.authenticator
        self.call(lambda: authenticator.add_static_token(token, username, groups=tuple(groups)))
        return token

    def create_namespace(self, prefix: str = "test-") -> str:
        core = kubernetes.client.CoreV1Api(self.api_client())
        created = core.create_namespace(V1Namespace.model_validate({"metadata": {"generateName": prefix}}))
        name = created.metadata.name if created.metadata else None
        assert name, "the server names a namespace created with generateName"
        return name

    def set_faults(self, **settings: Any) -> FaultConfig:
        """e.g. ``set_faults(seed=1, write_error_rate=0.5, write_error_codes=[409])``; no args resets."""
        assert self.server is not None
        return self.server.faults.configure(**settings) if settings else self.server.faults.reset()

    def reset_faults(self) -> FaultConfig:
        assert self.server is not None
        return self.server.faults.reset()
