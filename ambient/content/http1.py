"""A keep-alive HTTP/1.1 GET client on the event loop, for the content service's direct route.

Why not a library: aiohttp's per-request work (URL objects, trace hooks, timer contexts, cookie and
redirect handling, multidict headers) was ~0.2 ms of CPU per proxied 4 KB GET, about a fifth of the
api's, and httpcore's async pool parses with pure-Python h11, slower still. This keeps what a GET to
a known service needs: connections kept per origin, httptools' parser (uvicorn's own), connect and
read timeouts, and bodies streamed with back-pressure (a large file is never held whole). A body is
delimited by Content-Length, chunks, or (HTTP/1.0 style) the end of the connection.
"""

from __future__ import annotations

import asyncio
import re
import ssl
import weakref
from collections import deque
from collections.abc import AsyncIterator, Mapping
from functools import lru_cache
from typing import Any, NamedTuple
from urllib.parse import urlencode, urlsplit

import httptools

# A streamed body is read ahead by at most about this much; past it the socket is paused until the
# reader catches up, so a large file passes through in bounded memory.
READ_AHEAD_BYTES = 256 * 1024


class Origin(NamedTuple):
    """Where requests for one base URL go: connection address, path prefix and Host header."""

    scheme: str
    host: str
    port: int
    prefix: str
    host_header: str


@lru_cache(maxsize=1024)
def origin_of(base_url: str) -> Origin:
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {base_url!r}")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return Origin(parts.scheme, parts.hostname, port, parts.path.rstrip("/"), parts.netloc.rpartition("@")[2])


# Query values made only of these go as they are (what urlencode would leave of them, and `/`, which a
# query may hold): a workspace path usually is, and quoting it was a tenth of this client's CPU per GET.
_PLAIN_QUERY_VALUE = re.compile(r"[A-Za-z0-9_.~/-]*")


def query_string(params: Mapping[str, str]) -> str:
    plain = _PLAIN_QUERY_VALUE.fullmatch
    pairs = []
    for name, value in params.items():
        if not (plain(name) and plain(value)):
            return urlencode(params)
        pairs.append(f"{name}={value}")
    return "&".join(pairs)


def request_head(origin: Origin, path: str, params: Mapping[str, str], headers: Mapping[str, str]) -> bytes:
    """The bytes of a GET request (no body); a header with a line break in it is refused, not sent."""
    target = f"{origin.prefix}{path}?{query_string(params)}" if params else f"{origin.prefix}{path}"
    lines = [f"GET {target} HTTP/1.1", f"Host: {origin.host_header}"]
    for name, value in headers.items():
        if "\r" in value or "\n" in value or "\r" in name or "\n" in name or ":" in name:
            raise ValueError(f"header {name!r} would split the request")
        lines.append(f"{name}: {value}")
    lines += ("", "")
    return "\r\n".join(lines).encode("latin-1")


