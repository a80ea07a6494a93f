"""The runner without a chat socket: exit codes are what the reconciler maps to phases."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def _start(workspace: Path, **env: str) -> subprocess.Popen[str]:
    inherited = {key: value for key, value in os.environ.items() if not key.startswith(("ANTHROPIC_", "CLAUDE_"))}
    environment = {**inherited, "PYTHONPATH": str(REPO_ROOT), "WORKSPACE_PATH": str(workspace), **env}
    return subprocess.Popen([sys.executable, "-m", "runner"], env=environment, text=True, stdout=subprocess.PIPE)


def test_non_interactive_session_answers_and_exits_zero(tmp_path):
    process = _start(tmp_path, INITIAL_PROMPT="hello there", INTERACTIVE="false")
    assert process.wait(timeout=30) == 0
    assert "echo: hello there" in (tmp_path / "artifacts" / "echo-transcript.md").read_text()


def test_missing_workspace_is_a_prerequisite_failure(tmp_path):
    assert _start(tmp_path / "absent").wait(timeout=30) == 2


def test_claude_without_credentials_is_a_prerequisite_failure(tmp_path):
    assert _start(tmp_path, AGENT_BACKEND="claude").wait(timeout=30) == 2


def test_unknown_backend_is_a_prerequisite_failure(tmp_path):
    assert _start(tmp_path, AGENT_BACKEND="parrot").wait(timeout=30) == 2


def test_interactive_session_runs_until_sigterm(tmp_path):
    process = _start(tmp_path, INTERACTIVE="true", INITIAL_PROMPT="stay a while")
    transcript = tmp_path / "artifacts" / "echo-transcript.md"
    deadline = time.monotonic() + 30
    while not transcript.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert process.poll() is None
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 143
