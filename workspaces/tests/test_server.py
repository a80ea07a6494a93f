"""The production server: gunicorn with ambient.settings.content, the way the Job runs it."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from ambient.contract import CONTENT_TOKEN_HEADER, GIT_TOKEN_HEADER
from gitops.testing import GitServer
from workspaces.testing import ContentServer, make_workspace

pytestmark = pytest.mark.integration


@pytest.fixture
def server(tmp_path: Path, git_server: GitServer) -> Iterator[ContentServer]:
    token_file = tmp_path / "content-token"
    token_file.write_text("served-content-token-123\n")
    running = ContentServer(
        workspace=make_workspace(tmp_path / "workspace"),
        token="not-this-one-when-a-file-is-mounted",
        log_path=tmp_path / "content.log",
        environment={"CONTENT_TOKEN_FILE": str(token_file), "GIT_SSL_CA_FILE": str(git_server.ca_path)},
    )
    running.token = "served-content-token-123"
    yield running.wait_ready()
    running.stop()


def test_gunicorn_serves_clone_files_and_auth_without_logging_tokens(
    server: ContentServer, git_server: GitServer
) -> None:
    url = git_server.create_repository("served", {"README.md": "served\n"})
    assert requests.get(f"{server.url}/workspace/list", timeout=10).status_code == 401
    wrong = requests.get(f"{server.url}/workspace/list", headers={"Authorization": "Bearer nope"}, timeout=10)
    assert wrong.status_code == 401 and wrong.json()["code"] == "unauthenticated"

    headers = {"Authorization": f"Bearer {server.token}", GIT_TOKEN_HEADER: git_server.token}
    cloned = requests.post(f"{server.url}/repos/clone", json={"url": url}, headers=headers, timeout=60)
    assert cloned.status_code == 200, cloned.text
    failed = requests.post(
        f"{server.url}/repos/clone",
        json={"url": git_server.url_for("missing")},
        headers={CONTENT_TOKEN_HEADER: server.token, GIT_TOKEN_HEADER: git_server.token},
        timeout=60,
    )
    assert failed.status_code == 404

    body = b"\0binary\xff" * 1000
    put = requests.put(f"{server.url}/workspace/file?path=artifacts/b.bin", data=body, headers=headers, timeout=10)
    assert put.status_code == 200 and put.json()["size"] == len(body)
    chunked = requests.put(
        f"{server.url}/workspace/file?path=artifacts/chunked.bin", data=iter([body, body]), headers=headers, timeout=10
    )
    assert chunked.status_code == 200 and chunked.json()["size"] == 2 * len(body)
    got = requests.get(f"{server.url}/workspace/file?path=artifacts/b.bin", headers=headers, timeout=10)
    assert got.content == body
    status = requests.get(f"{server.url}/repos/served/git/status", headers=headers, timeout=10).json()
    assert status["initialized"] is True and status["remoteUrl"] == url

    server.stop()
    log = server.log_path.read_text()
    assert "gthread" in log or "Booting worker" in log
    assert "/repos/clone" in log  # the access log is on
    for secret in (server.token, git_server.token):
        assert secret not in log


# Many clones through a real gunicorn at once: a stress run for `make test`, not the fast lane.
@pytest.mark.slow
def test_parallel_clones_and_restarts_on_one_session(server: ContentServer, git_server: GitServer) -> None:
    urls = [git_server.create_repository(f"parallel-{index}", {"n.txt": str(index)}) for index in range(12)]
    headers = {"Authorization": f"Bearer {server.token}", GIT_TOKEN_HEADER: git_server.token}

    def clone(url: str) -> int:
        return requests.post(f"{server.url}/repos/clone", json={"url": url}, headers=headers, timeout=120).status_code

    def restart(_: int) -> int:
        return int(requests.post(f"{server.url}/sdk/restart", headers=headers, timeout=30).json()["count"])

    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = list(pool.map(clone, urls + urls))  # each URL twice at once: idempotent under a lock
        counts = list(pool.map(restart, range(12)))
    assert statuses == [200] * 24
    assert sorted(counts) == list(range(1, 13))
    listed = requests.get(f"{server.url}/workspace/list?path=repos", headers=headers, timeout=10).json()["items"]
    assert sorted(item["name"] for item in listed) == sorted(f"parallel-{index}" for index in range(12))
