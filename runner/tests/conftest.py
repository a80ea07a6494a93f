"""Fixtures for the runner's tests: a workspace, a mounted token file, the fake chat, and the runner process."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from runner.tests.support.fake_chat import FakeChat

REPO_ROOT = Path(__file__).resolve().parents[2]
StartRunner = Callable[..., subprocess.Popen[str]]


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "workspace"
    for directory in ("repos", "workflows", "artifacts", ".ambient"):
        (root / directory).mkdir(parents=True)
    return root


@pytest.fixture
def token_file(tmp_path: Path) -> Path:
    path = tmp_path / "secrets" / "bot-token"
    path.parent.mkdir()
    path.write_text("bot-token\n")
    return path


@pytest.fixture
def chat() -> Iterator[FakeChat]:
    server = FakeChat()
    yield server
    server.close()


@pytest.fixture
def start_runner(workspace: Path, token_file: Path, chat: FakeChat) -> Iterator[StartRunner]:
    """Start `python -m runner` for session s1 with the chat's URL; extra keyword arguments are env."""
    started: list[subprocess.Popen[str]] = []

    def start(**env: str) -> subprocess.Popen[str]:
        environment = {
            **{key: value for key, value in os.environ.items() if not key.startswith(("ANTHROPIC_", "CLAUDE_"))},
            "PYTHONPATH": str(REPO_ROOT),
            "AGENTIC_SESSION_NAME": chat.session,
            "AGENTIC_SESSION_NAMESPACE": chat.project,
            "WORKSPACE_PATH": str(workspace),
            "WEBSOCKET_URL": chat.url,
            "BOT_TOKEN_FILE": str(token_file),
            "INTERACTIVE": "true",
            "AGENT_BACKEND": "echo",
            "RUNNER_RESTART_POLL_SECONDS": "0.2",
            "RUNNER_RECONNECT_INITIAL_SECONDS": "0.05",
            "RUNNER_RECONNECT_MAX_SECONDS": "0.5",
            **env,
        }
        # The runner's log goes to a file next to the workspace: a pipe nobody reads could fill up.
        log = (workspace.parent / f"runner-{len(started)}.log").open("w")
        process = subprocess.Popen(
            [sys.executable, "-m", "runner"], env=environment, text=True, stderr=log, cwd=REPO_ROOT
        )
        log.close()
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(30)
