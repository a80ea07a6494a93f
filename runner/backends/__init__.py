"""Agent backends behind one interface (base.AgentBackend); `backend_create` picks one by name."""

from __future__ import annotations

from runner.backends.base import AgentBackend, PrerequisiteMissing
from runner.config import BACKEND_CLAUDE, BACKEND_ECHO, RunnerConfig


def backend_create(config: RunnerConfig) -> AgentBackend:
    if config.backend == BACKEND_ECHO:
        from runner.backends.echo import EchoBackend

        return EchoBackend(config)
    if config.backend == BACKEND_CLAUDE:
        # Imported here: the echo backend must work where claude-agent-sdk is not installed.
        from runner.backends.claude import ClaudeBackend

        return ClaudeBackend(config)
    raise PrerequisiteMissing(f"unknown AGENT_BACKEND {config.backend!r}; use {BACKEND_ECHO} or {BACKEND_CLAUDE}")
