"""The runner with the echo backend against a WebSocket that speaks the api's frames."""

from __future__ import annotations

import signal
from pathlib import Path

from runner.tests.conftest import StartRunner
from runner.tests.support.fake_chat import FakeChat
from workspaces.services.repositories import sdk_restart_request


def _system_messages(chat: FakeChat) -> list[str]:
    return [message["payload"].get("message") for message in chat.messages if message["type"] == "system.message"]


def test_a_user_message_is_answered_on_the_socket(chat: FakeChat, start_runner: StartRunner) -> None:
    runner = start_runner()
    chat.wait_for(lambda messages: "Chat ready" in _system_messages(chat))
    chat.post(content="hello there")
    chat.wait_type("agent.waiting")
    kinds = [message["type"] for message in chat.messages]
    answer = kinds.index("user_message")
    assert kinds[answer + 1 : answer + 4] == ["agent.running", "agent.message", "agent.waiting"]
    chat.post("end_session")
    assert runner.wait(30) == 0
    assert "interactive.ended" in _system_messages(chat)


def test_a_message_posted_before_the_runner_connects_is_answered(chat: FakeChat, start_runner: StartRunner) -> None:
    chat.post(content="early bird")
    runner = start_runner()
    chat.wait_for(lambda _: "echo: early bird" in chat.texts())
    assert chat.connections[0]["after"] == "0"
    chat.post(content="/end")
    assert runner.wait(30) == 0


def test_write_command_changes_the_workspace_and_stays_inside_it(
    chat: FakeChat, start_runner: StartRunner, workspace: Path
) -> None:
    runner = start_runner()
    chat.post(content="/write artifacts/notes/hello.md hi from the chat")
    chat.post(content="/write ../escape.txt nope")
    chat.wait_for(lambda _: len(chat.texts()) == 2)
    assert (workspace / "artifacts" / "notes" / "hello.md").read_text() == "hi from the chat\n"
    assert not (workspace.parent / "escape.txt").exists()
    assert chat.texts()[1].startswith("cannot write:")
    chat.post(content="/end")
    assert runner.wait(30) == 0


def test_reconnect_resumes_after_the_last_message_and_misses_nothing(chat: FakeChat, start_runner: StartRunner) -> None:
    runner = start_runner()
    chat.post(content="one")
    chat.wait_for(lambda _: "echo: one" in chat.texts())
    chat.drop_connections()
    chat.post(content="two")  # nobody is connected: only history has it
    chat.wait_for(lambda _: "echo: two" in chat.texts())
    assert chat.texts().count("echo: one") == 1
    assert len(chat.connections) >= 2
    assert int(chat.connections[-1]["after"]) > 0
    chat.post(content="/end")
    assert runner.wait(30) == 0


def test_the_token_is_read_again_on_every_connect(chat: FakeChat, start_runner: StartRunner, token_file: Path) -> None:
    runner = start_runner()
    chat.post(content="before")
    chat.wait_for(lambda _: "echo: before" in chat.texts())
    chat.token = "refreshed-token"
    token_file.write_text("refreshed-token\n")
    chat.drop_connections()
    chat.post(content="after")
    chat.wait_for(lambda _: "echo: after" in chat.texts())
    chat.post(content="/end")
    assert runner.wait(30) == 0


def test_an_agent_failure_exits_1_and_says_so(chat: FakeChat, start_runner: StartRunner) -> None:
    runner = start_runner()
    chat.post(content="/fail the tool broke")
    assert runner.wait(30) == 1
    failed = [message for message in chat.messages if message["payload"].get("message") == "session.failed"]
    assert failed and "the tool broke" in failed[0]["payload"]["error"]


def test_sigterm_while_chatting_exits_143(chat: FakeChat, start_runner: StartRunner) -> None:
    runner = start_runner()
    chat.wait_for(lambda messages: "Chat ready" in _system_messages(chat))
    runner.send_signal(signal.SIGTERM)
    assert runner.wait(30) == 143


def test_non_interactive_runs_the_prompt_and_exits_0(chat: FakeChat, start_runner: StartRunner) -> None:
    runner = start_runner(INTERACTIVE="false", INITIAL_PROMPT="summarise the repo")
    assert runner.wait(30) == 0
    chat.wait_for(lambda _: "echo: summarise the repo" in chat.texts())
    assert _system_messages(chat)[-1] == "session.completed"


def test_sdk_restart_rebuilds_on_the_new_layout_and_acknowledges(
    chat: FakeChat, start_runner: StartRunner, workspace: Path
) -> None:
    (workspace / "repos" / "main").mkdir()
    runner = start_runner(REPOS_JSON='[{"url": "https://git.example/org/main.git"}]')
    chat.post(content="/layout")
    chat.wait_for(lambda _: len(chat.texts()) == 1)
    assert chat.texts()[0] == "cwd=repos/main dirs=artifacts starts=1"
    # What the content service does when a repo is added: clone, then raise the counter.
    (workspace / "repos" / "extra").mkdir()
    sdk_restart_request(root=workspace)
    chat.wait_for(lambda messages: "sdk.restarted" in _system_messages(chat))
    assert (workspace / ".ambient" / "sdk-restart-acknowledged").read_text().strip() == "1"
    chat.post(content="/layout")
    chat.wait_for(lambda _: len(chat.texts()) == 2)
    assert chat.texts()[1] == "cwd=repos/main dirs=repos/extra,artifacts starts=2"
    chat.post(content="/end")
    assert runner.wait(30) == 0


def test_a_replacement_runner_does_not_answer_handled_messages_again(chat: FakeChat, start_runner: StartRunner) -> None:
    first = start_runner(INITIAL_PROMPT="first prompt")
    chat.post(content="question")
    chat.wait_type("agent.waiting", count=2)  # the prompt's turn and the question's are both over
    first.send_signal(signal.SIGTERM)
    assert first.wait(30) == 143
    second = start_runner(INITIAL_PROMPT="first prompt")
    chat.post(content="follow-up")
    chat.wait_for(lambda _: "echo: follow-up" in chat.texts())
    assert chat.texts().count("echo: question") == 1
    assert chat.texts().count("echo: first prompt") == 1
    chat.post(content="/end")
    assert second.wait(30) == 0


def test_an_interrupt_reaches_the_agent_at_once_and_the_chat_goes_on(chat: FakeChat, start_runner: StartRunner) -> None:
    runner = start_runner()
    chat.wait_for(lambda messages: "Chat ready" in _system_messages(chat))
    chat.post("interrupt")
    chat.wait_for(lambda messages: "interrupt.sent" in _system_messages(chat))
    chat.post(content="still there?")
    chat.wait_for(lambda _: "echo: still there?" in chat.texts())
    chat.post("terminate")  # an alias of end_session
    assert runner.wait(30) == 0


def test_a_refused_token_is_retried_with_back_off_until_the_refreshed_one_works(
    chat: FakeChat, start_runner: StartRunner, token_file: Path
) -> None:
    token_file.write_text("expired-token\n")
    chat.post(content="waiting for you")
    runner = start_runner()
    chat.wait_for(lambda _: chat.refused >= 2)  # refused (4401) and tried again
    token_file.write_text("bot-token\n")
    chat.wait_for(lambda _: "echo: waiting for you" in chat.texts())
    chat.post(content="/end")
    assert runner.wait(30) == 0
