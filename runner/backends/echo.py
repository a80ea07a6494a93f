"""The deterministic backend: no network, answers every prompt, and a few commands with real effects.

Commands (a prompt that starts with one of them):
  /write <path> <text>   write <text> to <path>, relative to the workspace and confined to it
  /layout                answer with the working directory and added directories it was built on
  /fail [message]        fail as an agent error would (the runner exits 1)
  /end                   end the session (the runner exits 0)
Anything else is answered with `echo: <prompt>`. Every exchange is appended to
`artifacts/echo-transcript.md`, so tests and the embedded demo can see what happened on disk.
"""

from __future__ import annotations

from runner.backends.base import AgentError, Emit, TurnOutcome
from runner.config import RunnerConfig
from runner.frames import text_message
from runner.layout import Layout, OutsideWorkspace, confined

TRANSCRIPT = "echo-transcript.md"


class EchoBackend:
    def __init__(self, config: RunnerConfig) -> None:
        self.config = config
        self.layout: Layout | None = None
        self.starts = 0

    async def start(self, layout: Layout) -> None:
        self.layout = layout
        self.starts += 1

    async def interrupt(self) -> None:
        return  # every echo turn finishes at once

    async def close(self) -> None:
        return

    def _relative(self, path: object) -> str:
        assert self.layout is not None
        return str(path).removeprefix(str(self.layout.workspace)).lstrip("/") or "."

    def _answer(self, prompt: str) -> tuple[str, TurnOutcome]:
        assert self.layout is not None
        command, _, rest = prompt.strip().partition(" ")
        if command == "/write":
            path, _, content = rest.strip().partition(" ")
            try:
                target = confined(self.layout.workspace, path)
            except OutsideWorkspace as error:
                return f"cannot write: {error}", TurnOutcome()
            target.parent.mkdir(parents=True, exist_ok=True)
            data = (content + "\n").encode()
            target.write_bytes(data)
            return f"wrote {path} ({len(data)} bytes)", TurnOutcome()
        if command == "/layout":
            dirs = ",".join(self._relative(path) for path in self.layout.add_dirs)
            return f"cwd={self._relative(self.layout.cwd)} dirs={dirs} starts={self.starts}", TurnOutcome()
        if command == "/fail":
            raise AgentError(rest.strip() or "the echo agent was asked to fail")
        if command == "/end":
            return "ending the session", TurnOutcome(end_session=True)
        return f"echo: {prompt}", TurnOutcome()

    async def turn(self, prompt: str, emit: Emit) -> TurnOutcome:
        if self.layout is None:
            raise AgentError("the echo agent was not started")
        reply, outcome = self._answer(prompt)
        with (self.layout.artifacts / TRANSCRIPT).open("a") as transcript:
            transcript.write(f"# Prompt\n\n{prompt}\n\n# Reply\n\n{reply}\n\n")
        await emit(text_message(reply))
        return outcome
