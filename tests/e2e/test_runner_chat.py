"""The real runner (echo backend) in a session's pod, chatting through the real api over ASGI.

localkube runs this checkout's `python -m runner` for the runner image; the worker gives it a
WEBSOCKET_URL on the api the stack starts (uvicorn, Channels on the stack's Redis). A client sends
messages with `POST …/messages` and reads the session's socket as a UI would.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kubernetes.client
import pytest
import requests
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from ambient.contract import pvc_name
from reconciler.embedded_images import agent_environment
from runner.tests.support import fake_anthropic
from runner.tests.support.fake_anthropic import Body, FakeAnthropic, Reply
from sessions.api_constants import MANAGED_LABEL
from tests.e2e.stack import Stack
from tests.e2e.support import conditions, session_create, session_patch, session_read, wait_for, wait_phase

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture
def chat_stack(stack: Stack, kube_namespace: str) -> Stack:
    # An Ambient project is a namespace with the managed label; the api serves no other.
    patch = {"metadata": {"labels": {MANAGED_LABEL: "true"}}}
    kubernetes.client.CoreV1Api(stack.admin).patch_namespace(kube_namespace, patch)
    stack.start_api()
    stack.set_image_map(real_runner=True)  # the `stack` fixture restores the fake runner afterwards
    return stack


def _headers(stack: Stack) -> dict[str, str]:
    return {"Authorization": f"Bearer {stack.kube.admin_token}"}


def _post(stack: Stack, namespace: str, name: str, body: dict[str, Any]) -> dict[str, Any]:
    url = f"{stack.api_url}/api/projects/{namespace}/agentic-sessions/{name}/messages"
    response = requests.post(url, json=body, headers=_headers(stack), timeout=30)
    assert response.status_code == 202, response.text
    return dict(response.json())


class ChatReader:
    """A UI-like reader of a session's socket: frames in order, resuming with ?after if the socket drops."""

    def __init__(self, stack: Stack, namespace: str, name: str) -> None:
        self.url = f"ws://127.0.0.1:{stack.api_port}/api/projects/{namespace}/agentic-sessions/{name}/ws"
        self.headers = _headers(stack)
        self.last_id = 0
        self.socket: ClientConnection | None = None
        self.sockets = contextlib.ExitStack()

    def close(self) -> None:
        self.sockets.close()

    def until(self, predicate: Any, timeout: float = 60.0) -> dict[str, Any]:
        """The first frame after those already read that satisfies `predicate`."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            assert remaining > 0, "the expected frame did not arrive"
            if self.socket is None:
                url = f"{self.url}?after={self.last_id}"
                self.socket = self.sockets.enter_context(connect(url, additional_headers=self.headers, open_timeout=30))
            try:
                frame = json.loads(self.socket.recv(timeout=remaining))
            except ConnectionClosed:
                self.socket = None
                continue
            if isinstance(frame.get("id"), int):
                self.last_id = max(self.last_id, frame["id"])
            if predicate(frame):
                return dict(frame)


@pytest.fixture
def socket_for(chat_stack: Stack) -> Iterator[Any]:
    readers: list[ChatReader] = []

    def open_reader(namespace: str, name: str) -> ChatReader:
        readers.append(ChatReader(chat_stack, namespace, name))
        return readers[-1]

    yield open_reader
    for reader in readers:
        reader.close()


def _text(frame: dict[str, Any]) -> str:
    payload = frame.get("payload") or {}
    return str((payload.get("content") or {}).get("text", "")) if frame.get("type") == "agent.message" else ""


def _workspace(stack: Stack, namespace: str, name: str) -> Path:
    return stack.kube.state_dir / "volumes" / "pvc" / namespace / pvc_name(name)


def test_interactive_session_chats_writes_a_file_and_completes_on_end_session(
    chat_stack: Stack, kube_namespace: str, socket_for: Any
) -> None:
    session_create(chat_stack.admin, kube_namespace, "talk", interactive=True)
    wait_phase(chat_stack.admin, kube_namespace, "talk", "Running", timeout=120)
    socket = socket_for(kube_namespace, "talk")
    queued = _post(chat_stack, kube_namespace, "talk", {"content": "hello runner"})
    assert isinstance(queued["id"], int)
    socket.until(lambda frame: _text(frame) == "echo: hello runner")

    _post(chat_stack, kube_namespace, "talk", {"content": "/write artifacts/from-chat.md written by the agent"})
    socket.until(lambda frame: _text(frame).startswith("wrote artifacts/from-chat.md"))
    written = _workspace(chat_stack, kube_namespace, "talk") / "artifacts" / "from-chat.md"
    assert written.read_text() == "written by the agent\n"

    history = requests.get(
        f"{chat_stack.api_url}/api/projects/{kube_namespace}/agentic-sessions/talk/messages?after=0&limit=1000",
        headers=_headers(chat_stack),
        timeout=30,
    ).json()
    texts = [_text(message) for message in history["messages"]]
    assert "echo: hello runner" in texts

    _post(chat_stack, kube_namespace, "talk", {"type": "end_session"})
    wait_phase(chat_stack.admin, kube_namespace, "talk", "Completed", timeout=120)


def test_non_interactive_session_answers_its_prompt_and_completes(
    chat_stack: Stack, kube_namespace: str, socket_for: Any
) -> None:
    session_create(chat_stack.admin, kube_namespace, "once", initialPrompt="summarise this")
    wait_phase(chat_stack.admin, kube_namespace, "once", "Completed", timeout=120)
    socket = socket_for(kube_namespace, "once")  # ?after=0: the history comes first
    socket.until(lambda frame: _text(frame) == "echo: summarise this")


def test_agent_error_fails_the_session_with_sdk_error(chat_stack: Stack, kube_namespace: str) -> None:
    session_create(chat_stack.admin, kube_namespace, "broken", initialPrompt="/fail on purpose")
    failed = wait_phase(chat_stack.admin, kube_namespace, "broken", "Failed", timeout=120)
    assert conditions(failed)["Failed"] == ("True", "SDKError")


def _git_repository(path: Path) -> str:
    path.mkdir()
    for argv in (
        ["git", "init", "--quiet", "--initial-branch=main"],
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "--quiet", "--allow-empty", "-m", "x"],
    ):
        subprocess.run(argv, cwd=path, check=True)
    return f"file://{path}"


def test_adding_a_repo_restarts_the_agent_in_the_new_directory(
    chat_stack: Stack, kube_namespace: str, socket_for: Any, tmp_path: Path
) -> None:
    session_create(chat_stack.admin, kube_namespace, "grow", interactive=True)
    wait_phase(chat_stack.admin, kube_namespace, "grow", "Running", timeout=120)
    socket = socket_for(kube_namespace, "grow")
    _post(chat_stack, kube_namespace, "grow", {"content": "/layout"})
    socket.until(lambda frame: _text(frame) == "cwd=artifacts dirs= starts=1")

    url = _git_repository(tmp_path / "tools")
    session_patch(chat_stack.admin, kube_namespace, "grow", {"spec": {"repos": [{"url": url, "branch": "main"}]}})
    restarted = socket.until(lambda frame: (frame.get("payload") or {}).get("message") == "sdk.restarted", timeout=120)
    workspace = _workspace(chat_stack, kube_namespace, "grow")
    assert restarted["payload"]["cwd"].endswith("/repos/tools")
    acknowledged = int((workspace / ".ambient" / "sdk-restart-acknowledged").read_text())

    def count_recorded() -> dict[str, Any] | None:
        session = session_read(chat_stack.admin, kube_namespace, "grow")
        return session if (session.get("status") or {}).get("sdkRestartCount") == acknowledged else None

    wait_for(count_recorded, 60, "status.sdkRestartCount to match the runner's acknowledgement")
    _post(chat_stack, kube_namespace, "grow", {"content": "/layout"})
    socket.until(lambda frame: _text(frame) == "cwd=repos/tools dirs=artifacts starts=2")
    _post(chat_stack, kube_namespace, "grow", {"type": "end_session"})
    wait_phase(chat_stack.admin, kube_namespace, "grow", "Completed", timeout=120)


@pytest.fixture
def claude_stack(chat_stack: Stack, tmp_path: Path) -> Iterator[Stack]:
    """Runners use the claude backend against the fake Messages API, configured as `make run` does it."""

    def answer(body: Body) -> Reply:
        prompt = fake_anthropic.last_user_text(body)
        if "explode" in prompt:
            return fake_anthropic.api_error(400, "the fake refuses this prompt")
        return fake_anthropic.text(f"claude says: {prompt}")

    server = FakeAnthropic(answer)
    make_run_environment = {
        "ANTHROPIC_API_KEY": "sk-fake",
        "ANTHROPIC_BASE_URL": server.base_url,
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
        "UNRELATED_SECRET": "never copied",
    }
    chat_stack.set_image_map(real_runner=True, runner_env=agent_environment(make_run_environment))
    try:
        yield chat_stack
    finally:
        server.close()


def test_claude_backend_answers_through_the_fake_messages_api(
    claude_stack: Stack, kube_namespace: str, socket_for: Any
) -> None:
    session_create(claude_stack.admin, kube_namespace, "smart", initialPrompt="hello claude")
    wait_phase(claude_stack.admin, kube_namespace, "smart", "Completed", timeout=180)
    socket = socket_for(kube_namespace, "smart")
    socket.until(lambda frame: _text(frame) == "claude says: hello claude")


def test_claude_api_error_fails_the_session_with_sdk_error(claude_stack: Stack, kube_namespace: str) -> None:
    session_create(claude_stack.admin, kube_namespace, "refused", initialPrompt="please explode")
    failed = wait_phase(claude_stack.admin, kube_namespace, "refused", "Failed", timeout=180)
    assert conditions(failed)["Failed"] == ("True", "SDKError")
