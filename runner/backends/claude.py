"""The claude backend: claude-agent-sdk's ClaudeSDKClient driving the bundled Claude Code CLI.

The agent works in the layout's cwd with the other directories added, may use the allowed tools
without asking, and gets the workflow's `systemPrompt` appended to Claude Code's own. The SDK's
conversation id is kept (also in `.ambient/sdk-session-id`, and the CLI's transcripts live on the
workspace volume), so a rebuild after an SDK restart, or a replacement pod, resumes the same
conversation instead of starting a new one.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from pathlib import Path
from typing import Any

from runner.backends.base import AgentError, Emit, PrerequisiteMissing, TurnOutcome
from runner.config import RunnerConfig
from runner.frames import result_summary, text_message, tool_result, tool_use
from runner.layout import Layout

try:
    from claude_agent_sdk import (
        AssistantMessage,
        ClaudeAgentOptions,
        ClaudeSDKClient,
        ClaudeSDKError,
        ResultMessage,
        SystemMessage,
        TextBlock,
        ToolResultBlock,
        ToolUseBlock,
        UserMessage,
    )
except ImportError:  # the image without the SDK can still run the echo backend
    ClaudeSDKClient = None  # type: ignore[assignment,misc]

SESSION_ID_FILE = "sdk-session-id"
# Where the CLI keeps its transcripts unless CLAUDE_CONFIG_DIR says otherwise: on the workspace
# volume, so a replacement pod can still resume.
CONFIG_DIR = ".claude"
DEFAULT_ALLOWED_TOOLS = ("Read", "Write", "Edit", "MultiEdit", "Bash", "Glob", "Grep", "WebSearch", "WebFetch")
DEFAULT_PERMISSION_MODE = "acceptEdits"
INTERRUPT_ON_CLOSE_SECONDS = 2.0


def _workspace_prompt(layout: Layout) -> str:
    lines = [
        "You are working in an Ambient session workspace.",
        f"Working directory: {layout.cwd}.",
        f"Write results that are not part of a repository under {layout.artifacts}.",
    ]
    if layout.add_dirs:
        lines.append("Other directories you may use: " + ", ".join(str(path) for path in layout.add_dirs) + ".")
    if layout.system_prompt:
        lines.append(layout.system_prompt)
    return "\n".join(lines)


def _tool_result_content(content: Any) -> Any:
    if isinstance(content, list):
        return [part.get("text", part) if isinstance(part, dict) else part for part in content]
    return content


class ClaudeBackend:
    def __init__(self, config: RunnerConfig) -> None:
        if ClaudeSDKClient is None:
            raise PrerequisiteMissing("the claude backend needs claude-agent-sdk (runner/requirements.txt)")
        self.config = config
        self.client: ClaudeSDKClient | None = None
        self.layout: Layout | None = None
        self.resume_id = ""
        # Set by interrupt(): the turn then ends with an error result that is the user's doing.
        self.interrupted = False
        self.in_turn = False
        allowed = os.environ.get("RUNNER_ALLOWED_TOOLS", "")
        self.allowed_tools = [tool.strip() for tool in allowed.split(",") if tool.strip()] or list(
            DEFAULT_ALLOWED_TOOLS
        )
        self.permission_mode = os.environ.get("RUNNER_PERMISSION_MODE") or DEFAULT_PERMISSION_MODE

    def _session_file(self) -> Path:
        assert self.layout is not None
        return self.layout.control / SESSION_ID_FILE

    def _options(self, layout: Layout) -> ClaudeAgentOptions:
        env = {}
        if not os.environ.get("CLAUDE_CONFIG_DIR"):
            env["CLAUDE_CONFIG_DIR"] = str(layout.workspace / CONFIG_DIR)
        if self.config.max_tokens and not os.environ.get("CLAUDE_CODE_MAX_OUTPUT_TOKENS"):
            # The CLI's own cap on a reply; it has no temperature setting, so LLM_TEMPERATURE is not passed.
            env["CLAUDE_CODE_MAX_OUTPUT_TOKENS"] = str(self.config.max_tokens)
        return ClaudeAgentOptions(
            cwd=str(layout.cwd),
            add_dirs=[str(path) for path in layout.add_dirs],
            allowed_tools=self.allowed_tools,
            permission_mode=self.permission_mode,  # type: ignore[arg-type]
            # snapshot=False: a resumed conversation otherwise keeps the prompt of its first request,
            # and after an SDK restart the agent must see the new directories and workflow.
            system_prompt={
                "type": "preset",
                "preset": "claude_code",
                "append": _workspace_prompt(layout),
                "snapshot": False,
            },
            setting_sources=["project"],
            model=self.config.model or None,
            resume=self.resume_id or None,
            env=env,
        )

    async def start(self, layout: Layout) -> None:
        self.layout = layout
        if not self.resume_id and self._session_file().is_file():
            self.resume_id = self._session_file().read_text().strip()
        self.client = ClaudeSDKClient(self._options(layout))
        try:
            await self.client.connect()
        except ClaudeSDKError as error:
            raise AgentError(f"the Claude CLI did not start: {error}") from error

    async def interrupt(self) -> None:
        self.interrupted = True
        if self.client is not None:
            try:
                await self.client.interrupt()
            except ClaudeSDKError:
                return  # nothing was running

    async def close(self) -> None:
        client, self.client = self.client, None
        if client is not None and self.in_turn:
            # A turn cut short (SIGTERM): abort the model call first, or the CLI finishes it before it
            # notices its input closed and the SDK waits seconds for it.
            with contextlib.suppress(ClaudeSDKError, TimeoutError):
                await asyncio.wait_for(client.interrupt(), INTERRUPT_ON_CLOSE_SECONDS)
        if client is not None:
            try:
                await client.disconnect()
            except ClaudeSDKError:
                return

    def _remember(self, session_id: str) -> None:
        if session_id and session_id != self.resume_id:
            self.resume_id = session_id
            self._session_file().parent.mkdir(parents=True, exist_ok=True)
            self._session_file().write_text(session_id + "\n")

    async def turn(self, prompt: str, emit: Emit) -> TurnOutcome:
        if self.client is None:
            raise AgentError("the claude agent was not started")
        self.interrupted = False
        self.in_turn = True
        try:
            await self.client.query(prompt)
            async for message in self.client.receive_response():
                await self._relay(message, emit)
        except ClaudeSDKError as error:
            raise AgentError(f"the Claude SDK failed: {error}") from error
        else:
            self.in_turn = False
        return TurnOutcome()

    async def _relay(self, message: object, emit: Emit) -> None:
        if isinstance(message, SystemMessage):
            if message.subtype == "init":
                self._remember(str(message.data.get("session_id") or ""))
        elif isinstance(message, AssistantMessage):
            for block in message.content:
                if isinstance(block, TextBlock) and block.text:
                    await emit(text_message(block.text))
                elif isinstance(block, ToolUseBlock):
                    await emit(tool_use(block.name, block.input, block.id))
            if message.error and not self.interrupted:
                raise AgentError(f"the model call failed: {message.error}")
        elif isinstance(message, UserMessage) and isinstance(message.content, list):
            for block in message.content:
                if isinstance(block, ToolResultBlock):
                    content = _tool_result_content(block.content)
                    await emit(tool_result(block.tool_use_id, content, is_error=bool(block.is_error)))
        elif isinstance(message, ResultMessage):
            self._remember(message.session_id)
            summary = {
                "subtype": message.subtype,
                "duration_ms": message.duration_ms,
                "duration_api_ms": message.duration_api_ms,
                "is_error": message.is_error,
                "num_turns": message.num_turns,
                "session_id": message.session_id,
                "total_cost_usd": message.total_cost_usd,
                "usage": message.usage,
                "result": message.result,
            }
            await emit(result_summary(summary))
            aborted = self.interrupted or (message.terminal_reason or "").startswith("aborted")
            if message.is_error and not aborted:
                raise AgentError(f"the agent's turn failed: {message.result or message.subtype}")
