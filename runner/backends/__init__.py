"""Agent backends behind one interface (base.AgentBackend); `backend_create` picks one by name."""

from __future__ import annotations

import os

from runner.backends.base import AgentBackend, PrerequisiteMissing
from runner.config import BACKEND_CLAUDE, BACKEND_ECHO, RunnerConfig, has_credentials


def backend_create(config: RunnerConfig) -> AgentBackend:
    if config.backend == BACKEND_ECHO:
        from runner.backends.echo import EchoBackend

        return EchoBackend(config)
    if config.backend == BACKEND_CLAUDE:
        if not has_credentials(os.environ):
            raise PrerequisiteMissing("the claude backend needs ANTHROPIC_API_KEY or a cloud provider's settings")
        # Imported here: the echo backend must work where claude-agent-sdk is not installed.
        from runner.backends.claude import ClaudeBackend

        return ClaudeBackend(config)
    raise PrerequisiteMissing(f"unknown AGENT_BACKEND {config.backend!r}; use {BACKEND_ECHO} or {BACKEND_CLAUDE}")
