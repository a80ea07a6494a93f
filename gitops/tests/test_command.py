"""The git runner against real git: credentials stay out of config and output, repository config
cannot make it run programs, and a hung remote ends in a timeout."""

from __future__ import annotations

import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from gitops.command import MASK, GitCredentials, GitResult, GitSettings, classify_failure, run_git
from gitops.errors import (
    GitAuthenticationFailed,
    GitPushRejected,
    GitRemoteUnavailable,
    GitRepositoryNotFound,
    GitTimeout,
)
from gitops.operations.clone import repository_clone
from gitops.testing import GitServer


@pytest.fixture
def git_settings(git_server: GitServer) -> GitSettings:
    return GitSettings(ca_file=str(git_server.ca_path), network_timeout_seconds=60)


def test_clone_with_credentials_stores_no_token(
    tmp_path: Path, git_server: GitServer, git_settings: GitSettings
) -> None:
    url = git_server.create_repository("cmd-clone", {"a.txt": "a"})
    result = repository_clone(
        url=url,
        destination=tmp_path / "c",
        branch="main",
        settings=git_settings,
        credentials=GitCredentials(token=git_server.token),
    )
    assert result["status"] == "cloned"
    for path in (tmp_path / "c/.git").rglob("*"):
        if path.is_file():
            assert git_server.token.encode() not in path.read_bytes(), path


def test_output_echoing_the_token_is_masked(tmp_path: Path, git_settings: GitSettings) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    credentials = GitCredentials(token="super-secret-token")
    result = run_git(
        ["check-ref-format", "--branch", "super-secret-token"],
        cwd=tmp_path,
        settings=git_settings,
        credentials=credentials,
    )
    assert "super-secret-token" not in result.stdout and MASK in result.stdout


def test_repository_config_cannot_run_programs(tmp_path: Path, git_settings: GitSettings) -> None:
    repo = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    marker = tmp_path / "ran"
    subprocess.run(["git", "-C", str(repo), "config", "core.fsmonitor", f"touch {marker}"], check=True)
    subprocess.run(["git", "-C", str(repo), "config", "credential.helper", f"!touch {marker}"], check=True)
    hook = repo / ".git/hooks/pre-commit"
    hook.write_text(f"#!/bin/sh\ntouch {marker}\n")
    hook.chmod(0o755)
    (repo / "f.txt").write_text("x")
    run_git(["status", "--porcelain"], cwd=repo, settings=git_settings)
    run_git(["add", "--all"], cwd=repo, settings=git_settings)
    run_git(["commit", "--file=-"], cwd=repo, settings=git_settings, input_text="message")
    assert not marker.exists()


@pytest.fixture
def silent_remote() -> Iterator[int]:
    """A TCP port that accepts connections and never answers (a hung git host)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    connections: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                connections.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join()
    for connection in connections:
        connection.close()
    listener.close()


def test_a_hung_remote_times_out(tmp_path: Path, silent_remote: int) -> None:
    settings = GitSettings(clone_timeout_seconds=1.0)
    with pytest.raises(GitTimeout) as raised:
        repository_clone(
            url=f"https://127.0.0.1:{silent_remote}/r.git",
            destination=tmp_path / "c",
            branch=None,
            settings=settings,
            credentials=None,
        )
    assert raised.value.status_code == 504
    assert not (tmp_path / "c").exists()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("stderr", "error"),
    [
        ("fatal: Authentication failed for 'https://h/r.git/'", GitAuthenticationFailed),
        ("fatal: could not read Username for 'https://h': terminal prompts disabled", GitAuthenticationFailed),
        (" ! [rejected]        main -> main (fetch first)", GitPushRejected),
        ("remote: Repository not found.\nfatal: repository 'https://h/r.git/' not found", GitRepositoryNotFound),
        ("fatal: unable to access 'https://h/': Could not resolve host: h", GitRemoteUnavailable),
    ],
)
def test_failures_are_classified(stderr: str, error: type) -> None:
    assert isinstance(classify_failure("clone", GitResult(128, "", stderr)), error)
