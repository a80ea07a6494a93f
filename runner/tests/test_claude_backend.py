"""The claude backend for real: claude-agent-sdk and its bundled CLI against a local fake Messages API.

No network: ANTHROPIC_BASE_URL points at the fake, CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC stops
every other call the CLI would make, and HOME is a temporary directory. Each turn costs a CLI start
(a few seconds), so these tests are marked slow.
"""

from __future__ import annotations

import json
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from runner.tests.conftest import StartRunner
from runner.tests.support import fake_anthropic
from runner.tests.support.fake_anthropic import Body, FakeAnthropic, Reply
from runner.tests.support.fake_chat import FakeChat
from workspaces.services.repositories import sdk_restart_request

pytestmark = pytest.mark.slow


def _policy(workspace: Path) -> Any:
    def answer(body: Body) -> Reply:
        if fake_anthropic.answers_tool_result(body):
            return fake_anthropic.text("the file is written")
        prompt = fake_anthropic.last_user_text(body)
        if prompt.startswith("write "):
            name, _, content = prompt.removeprefix("write ").partition(" ")
            path = workspace / "artifacts" / name
            return fake_anthropic.tool_call("Write", {"file_path": str(path), "content": content})
        if "take your time" in prompt:
            return fake_anthropic.Reply(text="finally", pause_seconds=8)
        if "explode" in prompt:
            return fake_anthropic.api_error(400, "prompt is not acceptable to the fake")
        return fake_anthropic.text(f"claude says: {prompt}")

    return answer


@pytest.fixture
def anthropic(workspace: Path) -> Iterator[FakeAnthropic]:
    server = FakeAnthropic(_policy(workspace))
    yield server
    server.close()


@pytest.fixture
def claude_env(anthropic: FakeAnthropic, tmp_path: Path) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir()
    return {
        "AGENT_BACKEND": "claude",
        "ANTHROPIC_BASE_URL": anthropic.base_url,
        "ANTHROPIC_API_KEY": "sk-fake",
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
        "LLM_MAX_TOKENS": "3000",
        "HOME": str(home),
    }


def _agent_payloads(chat: FakeChat) -> list[dict[str, Any]]:
    return [message["payload"] for message in chat.messages if message["type"] == "agent.message"]


def test_a_tool_use_turn_changes_the_workspace_and_its_reply_reaches_the_socket(
    chat: FakeChat, start_runner: StartRunner, claude_env: dict[str, str], anthropic: FakeAnthropic, workspace: Path
) -> None:
    # One run for the plain reply and the tool-use turn: each run costs a CLI start (~3 s of CPU).
    workflow = workspace / "workflows" / "review"
    (workflow / ".ambient").mkdir(parents=True)
    (workflow / ".ambient" / "ambient.json").write_text(json.dumps({"systemPrompt": "Answer in one line."}))
    runner = start_runner(INTERACTIVE="false", INITIAL_PROMPT="write report.md all good", **claude_env)
    assert runner.wait(120) == 0
    assert (workspace / "artifacts" / "report.md").read_text() == "all good"
    # The model's text after the tool result reaches the socket as an agent message.
    chat.wait_for(lambda _: "the file is written" in chat.texts())
    payloads = _agent_payloads(chat)
    assert any(payload.get("tool") == "Write" for payload in payloads)
    assert any(payload.get("tool_result", {}).get("is_error") is False for payload in payloads)
    results = [payload for payload in payloads if payload.get("type") == "result.message"]
    assert results and results[0]["payload"]["is_error"] is False
    assert anthropic.requests and all(request.get("stream") for request in anthropic.requests)
    # The workflow is the working directory and its systemPrompt reaches the model.
    system = str(anthropic.requests[0].get("system"))
    assert "Answer in one line." in system and f"Working directory: {workflow}." in system
    assert anthropic.requests[0]["max_tokens"] == 3000  # LLM_MAX_TOKENS


def test_an_api_error_ends_the_run_with_exit_1(
    chat: FakeChat, start_runner: StartRunner, claude_env: dict[str, str]
) -> None:
    runner = start_runner(INTERACTIVE="false", INITIAL_PROMPT="please explode", **claude_env)
    assert runner.wait(120) == 1
    failed = [message for message in chat.messages if message["payload"].get("message") == "session.failed"]
    assert failed


def test_an_sdk_restart_resumes_the_same_conversation(
    chat: FakeChat,
    start_runner: StartRunner,
    claude_env: dict[str, str],
    anthropic: FakeAnthropic,
    workspace: Path,
) -> None:
    runner = start_runner(**claude_env)
    chat.post(content="remember the word marmalade")
    chat.wait_for(lambda _: "claude says: remember the word marmalade" in chat.texts(), timeout=120)
    (workspace / "repos" / "added").mkdir()
    sdk_restart_request(root=workspace)  # the content service's own code raises the counter
    chat.wait_for(lambda messages: any(m["payload"].get("message") == "sdk.restarted" for m in messages), timeout=120)
    chat.post(content="what was the word?")
    chat.wait_for(lambda _: "claude says: what was the word?" in chat.texts(), timeout=120)
    # The model call after the restart carries the earlier turn: the CLI resumed the conversation.
    assert "marmalade" in str(anthropic.requests[-1]["messages"])
    # ... and the rebuilt agent works in the new layout (the added repo became its working directory).
    assert f"Working directory: {workspace / 'repos' / 'added'}." in str(anthropic.requests[-1].get("system"))
    chat.post("end_session")
    assert runner.wait(60) == 0


def test_an_interrupt_stops_the_turn_without_failing_the_session_and_sigterm_mid_turn_exits_143(
    chat: FakeChat, start_runner: StartRunner, claude_env: dict[str, str]
) -> None:
    # One run for both: each run costs a CLI start (~3 s of CPU). end_session's exit 0 is covered by
    # the SDK-restart test.
    runner = start_runner(**claude_env)
    chat.post(content="take your time")
    chat.wait_type("agent.running", timeout=120)
    chat.post("interrupt")
    chat.wait_type("agent.waiting", timeout=120)
    chat.post(content="are you there?")
    chat.wait_for(lambda _: "claude says: are you there?" in chat.texts(), timeout=120)
    assert runner.poll() is None
    turns_started = sum(message["type"] == "agent.running" for message in chat.messages)
    chat.post(content="take your time")
    chat.wait_type("agent.running", count=turns_started + 1, timeout=120)
    runner.send_signal(signal.SIGTERM)
    assert runner.wait(60) == 143
