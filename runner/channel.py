"""The runner's WebSocket to the api: reconnects with back-off and resumes where it left off.

Each connect reads the bot token from its mounted file again (the reconciler refreshes it and the
kubelet swaps the file) and asks for `?after=<last id received>`, so a dropped connection loses
nothing and replays nothing. Frames the runner sends while disconnected wait in order and go out
on the next connection. The last id the runner finished handling is kept in the workspace, so a
replacement pod picks up the conversation where the old one stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, WebSocketException

from runner.config import RunnerConfig
from runner.frames import INBOUND_TYPES, INTERRUPT, PING, PONG, Frame

logger = logging.getLogger("runner.channel")

LAST_HANDLED_FILE = "runner-last-message-id"
# Bounded so a frame the runner cannot parse, or a flood, cannot grow memory without limit.
MAX_FRAME_BYTES = 4 * 2**20


def with_after(url: str, after: int) -> str:
    parts = urlsplit(url)
    query = [(key, value) for key, value in parse_qsl(parts.query) if key != "after"]
    query.append(("after", str(after)))
    return urlunsplit(parts._replace(query=urlencode(query)))


def _message_id(envelope: Frame) -> int:
    value = envelope.get("id")
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


class Channel:
    """Inbound frames the runner acts on arrive in `inbox` (interrupts go to `on_interrupt` at once)."""

    def __init__(self, config: RunnerConfig, control: Path, on_interrupt: Callable[[], Awaitable[None]]) -> None:
        self.config = config
        self.inbox: asyncio.Queue[Frame] = asyncio.Queue()
        self.connected = asyncio.Event()
        self._on_interrupt = on_interrupt
        self._handled_file = control / LAST_HANDLED_FILE
        self._last_received = self._read_handled()
        self._outbox: list[Frame] = []
        self._connection: ClientConnection | None = None
        self._task: asyncio.Task[None] | None = None
        self._send_lock = asyncio.Lock()
        self._sequence = 0
        self._pong = asyncio.Event()
        self.connects = 0

    @property
    def enabled(self) -> bool:
        return bool(self.config.websocket_url)

    def _read_handled(self) -> int:
        try:
            return int(self._handled_file.read_text().strip() or 0)
        except (OSError, ValueError):
            return 0

    def mark_handled(self, envelope: Frame) -> None:
        """Remember that `envelope` was dealt with, for the next pod (write-then-rename)."""
        message_id = _message_id(envelope)
        if message_id <= 0:
            return
        self._handled_file.parent.mkdir(parents=True, exist_ok=True)
        temporary = self._handled_file.with_name(f".{LAST_HANDLED_FILE}.tmp")
        temporary.write_text(f"{message_id}\n")
        temporary.replace(self._handled_file)

    def start(self) -> None:
        if self.enabled:
            self._task = asyncio.create_task(self._run(), name="runner-channel")

    async def send(self, outgoing: Frame) -> None:
        self._sequence += 1
        outgoing = {**outgoing, "seq": self._sequence}
        async with self._send_lock:
            if not self.enabled:
                return
            self._outbox.append(outgoing)
            await self._flush()

    async def _flush(self) -> None:
        while self._outbox and self._connection is not None:
            try:
                await self._connection.send(json.dumps(self._outbox[0]))
            except ConnectionClosed:
                return
            self._outbox.pop(0)

    async def close(self, *, drain_seconds: float = 5.0) -> None:
        """Give queued frames a few seconds to go out and be stored, then close.

        Written to the socket is not stored: a server may drop what it had not handled when the
        connection closes. The api handles one client's frames in order, so its answer to a final
        ping means every frame before it was dealt with.
        """
        if self._task is None:
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(drain_seconds):
                while not await self._drained():
                    # A connection that just dropped: give the reconnect loop its turn.
                    await asyncio.sleep(0.05)
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        if self._connection is not None:
            await self._connection.close()

    async def _drained(self) -> bool:
        """Send what is queued and a ping on the current connection; True once the pong came back."""
        await self.connected.wait()
        async with self._send_lock:
            await self._flush()
            if self._outbox or self._connection is None:
                return False
            self._pong.clear()
            try:
                await self._connection.send(json.dumps({"type": PING}))
            except ConnectionClosed:
                return False
        while not self._pong.is_set() and self.connected.is_set():
            await asyncio.sleep(0.02)
        return self._pong.is_set()

    def _backoff(self, failures: int) -> float:
        delay = min(self.config.reconnect_max_seconds, self.config.reconnect_initial_seconds * 2 ** min(failures, 16))
        return delay * random.uniform(0.5, 1.0)  # noqa: S311 - jitter, not cryptography

    async def _run(self) -> None:
        failures = 0
        while True:
            url = with_after(self.config.websocket_url, self._last_received)
            token = self.config.read_token()
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            try:
                async with connect(url, additional_headers=headers, max_size=MAX_FRAME_BYTES, proxy=None) as socket:
                    failures = 0
                    self.connects += 1
                    self._connection = socket
                    self.connected.set()
                    async with self._send_lock:
                        await self._flush()
                    await self._receive(socket)
            except (OSError, WebSocketException, TimeoutError) as error:
                # The URL carries no secret (the token is a header), so naming the failure is safe.
                logger.warning("chat connection lost (%s); reconnecting", type(error).__name__)
            finally:
                self._connection = None
                self.connected.clear()
            failures += 1
            await asyncio.sleep(self._backoff(failures))

    async def _receive(self, socket: ClientConnection) -> None:
        async for raw in socket:
            try:
                envelope = json.loads(raw)
            except ValueError:
                continue
            if not isinstance(envelope, dict):
                continue
            message_id = _message_id(envelope)
            if message_id:
                if message_id <= self._last_received:
                    continue  # already seen on an earlier connection
                self._last_received = message_id
            kind = envelope.get("type")
            if kind == PONG:
                self._pong.set()
            elif kind == INTERRUPT:
                await self._on_interrupt()
                self.mark_handled(envelope)
            elif kind in INBOUND_TYPES:
                await self.inbox.put(envelope)
