"""A small keep-alive HTTP/1.1 client for the runtime's one-shot requests to its own API server.

The runtime's controllers send a few dozen requests per pod to the server in the same process (a
third of a burst's requests are their Events). Through aiohttp's client session each request built
URL, header, timer and connector objects whose cost was about that of the server's handling of it;
here a request is a few lines written on a pooled TLS connection and a response read by its
Content-Length (or chunks). Watches, which are few and long, stay on aiohttp.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
from collections.abc import Sequence
from dataclasses import dataclass

# The server (aiohttp) closes a connection idle for 75 s; retire ours well before that, so a
# request is never written on a connection the server is closing.
IDLE_SECONDS = 30.0
# Methods that may be sent again when a reused connection turns out closed before any answer.
IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})


class ConnectionClosed(ConnectionError):
    """The server closed the connection before a complete response."""


@dataclass
class _Connection:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    idle_since: float = 0.0

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.writer.close()


class Http1Pool:
    """Up to ``limit`` concurrent requests to one host:port (or Unix socket), each on a connection of the pool."""

    def __init__(
        self, host: str, port: int, ssl_context: ssl.SSLContext | None, limit: int = 64, *, unix_path: str = ""
    ) -> None:
        self.host = host
        self.port = port
        self.ssl_context = ssl_context
        self.unix_path = unix_path  # when set, connections go to this Unix socket instead
        self._host_header = f"{host}:{port}"
        self._idle: list[_Connection] = []
        self._slots = asyncio.Semaphore(limit)

    async def request(
        self, method: str, target: str, headers: Sequence[tuple[str, str]], body: bytes | None, timeout: float
    ) -> tuple[int, bytes]:
        """(status, body) of one request; raises OSError/ConnectionClosed/TimeoutError on failure."""
        head = [f"{method} {target} HTTP/1.1", f"Host: {self._host_header}"]
        head += [f"{name}: {value}" for name, value in headers]
        if body is not None or method in ("POST", "PUT", "PATCH"):
            head.append(f"Content-Length: {len(body or b'')}")
        message = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + (body or b"")
        async with self._slots, asyncio.timeout(timeout):
            for attempt in (1, 2):
                connection, reused = self._take()
                if connection is None:
                    connection = await self._open()
                try:
                    status, payload, keep = await self._exchange(connection, message)
                except (ConnectionClosed, ConnectionResetError, BrokenPipeError):
                    connection.close()
                    if attempt == 1 and reused and method in IDEMPOTENT:
                        continue  # the server had closed it while it sat idle: once more on a new one
                    raise
                except BaseException:
                    connection.close()
                    raise
                if keep:
                    connection.idle_since = time.monotonic()
                    self._idle.append(connection)
                else:
                    connection.close()
                return status, payload
        raise AssertionError("unreachable: the second attempt returns or raises")

    def _take(self) -> tuple[_Connection | None, bool]:
        now = time.monotonic()
        while self._idle:
            connection = self._idle.pop()
            if now - connection.idle_since < IDLE_SECONDS and not connection.reader.at_eof():
                return connection, True
            connection.close()
        return None, False

    async def _open(self) -> _Connection:
        if self.unix_path:
            reader, writer = await asyncio.open_unix_connection(self.unix_path, limit=2**22)
            return _Connection(reader, writer)
        reader, writer = await asyncio.open_connection(
            self.host,
            self.port,
            ssl=self.ssl_context,
            limit=2**22,
            server_hostname=self.host if self.ssl_context else None,
        )
        return _Connection(reader, writer)

    async def _exchange(self, connection: _Connection, message: bytes) -> tuple[int, bytes, bool]:
        connection.writer.write(message)
        await connection.writer.drain()
        reader = connection.reader
        status_line = await reader.readline()
        if not status_line:
            raise ConnectionClosed("the server closed the connection")
        parts = status_line.split(None, 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or not parts[1].isdigit():
            raise ConnectionClosed(f"malformed status line {status_line[:80]!r}")
        status = int(parts[1])
        length: int | None = None
        chunked = False
        keep = parts[0] == b"HTTP/1.1"
        while True:
            line = await reader.readline()
            if not line.endswith(b"\n"):
                raise ConnectionClosed("the server closed the connection in the headers")
            if line in (b"\r\n", b"\n"):
                break
            name, _, value = line.partition(b":")
            name, value = name.strip().lower(), value.strip()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value.lower()
            elif name == b"connection":
                keep = value.lower() != b"close" if keep else value.lower() == b"keep-alive"
        try:
            if chunked:
                payload = await _read_chunked(reader)
            elif length is not None:
                payload = await reader.readexactly(length)
            else:
                payload, keep = await reader.read(), False  # delimited by the end of the connection
        except asyncio.IncompleteReadError as error:
            raise ConnectionClosed("the server closed the connection in the body") from error
        return status, payload, keep

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    chunks: list[bytes] = []
    while True:
        size_line = await reader.readline()
        if not size_line.endswith(b"\n"):
            raise asyncio.IncompleteReadError(size_line, None)
        size = int(size_line.split(b";", 1)[0].strip(), 16)
        if size == 0:
            while (await reader.readline()) not in (b"\r\n", b"\n", b""):
                pass  # trailers
            return b"".join(chunks)
        chunks.append(await reader.readexactly(size))
        await reader.readexactly(2)  # the CRLF after each chunk
