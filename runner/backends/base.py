"""What every agent backend offers the session loop, and the two ways a backend can fail."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from runner.frames import Frame
from runner.layout import Layout

Emit = Callable[[Frame], Awaitable[None]]


class AgentError(Exception):
    """The agent or its SDK failed: the runner exits 1 and the session ends Failed/SDKError."""


class PrerequisiteMissing(Exception):
    """The backend cannot start here (no credentials, SDK missing): the runner exits 2."""


@dataclass(frozen=True)
class TurnOutcome:
    end_session: bool = False


class AgentBackend(Protocol):
    async def start(self, layout: Layout) -> None:
        """Build the agent on `layout`; after a restart it continues the same conversation."""

    async def turn(self, prompt: str, emit: Emit) -> TurnOutcome:
        """Answer one user prompt, emitting agent.message frames as the agent produces them."""

    async def interrupt(self) -> None:
        """Stop the turn in progress, if any."""

    async def close(self) -> None:
        """Release the agent (the conversation id survives for the next `start`)."""
