"""A small stand-in for the api's session WebSocket, speaking the same frames (API.md 36).

It checks the bearer token (4401 otherwise), replays stored messages after `?after=<id>` before
live ones, stamps every inbound frame with an id, the session and a timestamp, and broadcasts it
to every client of the session, the sender included. Tests post user messages as `POST
…/messages` would (`post`), read the history, and drop connections to exercise reconnects. It runs
its own event loop on a thread so the test, the runner subprocess and it stay independent.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve

Envelope = dict[str, Any]


class FakeChat:
    def __init__(self, *, session: str = "s1", project: str = "p1", token: str = "bot-token") -> None:  # noqa: S107 - a test token
        self.session = session
        self.project = project
        self.token = token
        self.messages: list[Envelope] = []
        self.connections: list[dict[str, Any]] = []  # what each accepted connect asked for
        self.refused = 0
        self._clients: set[ServerConnection] = set()
        self._condition = threading.Condition()
        self._loop = asyncio.new_event_loop()
        self._server: Server | None = None
        ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, args=(ready,), name="fake-chat", daemon=True)
        self._thread.start()
        ready.wait(10)

    @property
    def url(self) -> str:
        assert self._server is not None
        port = next(iter(self._server.sockets)).getsockname()[1]
        return f"ws://127.0.0.1:{port}/api/projects/{self.project}/agentic-sessions/{self.session}/ws"

    def _serve(self, ready: threading.Event) -> None:
        asyncio.set_event_loop(self._loop)

        async def start() -> None:
            self._server = await serve(self._handle, "127.0.0.1", 0)
            ready.set()

        self._loop.run_until_complete(start())
        self._loop.run_forever()

    def close(self) -> None:
        async def stop() -> None:
            assert self._server is not None
            self._server.close()
            await self._server.wait_closed()

        asyncio.run_coroutine_threadsafe(stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    async def _handle(self, connection: ServerConnection) -> None:
        request = connection.request
        assert request is not None
        query = parse_qs(urlsplit(request.path).query)
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            with self._condition:
                self.refused += 1
                self._condition.notify_all()
            await connection.close(4401, "unauthenticated")
            return
        after = query.get("after", [None])[0]
        self.connections.append({"after": after})
        if after is not None:
            for envelope in [message for message in self.messages if message["id"] > int(after)]:
                await connection.send(json.dumps(envelope))
        self._clients.add(connection)
        try:
            async for raw in connection:
                frame = json.loads(raw)
                if frame.get("type") == "ping":
                    await connection.send(json.dumps({"type": "pong"}))
                    continue
                payload = frame.get("payload")
                if not isinstance(payload, dict):
                    payload = {key: value for key, value in frame.items() if key != "type"}
                await self._broadcast(str(frame.get("type")), payload, sender="runner")
        finally:
            self._clients.discard(connection)

    async def _broadcast(self, kind: str, payload: dict[str, Any], *, sender: str) -> Envelope:
        envelope = {
            "id": len(self.messages) + 1,
            "sessionId": self.session,
            "type": kind,
            "timestamp": datetime.now(UTC).isoformat(),
            "sender": sender,
            "payload": payload,
        }
        with self._condition:
            self.messages.append(envelope)
            self._condition.notify_all()
        for client in list(self._clients):
            try:
                await client.send(json.dumps(envelope))
            except Exception:  # noqa: BLE001, S112 - a client that went away misses nothing: it resumes with ?after
                continue
        return envelope

    def post(self, kind: str = "user_message", **payload: Any) -> Envelope:
        """What `POST …/messages` does: store and broadcast."""
        future = asyncio.run_coroutine_threadsafe(self._broadcast(kind, payload, sender="user"), self._loop)
        return future.result(10)

    def drop_connections(self) -> None:
        async def drop() -> None:
            for client in list(self._clients):
                await client.close(1012, "restarting")

        asyncio.run_coroutine_threadsafe(drop(), self._loop).result(10)

    def wait_for(self, predicate: Callable[[list[Envelope]], bool], timeout: float = 60.0) -> list[Envelope]:
        deadline = time.monotonic() + timeout
        with self._condition:
            while not predicate(self.messages):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"chat did not reach the expected state; messages: {self.messages}")
                self._condition.wait(remaining)
            return list(self.messages)

    def wait_type(self, kind: str, *, count: int = 1, timeout: float = 60.0) -> list[Envelope]:
        return self.wait_for(lambda messages: sum(message["type"] == kind for message in messages) >= count, timeout)

    def texts(self) -> list[str]:
        """The text replies of the agent, in order."""
        return [
            message["payload"]["content"]["text"]
            for message in self.messages
            if message["type"] == "agent.message" and message["payload"].get("type") == "agent_message"
        ]
