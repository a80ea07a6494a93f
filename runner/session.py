"""One run of the runner: start the agent, answer the chat, follow SDK restarts, end with an exit code."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable
from typing import TypeVar

from ambient.contract import EXIT_PREREQUISITES_MISSING, EXIT_SDK_ERROR, EXIT_SIGTERM, EXIT_SUCCESS
from runner import frames, restart
from runner.backends import backend_create
from runner.backends.base import AgentBackend, AgentError, PrerequisiteMissing, TurnOutcome
from runner.channel import Channel
from runner.config import RunnerConfig
from runner.layout import Layout, layout_read

logger = logging.getLogger("runner")

INITIAL_PROMPT_DONE_FILE = "initial-prompt-done"
T = TypeVar("T")


class Stopped(Exception):
    """SIGTERM arrived: the pod is being deleted."""


class RunnerSession:
    def __init__(self, config: RunnerConfig, stop: asyncio.Event) -> None:
        self.config = config
        self.stop = stop
        self.backend: AgentBackend | None = None
        self.layout: Layout | None = None
        self.channel = Channel(config, config.workspace / ".ambient", self._interrupt)

    async def _interrupt(self) -> None:
        if self.backend is not None:
            await self.backend.interrupt()
        await self.channel.send(frames.system("interrupt.sent"))

    async def _until_stopped(self, work: Awaitable[T]) -> T:
        """Await `work`, or cancel it and raise Stopped when SIGTERM comes first."""
        task = asyncio.ensure_future(work)
        stopping = asyncio.ensure_future(self.stop.wait())
        try:
            await asyncio.wait({task, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
        if task.done():
            return task.result()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
        raise Stopped

    async def _turn(self, prompt: str) -> TurnOutcome:
        assert self.backend is not None
        await self.channel.send(frames.frame(frames.AGENT_RUNNING))
        outcome = await self._until_stopped(self.backend.turn(prompt, self.channel.send))
        await self.channel.send(frames.frame(frames.AGENT_WAITING))
        return outcome

    async def _restart_if_requested(self) -> TurnOutcome:
        """Rebuild the agent on the current layout when the restart counter moved, then acknowledge it."""
        assert self.backend is not None
        control = self.config.workspace / ".ambient"
        counter = restart.pending(control)
        if not counter:
            return TurnOutcome()
        previous = self.layout
        await self.backend.close()
        self.layout = layout_read(self.config)
        await self.backend.start(self.layout)
        restart.acknowledge(control, counter)
        logger.info("agent rebuilt for SDK restart %d (cwd %s)", counter, self.layout.cwd)
        await self.channel.send(frames.system("sdk.restarted", counter=counter, cwd=str(self.layout.cwd)))
        switched = previous is None or previous.workflow != self.layout.workflow
        if switched and self.layout.startup_prompt:
            return await self._turn(self.layout.startup_prompt)
        return TurnOutcome()

    async def _initial_prompt(self) -> TurnOutcome:
        marker = self.config.workspace / ".ambient" / INITIAL_PROMPT_DONE_FILE
        if not self.config.initial_prompt or (self.config.interactive and marker.exists()):
            return TurnOutcome()
        outcome = await self._turn(self.config.initial_prompt)
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()
        return outcome

    async def _next_message(self) -> frames.Frame | None:
        """The next inbound frame, or None after the restart poll interval passed without one."""
        try:
            return await self._until_stopped(
                asyncio.wait_for(self.channel.inbox.get(), self.config.restart_poll_seconds)
            )
        except TimeoutError:
            return None

    async def _chat(self) -> None:
        await self.channel.send(frames.system("Chat ready"))
        while True:
            if (await self._restart_if_requested()).end_session:
                return
            envelope = await self._next_message()
            if envelope is None:
                continue
            kind = envelope.get("type")
            if kind in frames.END_SESSION_ALIASES:
                self.channel.mark_handled(envelope)
                await self.channel.send(frames.system("interactive.ended"))
                return
            # Between two turns: a restart requested while the agent was busy is served first.
            if (await self._restart_if_requested()).end_session:
                return
            text = frames.user_text(envelope.get("payload"))
            outcome = await self._turn(text) if text else TurnOutcome()
            self.channel.mark_handled(envelope)
            if outcome.end_session:
                await self.channel.send(frames.system("interactive.ended"))
                return

    async def _run(self) -> int:
        try:
            self.layout = layout_read(self.config)
            self.backend = backend_create(self.config)
        except PrerequisiteMissing as error:
            logger.error("runner cannot start: %s", error)
            return EXIT_PREREQUISITES_MISSING
        self.channel.start()
        await self._until_stopped(self.backend.start(self.layout))
        # Restarts requested before this pod started were served by building on today's layout.
        control = self.config.workspace / ".ambient"
        if restart.pending(control):
            restart.acknowledge(control, restart.requested(control))
        await self.channel.send(frames.system("session.started"))
        outcome = await self._initial_prompt()
        if self.config.interactive and not outcome.end_session:
            await self._chat()
        await self.channel.send(frames.system("session.completed"))
        return EXIT_SUCCESS

    async def run(self) -> int:
        if not self.config.workspace.is_dir():
            logger.error("runner cannot start: workspace %s is missing", self.config.workspace)
            return EXIT_PREREQUISITES_MISSING
        try:
            return await self._run()
        except Stopped:
            logger.info("SIGTERM: stopped cleanly")
            return EXIT_SIGTERM
        except AgentError as error:
            logger.error("agent failed: %s", error)
            await self.channel.send(frames.system("session.failed", error=str(error)))
            return EXIT_SDK_ERROR
        finally:
            if self.backend is not None:
                with contextlib.suppress(Exception):
                    await self.backend.close()
                logger.info("agent closed")
            await self.channel.close()
            logger.info("chat closed")
