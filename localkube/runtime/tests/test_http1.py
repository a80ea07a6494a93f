"""The runtime's keep-alive HTTP/1.1 client against a scripted server: reuse, bodies, closes."""

from __future__ import annotations

import asyncio

from localkube.runtime.http1 import Http1Pool


async def _serve(answers: list[bytes], connections: list[int], requests: list[bytes]) -> asyncio.Server:
    """Answers requests in order; an answer of b"" closes the connection without a response."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)
        while answers:
            head = await reader.readuntil(b"\r\n\r\n")
            length = next(
                (
                    int(line.split(b":")[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length")
                ),
                0,
            )
            requests.append(head + await reader.readexactly(length))
            answer = answers.pop(0)
            if not answer:
                break
            writer.write(answer)
            await writer.drain()
            if b"Connection: close" in answer:
                break
        writer.close()

    return await asyncio.start_server(handle, "127.0.0.1", 0)


def test_requests_share_a_connection_and_read_length_and_chunked_bodies() -> None:
    async def scenario() -> None:
        connections: list[int] = []
        requests: list[bytes] = []
        answers = [
            b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}",
            b"HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
        ]
        server = await _serve(answers, connections, requests)
        pool = Http1Pool("127.0.0.1", server.sockets[0].getsockname()[1], None)
        assert await pool.request("GET", "/a?x=1", [("Accept", "application/json")], None, 5) == (200, b"{}")
        assert await pool.request("POST", "/b", [], b'{"k":1}', 5) == (404, b"abcde")
        await pool.close()
        server.close()
        assert len(connections) == 1
        assert requests[0].startswith(b"GET /a?x=1 HTTP/1.1\r\nHost: 127.0.0.1:")
        assert b"Accept: application/json\r\n" in requests[0]
        assert requests[1].endswith(b'Content-Length: 7\r\n\r\n{"k":1}')

    asyncio.run(scenario())


def test_a_closed_idle_connection_is_replaced_for_a_get_but_not_for_a_post() -> None:
    async def scenario() -> None:
        connections: list[int] = []
        requests: list[bytes] = []
        ok = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
        server = await _serve([ok, b"", ok, b""], connections, requests)
        pool = Http1Pool("127.0.0.1", server.sockets[0].getsockname()[1], None)
        assert await pool.request("GET", "/", [], None, 5) == (200, b"")
        # The server drops the kept connection on the next request; a GET is sent again on a new one.
        assert await pool.request("GET", "/", [], None, 5) == (200, b"")
        assert len(connections) == 2
        try:
            await pool.request("POST", "/", [], b"", 5)
        except ConnectionError:
            pass
        else:
            raise AssertionError("a POST on a connection closed under it must not be sent twice")
        await pool.close()
        server.close()

    asyncio.run(scenario())


def test_connection_close_answers_are_not_kept() -> None:
    async def scenario() -> None:
        connections: list[int] = []
        requests: list[bytes] = []
        answers = [
            b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nx",
            b"HTTP/1.0 200 OK\r\n\r\nrest",
        ]
        server = await _serve(answers, connections, requests)
        pool = Http1Pool("127.0.0.1", server.sockets[0].getsockname()[1], None)
        assert await pool.request("GET", "/", [], None, 5) == (200, b"x")
        assert await pool.request("GET", "/", [], None, 5) == (200, b"rest")  # read to the end of the connection
        await pool.close()
        server.close()
        assert len(connections) == 2

    asyncio.run(scenario())
