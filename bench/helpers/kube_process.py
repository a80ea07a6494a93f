"""localkube in a process of its own (`python -m localkube serve`), as `make run` runs it.

The in-process LocalKube of the tests shares the bench's interpreter: every API request, the Job
controller, the kubelet and the bench's own watches then take turns on one GIL, so a burst of 200
sessions measured that interpreter's backlog as much as the reconciler. Here localkube has its own
interpreter, and the bench reaches its request log over HTTP (`/localkube/requests`, admins only).
`KubeProcess` keeps LocalKube's interface (api_client, create_namespace, create_user,
kubeconfig_path), so the e2e Stack takes it as it is; its `requests` is the server's request log.
"""

from __future__ import annotations

import csv
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests

from localkube.faults import RequestRecord
from localkube.testing import LocalKube, free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
READY_TIMEOUT_SECONDS = 60.0


class RemoteRequestLog:
    """LocalKube's RequestLog interface (mark, records_since) over the admin endpoint of another process."""

    def __init__(self, kube: KubeProcess) -> None:
        self._kube = kube
        self._http = requests.Session()

    def _read(self, since: int) -> dict[str, Any]:
        response = self._http.get(
            f"{self._kube.url}/localkube/requests",
            params={"since": str(since)},
            headers={"Authorization": f"Bearer {self._kube.admin_token}"},
            verify=str(self._kube.ca_file),
            timeout=60,
        )
        response.raise_for_status()
        return dict(response.json())

    def mark(self) -> int:
        # The endpoint answers its current mark; a `since` beyond every record keeps the answer small.
        return int(self._read(2**62)["mark"])

    def records_since(self, mark: int = 0) -> list[RequestRecord]:
        return [RequestRecord(**item) for item in self._read(mark)["items"]]


class KubeProcess(LocalKube):
    """`python -m localkube serve` on a free port with a state dir, tokens file and image map of its own."""

    def __init__(
        self, state_dir: Path, *, image_map_file: Path, watch_history: int = 100000, request_log_size: int = 400_000
    ) -> None:
        super().__init__(state_dir, image_map_file=image_map_file, watch_history=watch_history)
        self._tokens_file = self.state_dir / "tokens.csv"
        self._request_log_size = request_log_size
        self._process: subprocess.Popen[bytes] | None = None
        self._url = ""
        # LocalKube's request_log stays empty here: the server's own log is read through this one.
        self.requests = RemoteRequestLog(self)
        self.log_path = self.state_dir.parent / f"{self.state_dir.name}.log"

    def start(self) -> KubeProcess:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self._tokens_file.touch()
        port = free_port()
        argv = [
            *(sys.executable, "-m", "localkube", "serve", "--port", str(port), "--state-dir", str(self.state_dir)),
            *("--tokens", str(self._tokens_file), "--image-map", str(self._options["image_map_file"])),
            *("--watch-history", str(self._options["watch_history"]), "--bookmark-interval", "1"),
            *("--request-log-size", str(self._request_log_size), "--no-fsync"),
        ]
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(  # noqa: S603 - our own module
                argv, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            for line in self.log_path.read_text(errors="replace").splitlines():
                if line.startswith('{"url"'):
                    self._url = str(json.loads(line)["url"])
                    self.port = port
                    return self
            if self._process.poll() is not None:
                break
            time.sleep(0.2)
        raise RuntimeError(f"localkube did not start:\n{self.log_path.read_text(errors='replace')[-3000:]}")

    def stop(self) -> None:
        if self._process is None:
            return
        if self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self._process.pid, signal.SIGKILL)
                self._process.wait(10)
        self._process = None
        for client in self._clients.values():
            client.rest_client.pool_manager.clear()

    @property
    def pid(self) -> int:
        assert self._process is not None
        return self._process.pid

    @property
    def url(self) -> str:
        return self._url

    @property
    def kubeconfig_path(self) -> Path:
        return self.state_dir / "kubeconfig"

    @property
    def admin_token(self) -> str:
        return (self.state_dir / "admin-token").read_text().strip()

    @property
    def ca_file(self) -> Path:
        return self.state_dir / "ca.crt"

    def create_user(self, username: str, groups: tuple[str, ...] | list[str] = ()) -> str:
        """A line in the tokens file, which the server re-reads when it changes."""
        token = secrets.token_urlsafe(24)
        with self._tokens_file.open("a", newline="") as tokens:
            csv.writer(tokens).writerow([token, username, username, ",".join(groups)])
        # The server checks the file's stamp on each unknown token; wait until it answers to this one.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            answer = requests.get(
                f"{self.url}/version", headers={"Authorization": f"Bearer {token}"}, verify=str(self.ca_file), timeout=5
            )
            if answer.status_code != 401:
                return token
            time.sleep(0.1)
        raise RuntimeError(f"localkube did not take the token of {username}")
