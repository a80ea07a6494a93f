"""uvicorn's HTTP protocol with a response's writes of one loop step sent as one (ambient/asgi_transport.py):
the bytes, their order and the connection's life are unchanged; only the number of writes is."""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn

from ambient.asgi_server import HTTP_PROTOCOL
from ambient.asgi_transport import DIRECT_WRITE_BYTES, CoalescingTransport
from localkube.testing import free_port


class Recorded:
    """A transport that records what is written to it."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False
        self.aborted = False

    def write(self, data: bytes) -> None:
        self.writes.append(bytes(data))

    def is_closing(self) -> bool:
        return self.closed or self.aborted

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.aborted = True

    def get_write_buffer_size(self) -> int:
        return 0

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("127.0.0.1", 1)}.get(name, default)


def _in_a_loop(steps: Any) -> Recorded:
    async def run() -> Recorded:
        recorded = Recorded()
        await steps(CoalescingTransport(recorded, asyncio.get_running_loop()), recorded)  # type: ignore[arg-type]
        return recorded

    return asyncio.run(run())


def test_writes_of_one_step_leave_together_on_the_next_pass() -> None:
    async def steps(transport: CoalescingTransport, recorded: Recorded) -> None:
        transport.write(b"HTTP/1.1 200 OK\r\n\r\n")
        transport.write(b"body")
        assert recorded.writes == []
        assert transport.get_write_buffer_size() == len(b"HTTP/1.1 200 OK\r\n\r\nbody")
        await asyncio.sleep(0)
        assert recorded.writes == [b"HTTP/1.1 200 OK\r\n\r\nbody"]
        transport.write(b"next")
        await asyncio.sleep(0)

    assert _in_a_loop(steps).writes == [b"HTTP/1.1 200 OK\r\n\r\nbody", b"next"]


def test_a_large_write_goes_at_once_after_what_is_held() -> None:
    large = b"x" * DIRECT_WRITE_BYTES

    async def steps(transport: CoalescingTransport, recorded: Recorded) -> None:
        transport.write(large)
        assert recorded.writes == [large]
        transport.write(b"head")
        transport.write(large)  # what is held goes first, then the large write as it is
        assert recorded.writes == [large, b"head", large]
        await asyncio.sleep(0)

    assert _in_a_loop(steps).writes == [large, b"head", large]


def test_close_sends_what_is_held_first_and_abort_drops_it() -> None:
    async def closing(transport: CoalescingTransport, recorded: Recorded) -> None:
        transport.write(b"last words")
        transport.close()
        assert recorded.writes == [b"last words"]
        assert recorded.closed
        await asyncio.sleep(0)  # the scheduled flush finds nothing to send

    assert _in_a_loop(closing).writes == [b"last words"]

    async def aborting(transport: CoalescingTransport, recorded: Recorded) -> None:
        transport.write(b"never sent")
        transport.abort()
        await asyncio.sleep(0)

    assert _in_a_loop(aborting).writes == []


def test_nothing_is_written_once_the_connection_is_closing() -> None:
    async def steps(transport: CoalescingTransport, recorded: Recorded) -> None:
        transport.write(b"late")
        recorded.closed = True  # the peer went away in the meantime
        await asyncio.sleep(0)

    assert _in_a_loop(steps).writes == []


def test_a_callback_after_the_write_runs_once_the_held_bytes_are_sent() -> None:
    async def steps(transport: CoalescingTransport, recorded: Recorded) -> None:
        transport.after_write(recorded.writes.append, b"<logged>")  # uvicorn logs before it writes
        transport.write(b"head")
        transport.write(b"body")
        assert recorded.writes == []
        await asyncio.sleep(0)

    assert _in_a_loop(steps).writes == [b"headbody", b"<logged>"]

    async def aborted(transport: CoalescingTransport, recorded: Recorded) -> None:
        transport.after_write(recorded.writes.append, b"<logged>")
        transport.write(b"never sent")
        transport.abort()  # the request is still logged

    assert _in_a_loop(aborted).writes == [b"<logged>"]


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


ACCESS_LINES = Lines()


async def _app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "websocket":
        await receive()  # connect
        await send({"type": "websocket.accept"})
        message = await receive()
        await send({"type": "websocket.send", "text": f"echo {message['text']}"})
        await send({"type": "websocket.close"})
        return
    if scope["path"] == "/stream":  # three chunks, one larger than a direct write, with waits between
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        for chunk in (b"a" * 10, b"b" * (DIRECT_WRITE_BYTES + 1), b"c" * 10):
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await asyncio.sleep(0.01)
        await send({"type": "http.response.body", "body": b"", "more_body": False})
        return
    body = b"x" * 4096
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"4096")]})
    await send({"type": "http.response.body", "body": body, "more_body": False})


@pytest.fixture(scope="module")
def server() -> Iterator[int]:
    port = free_port()
    access = logging.getLogger("uvicorn.access")
    access.addHandler(ACCESS_LINES)
    access.propagate = False
    config = uvicorn.Config(
        _app, host="127.0.0.1", port=port, http=HTTP_PROTOCOL, ws="websockets", lifespan="off", log_config=None
    )
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not running.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert running.started
    yield port
    running.should_exit = True
    thread.join(10)
    access.removeHandler(ACCESS_LINES)
    access.propagate = True


def _answer(connection: socket.socket) -> tuple[bytes, bytes]:
    """Headers and the 4096-byte body of one answer; the headers and the first body bytes arrived together."""
    first = connection.recv(65536)
    head, _, body = first.partition(b"\r\n\r\n")
    assert body, "the body came in a later segment than the headers"
    while len(body) < 4096:
        body += connection.recv(65536)
    return head, body


def test_an_answer_arrives_whole_and_the_connection_is_kept_alive(server: int) -> None:
    logged = len(ACCESS_LINES.lines)
    with socket.create_connection(("127.0.0.1", server), timeout=10) as connection:
        for number in range(2):
            connection.sendall(f"GET /?n={number} HTTP/1.1\r\nHost: test\r\n\r\n".encode())
            head, body = _answer(connection)
            assert head.startswith(b"HTTP/1.1 200 OK")
            assert body == b"x" * 4096
    deadline = time.monotonic() + 10
    while len(ACCESS_LINES.lines) < logged + 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    lines = ACCESS_LINES.lines[logged:]
    assert len(lines) == 2  # each request logged once, after its answer
    assert ['"GET /?n=0 HTTP/1.1" 200' in lines[0], '"GET /?n=1 HTTP/1.1" 200' in lines[1]] == [True, True]


def test_a_streamed_answer_arrives_complete(server: int) -> None:
    import requests

    answer = requests.get(f"http://127.0.0.1:{server}/stream", timeout=10)
    assert answer.content == b"a" * 10 + b"b" * (DIRECT_WRITE_BYTES + 1) + b"c" * 10


def test_a_websocket_upgraded_from_it_works(server: int) -> None:
    from websockets.sync.client import connect

    with connect(f"ws://127.0.0.1:{server}/ws", open_timeout=10) as websocket:
        websocket.send("hi")
        assert websocket.recv(timeout=10) == "echo hi"
