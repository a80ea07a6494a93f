"""Helpers the chat tests share: the ASGI app under test, socket paths, a scenario runner."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator

from ambient.routing import websocket_urlpatterns

T = TypeVar("T")
# The websocket half of ambient.asgi.application (the HTTP half is Django's own).
# channels' stubs want their own URLPattern subclass; Django's re_path() objects are what it takes at run time
APPLICATION = URLRouter(websocket_urlpatterns)  # type: ignore[arg-type]


def socket_path(project: str, session: str, *, original: bool = False, query: str = "") -> str:
    collection = "sessions" if original else "agentic-sessions"
    path = f"/api/projects/{project}/{collection}/{session}/ws"
    return f"{path}?{query}" if query else path


def communicator(path: str, token: str | None = None) -> WebsocketCommunicator:
    headers = [(b"authorization", f"Bearer {token}".encode())] if token else []
    return WebsocketCommunicator(APPLICATION, path, headers=headers)


async def open_socket(path: str, token: str | None = None) -> WebsocketCommunicator:
    socket = communicator(path, token)
    connected, _ = await socket.connect(timeout=10)
    assert connected
    return socket


async def refused_with(path: str, token: str | None = None) -> int:
    """The close code a refused socket gets (it is accepted, then closed at once)."""
    socket = communicator(path, token)
    connected, _ = await socket.connect(timeout=10)
    assert connected
    closed = await socket.receive_output(timeout=10)
    assert closed["type"] == "websocket.close"
    # As a server does after a close: tell the consumer the socket is gone, so it ends now instead
    # of `wait()` running out its one-second timeout.
    await socket.disconnect()
    return int(closed["code"])


async def next_frame(socket: WebsocketCommunicator) -> dict[str, Any]:
    return json.loads(await socket.receive_from(timeout=10))


async def send_frame(socket: WebsocketCommunicator, frame: dict[str, Any]) -> None:
    await socket.send_to(text_data=json.dumps(frame))


def run(scenario: Callable[[], Awaitable[T]]) -> T:
    return asyncio.run(scenario())  # type: ignore[arg-type]