class Response:
    """One answer: status and headers once received; the body read whole (`read`) or streamed (`chunks`).

    `release()` hands the connection back for the next request when the body was read to its end, and
    closes it otherwise (a half-read answer cannot be followed by another on the same connection)."""

    def __init__(self, connection: Connection, read_timeout: float) -> None:
        self.status = 0
        # As received; looked up by `header` (a caller reads two or three of them): decoding all of them
        # as they arrived cost more than the lookups.
        self.raw_headers: list[tuple[bytes, bytes]] = []
        self.keep_alive = False
        self._connection: Connection | None = connection
        self._loop = connection.loop
        self._read_timeout = read_timeout
        self._chunks: deque[bytes] = deque()
        self._buffered = 0
        self._read_ahead: float = READ_AHEAD_BYTES
        self._headers_done = False
        self._complete = False
        self._error: BaseException | None = None
        self._waiter: asyncio.Future[None] | None = None

    def header(self, name: str) -> str | None:
        wanted = name.lower().encode("latin-1")
        for received, value in self.raw_headers:
            if received.lower() == wanted:
                return value.decode("latin-1")
        return None

    async def read(self) -> bytes:
        self._read_ahead = float("inf")  # all of it is wanted: never pause the socket
        self._resume()
        while not self._complete:
            await self._wait()
        body = b"".join(self._chunks)
        self._chunks.clear()
        return body

    async def chunks(self) -> AsyncIterator[bytes]:
        """The body in pieces as they arrive (each at most about READ_AHEAD_BYTES plus one socket read)."""
        while True:
            if self._chunks:
                piece = b"".join(self._chunks)
                self._chunks.clear()
                self._buffered = 0
                self._resume()
                yield piece
            elif self._complete:
                return
            else:
                await self._wait()

    def release(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.done(reusable=self._complete and self.keep_alive and self._error is None)

    async def _wait(self) -> None:
        """Until the connection has news for this answer; TimeoutError when none comes within the read
        timeout; the connection's error when it failed."""
        if self._error is not None:
            raise self._error
        waiter = self._waiter = self._loop.create_future()
        timer = self._loop.call_later(self._read_timeout, _time_out, waiter, self._read_timeout)
        try:
            await waiter
        finally:
            timer.cancel()
            self._waiter = None
        if self._error is not None:
            raise self._error

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _resume(self) -> None:
        if self._connection is not None:
            self._connection.resume()

    # Called by the connection's parser.
    def _headers_complete(self, status: int, keep_alive: bool) -> None:
        self.status, self.keep_alive, self._headers_done = status, keep_alive, True
        self._wake()

    def _body(self, piece: bytes) -> None:
        self._chunks.append(piece)
        self._buffered += len(piece)
        if self._buffered > self._read_ahead and self._connection is not None:
            self._connection.pause()
        self._wake()

    def _message_complete(self) -> None:
        self._complete = True
        self._wake()

    def _fail(self, error: BaseException) -> None:
        if not self._complete and self._error is None:
            self._error = error
            self._wake()


def _time_out(waiter: asyncio.Future[None], seconds: float) -> None:
    if not waiter.done():
        waiter.set_exception(TimeoutError(f"no data within {seconds} s"))


def _ends_with_the_connection(response: Response) -> bool:
    return (
        response.status >= 200
        and response.status not in (204, 304)
        and not any(name.lower() in (b"content-length", b"transfer-encoding") for name, _ in response.raw_headers)
    )


class Connection(asyncio.Protocol):
    """One kept-alive connection to an origin, carrying one request at a time."""

    def __init__(self, pool: Pool, origin: Origin, loop: asyncio.AbstractEventLoop) -> None:
        self.pool, self.origin, self.loop = pool, origin, loop
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.response: Response | None = None
        self.received_any = False  # for the current request: a closed connection that said nothing may be stale
        self.lost = False
        self._paused = False

    def send(self, head: bytes, read_timeout: float) -> Response:
        assert self.transport is not None  # noqa: S101 - set by connection_made before a pool hands it out
        self.response = Response(self, read_timeout)
        self.received_any = False
        self.transport.write(head)
        return self.response

    def done(self, *, reusable: bool) -> None:
        self.response = None
        if reusable and not self.lost:
            self.resume()
            self.pool.keep(self)
        else:
            self.close()

    def close(self) -> None:
        self.lost = True
        if self.transport is not None:
            self.transport.close()

    def pause(self) -> None:
        if not self._paused and self.transport is not None:
            self._paused = True
            self.transport.pause_reading()

    def resume(self) -> None:
        if self._paused and self.transport is not None and not self.lost:
            self._paused = False
            self.transport.resume_reading()

    # asyncio.Protocol
    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.received_any = True
        if self.response is None:  # nothing was asked: a server talking out of turn is not trusted further
            self.close()
            return
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as error:
            self._failed(ConnectionError(f"malformed answer: {error}"))
            self.close()

    def eof_received(self) -> bool:
        response = self.response
        if response is not None and response._headers_done and _ends_with_the_connection(response):
            response.keep_alive = False
            response._message_complete()  # a body without length or chunks ends where the connection does
        return False  # close; an answer not complete by now fails in connection_lost

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        self.pool.forget(self)
        self._failed(exc if isinstance(exc, OSError) else ConnectionError("the connection was closed"))

    def _failed(self, error: BaseException) -> None:
        if self.response is not None:
            self.response._fail(error)

    # httptools callbacks
    def on_header(self, name: bytes, value: bytes) -> None:
        if self.response is not None:
            self.response.raw_headers.append((name, value))

    def on_headers_complete(self) -> None:
        if self.response is not None:
            self.response._headers_complete(self.parser.get_status_code(), self.parser.should_keep_alive())

    def on_body(self, body: bytes) -> None:
        if self.response is not None:
            self.response._body(body)

    def on_message_complete(self) -> None:
        if self.response is not None:
            self.response._message_complete()


class Pool:
    """Idle connections per origin for one event loop; at most `max_idle` kept per origin (as urllib3's
    pool does: more may be open at once, the extra ones are closed after use)."""

    def __init__(self, max_idle: int) -> None:
        self.max_idle = max_idle
        self._idle: dict[Origin, list[Connection]] = {}
        self._ssl: ssl.SSLContext | None = None

    def keep(self, connection: Connection) -> None:
        idle = self._idle.setdefault(connection.origin, [])
        if len(idle) < self.max_idle:
            idle.append(connection)
        else:
            connection.close()

    def forget(self, connection: Connection) -> None:
        idle = self._idle.get(connection.origin)
        if idle and connection in idle:
            idle.remove(connection)

    async def get(
        self,
        base_url: str,
        path: str,
        *,
        params: Mapping[str, str],
        headers: Mapping[str, str],
        connect_timeout: float,
        read_timeout: float,
    ) -> Response:
        """GET and wait for the answer's status and headers. OSError (ConnectionError) when the connection
        fails, TimeoutError when connecting or the answer takes longer than its timeout."""
        origin = origin_of(base_url)
        head = request_head(origin, path, params, headers)
        idle = self._idle.get(origin)
        while idle:  # the most recently used first; one the server closed while idle is stale
            connection = idle.pop()
            if not connection.lost:
                try:
                    return await self._answer(connection, head, read_timeout)
                except ConnectionError:
                    if connection.received_any:
                        raise
                    # Closed without a word: the server ended the idle connection as this request went out.
                    # A GET is safe to send again, on another connection.
        connection = await self._connect(origin, connect_timeout)
        return await self._answer(connection, head, read_timeout)

    async def _answer(self, connection: Connection, head: bytes, read_timeout: float) -> Response:
        response = connection.send(head, read_timeout)
        try:
            while not response._headers_done:
                await response._wait()
        except BaseException:
            response.release()  # not complete: the connection is closed
            raise
        return response

    async def _connect(self, origin: Origin, timeout: float) -> Connection:
        loop = asyncio.get_running_loop()
        connection = Connection(self, origin, loop)
        secure = origin.scheme == "https"
        if secure and self._ssl is None:
            self._ssl = ssl.create_default_context()
        await asyncio.wait_for(
            loop.create_connection(
                lambda: connection,
                origin.host,
                origin.port,
                ssl=self._ssl if secure else None,
            ),
            timeout,
        )
        return connection

    def close(self) -> None:
        for idle in self._idle.values():
            for connection in idle:
                connection.close()
        self._idle.clear()


_pools: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Pool] = weakref.WeakKeyDictionary()


def loop_pool(max_idle: int) -> Pool:
    """The running event loop's pool (one per api process under uvicorn)."""
    loop = asyncio.get_running_loop()
    pool = _pools.get(loop)
    if pool is None:
        pool = _pools[loop] = Pool(max_idle)
    return pool
