"""The api's keep-alive GET client for the content service (ambient/content/http1.py), against small
local servers that answer as scripted: reuse, streaming with back-pressure, timeouts, stale and
broken connections."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import cast

import pytest

from ambient.content.http1 import READ_AHEAD_BYTES, Pool, Response, origin_of, query_string, request_head

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter, int], Awaitable[None]]
SOCKET_READ_MAX = 256 * 1024  # the most one socket read hands the protocol (asyncio and uvloop alike)


def answer(body: bytes, *extra: str) -> bytes:
    head = ["HTTP/1.1 200 OK", "Content-Type: text/plain", f"Content-Length: {len(body)}", *extra, "", ""]
    return "\r\n".join(head).encode() + body


async def read_request(reader: asyncio.StreamReader) -> bytes:
    return await reader.readuntil(b"\r\n\r\n")


def run(handler: Handler, client: Callable[[str, Pool], Awaitable[object]]) -> tuple[object, list[bytes], int]:
    """Serve `handler` (given each connection's number) and run `client`; its result, the requests seen
    and the number of connections opened."""
    requests: list[bytes] = []
    connections = 0

    async def main() -> object:
        async def accepted(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            nonlocal connections
            connections += 1
            try:
                await handler(_Recorder(reader, requests), writer, connections)  # type: ignore[arg-type]
            except (ConnectionError, asyncio.IncompleteReadError):
                pass
            finally:
                writer.close()

        server = await asyncio.start_server(accepted, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        pool = Pool(max_idle=4)
        try:
            return await client(f"http://127.0.0.1:{port}", pool)
        finally:
            pool.close()
            server.close()

    result = asyncio.run(main())
    return result, requests, connections


class _Recorder:
    """A StreamReader that keeps each request head it reads."""

    def __init__(self, reader: asyncio.StreamReader, requests: list[bytes]) -> None:
        self.reader, self.requests = reader, requests

    async def readuntil(self, separator: bytes) -> bytes:
        head = await self.reader.readuntil(separator)
        self.requests.append(head)
        return head

    async def read(self, n: int = -1) -> bytes:
        return await self.reader.read(n)


async def get(base: str, pool: Pool, *, read_timeout: float = 10, path: str = "a.txt") -> Response:
    return await pool.get(
        base,
        "/workspace/file",
        params={"path": path},
        headers={"X-Token": "t"},
        connect_timeout=5,
        read_timeout=read_timeout,
    )


async def get_body(base: str, pool: Pool, path: str = "a.txt") -> tuple[int, bytes]:
    response = await get(base, pool, path=path)
    try:
        return response.status, await response.read()
    finally:
        response.release()


def test_requests_reuse_one_connection_and_carry_path_query_and_headers() -> None:
    async def handler(reader, writer, number) -> None:
        while True:
            await read_request(reader)
            writer.write(answer(b"hello"))
            await writer.drain()

    async def client(base: str, pool: Pool) -> object:
        return [await get_body(base, pool, path=f"a b/{n}.txt") for n in range(3)]

    result, requests, connections = run(handler, client)
    assert result == [(200, b"hello")] * 3
    assert connections == 1
    assert requests[0].startswith(b"GET /workspace/file?path=a+b%2F0.txt HTTP/1.1\r\nHost: 127.0.0.1:")
    assert b"\r\nX-Token: t\r\n" in requests[0]


def test_headers_are_read_case_insensitively() -> None:
    async def handler(reader, writer, number) -> None:
        await read_request(reader)
        writer.write(answer(b"x", "X-Thing: yes"))

    async def client(base: str, pool: Pool) -> object:
        response = await get(base, pool)
        response.release()
        return response.header("x-thing"), response.header("Content-Length"), response.header("Missing")

    assert run(handler, client)[0] == ("yes", "1", None)


def test_a_chunked_body_is_read_whole() -> None:
    async def handler(reader, writer, number) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n")

    assert run(handler, get_body)[0] == (200, b"abcde")


def test_a_large_body_streams_with_bounded_read_ahead() -> None:
    """A slow reader pauses the socket: no piece handed over is much more than the read-ahead."""
    size = 8 * READ_AHEAD_BYTES
    body = bytes(range(256)) * (size // 256)

    async def handler(reader, writer, number) -> None:
        await read_request(reader)
        writer.write(answer(body))
        await writer.drain()

    async def client(base: str, pool: Pool) -> object:
        response = await get(base, pool)
        pieces = []
        try:
            async for piece in response.chunks():
                pieces.append(piece)
                await asyncio.sleep(0.01)  # a slow client: the server could send far more meanwhile
        finally:
            response.release()
        return pieces

    pieces = cast(list[bytes], run(handler, client)[0])
    assert b"".join(pieces) == body
    assert max(len(piece) for piece in pieces) <= READ_AHEAD_BYTES + SOCKET_READ_MAX


def test_a_half_read_answer_closes_its_connection() -> None:
    async def handler(reader, writer, number) -> None:
        while True:
            await read_request(reader)
            writer.write(answer(b"x" * (4 * READ_AHEAD_BYTES)))
            await writer.drain()

    async def client(base: str, pool: Pool) -> object:
        response = await get(base, pool)
        async for _ in response.chunks():
            break  # the client went away after the first piece
        response.release()
        return await get_body(base, pool)

    result, _, connections = run(handler, client)
    assert result == (200, b"x" * (4 * READ_AHEAD_BYTES))
    assert connections == 2


def test_connection_close_is_not_kept() -> None:
    async def handler(reader, writer, number) -> None:
        await read_request(reader)
        writer.write(answer(b"x", "Connection: close"))

    async def client(base: str, pool: Pool) -> object:
        return [await get_body(base, pool), await get_body(base, pool)]

    result, _, connections = run(handler, client)
    assert result == [(200, b"x")] * 2
    assert connections == 2


def test_a_kept_connection_the_server_closed_is_replaced() -> None:
    """The server ends an idle connection as the next request goes out: the GET is sent again on a new one."""

    async def handler(reader, writer, number) -> None:
        await read_request(reader)
        if number == 1:
            writer.write(answer(b"first"))
            await writer.drain()
            await read_request(reader)  # the second request: closed unanswered
            return
        writer.write(answer(b"second"))

    async def client(base: str, pool: Pool) -> object:
        return [await get_body(base, pool), await get_body(base, pool)]

    result, requests, connections = run(handler, client)
    assert result == [(200, b"first"), (200, b"second")]
    assert (len(requests), connections) == (3, 2)


def test_a_body_without_length_ends_with_the_connection() -> None:
    async def handler(reader, writer, number) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end")

    async def client(base: str, pool: Pool) -> object:
        return [await get_body(base, pool), await get_body(base, pool)]

    result, _, connections = run(handler, client)
    assert result == [(200, b"until the end")] * 2
    assert connections == 2


def test_a_connection_that_fails_after_answering_in_part_is_an_error() -> None:
    async def handler(reader, writer, number) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten b")

    with pytest.raises(ConnectionError):
        run(handler, get_body)


def test_a_malformed_answer_is_an_error() -> None:
    async def handler(reader, writer, number) -> None:
        await read_request(reader)
        writer.write(b"NOT HTTP AT ALL\r\n\r\n")
        await reader.read()

    with pytest.raises(ConnectionError):
        run(handler, get_body)


def test_no_answer_within_the_read_timeout_is_a_timeout() -> None:
    async def handler(reader, writer, number) -> None:
        await read_request(reader)
        await reader.read()  # silent until the client gives up

    async def client(base: str, pool: Pool) -> object:
        return await get(base, pool, read_timeout=0.2)

    with pytest.raises(TimeoutError):
        run(handler, client)


def test_a_closed_port_is_a_connection_error() -> None:
    async def client() -> object:
        async def nothing(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            writer.close()

        server = await asyncio.start_server(nothing, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        server.close()
        await server.wait_closed()
        return await get(f"http://127.0.0.1:{port}", Pool(max_idle=1))

    with pytest.raises(ConnectionRefusedError):
        asyncio.run(client())


@pytest.mark.parametrize(
    ("name", "value"), [("X-Token", "a\r\nX-Injected: 1"), ("X-Token", "a\nb"), ("X-A\r\nB", "v"), ("X:A", "v")]
)
def test_a_header_that_would_split_the_request_is_refused(name: str, value: str) -> None:
    with pytest.raises(ValueError, match="split"):
        request_head(origin_of("http://h:1"), "/p", {}, {name: value})


def test_origins_keep_the_base_path_and_default_ports() -> None:
    assert origin_of("http://svc.ns.svc:8080/base/") == ("http", "svc.ns.svc", 8080, "/base", "svc.ns.svc:8080")
    assert origin_of("https://svc").port == 443
    assert request_head(origin_of("http://h/base"), "/workspace/file", {"path": "a"}, {}).startswith(
        b"GET /base/workspace/file?path=a HTTP/1.1\r\nHost: h\r\n"
    )
    with pytest.raises(ValueError, match="http"):
        origin_of("ftp://h")


@pytest.mark.parametrize(
    ("value", "sent"),
    [
        ("dir/file-1_a.txt", "path=dir/file-1_a.txt"),
        ("a b", "path=a+b"),
        ("a&b=c", "path=a%26b%3Dc"),
        ("100%+#x", "path=100%25%2B%23x"),
        ("caf\u00e9", "path=caf%C3%A9"),
        ("", "path="),
    ],
)
def test_query_values_are_encoded_unless_plain(value: str, sent: str) -> None:
    assert query_string({"path": value}) == sent
