"""Reads from a session's content service on an event loop (aiohttp), for the api's async views.

Under ASGI a sync client costs a thread hop per request (and one per streamed chunk); this one keeps a
connection pool per event loop (one per api process under uvicorn) and streams bodies natively. Only
the direct route is served here: the service-proxy route carries the control plane's TLS identity in
the kubernetes client's pool, so its callers stay on `ambient.content.client`.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import functools
import weakref
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass

import aiohttp
from django.conf import settings

from ambient.content.client import (
    CODE_CONTENT_TIMEOUT,
    STREAM_CHUNK_BYTES,
    content_unavailable,
    json_answer,
)
from ambient.content.endpoint import ContentEndpoint

_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, aiohttp.ClientSession] = weakref.WeakKeyDictionary()


def _client() -> aiohttp.ClientSession:
    loop = asyncio.get_running_loop()
    client = _clients.get(loop)
    if client is None or client.closed:
        connector = aiohttp.TCPConnector(limit=settings.CONTENT_SERVICE_POOL_MAXSIZE)
        # Bodies are relayed as they come (no decompression, no cookies kept between sessions' services).
        client = aiohttp.ClientSession(connector=connector, auto_decompress=False, cookie_jar=aiohttp.DummyCookieJar())
        _clients[loop] = client
    return client


@functools.lru_cache(maxsize=8)
def _timeout(connect: float, read: float) -> aiohttp.ClientTimeout:
    # Built once per pair of settings (an immutable attrs object), not once per request.
    return aiohttp.ClientTimeout(sock_connect=connect, sock_read=read)


@atexit.register
def _close_clients() -> None:
    # Their loops have ended by now; closing the pools keeps aiohttp from reporting them as leaked.
    for client in list(_clients.values()):
        with contextlib.suppress(Exception):
            asyncio.run(client.close())


@dataclass
class AsyncAnswer:
    """A content-service answer whose body is still to be read (streamed, or `json()` for a small one)."""

    response: aiohttp.ClientResponse
    endpoint: ContentEndpoint | None = None

    @property
    def status(self) -> int:
        return self.response.status

    def header(self, name: str) -> str | None:
        return self.response.headers.get(name)

    async def json(self) -> object:
        try:
            return json_answer(await self.response.read(), status=self.status)
        finally:
            self.response.release()

    def release(self) -> None:
        self.response.release()

    async def body(self) -> bytes:
        """The whole body, for a small one; a connection that fails on the way → `Unavailable` (503)."""
        try:
            return await self.response.read()
        except (aiohttp.ClientError, OSError) as error:  # a timeout is an OSError too
            session = self.endpoint.session if self.endpoint else "?"
            raise content_unavailable(self.endpoint, session, "the connection failed") from error
        finally:
            self.response.release()

    async def chunks(self) -> AsyncIterator[bytes]:
        # A client that goes away closes this iterator: the connection is then dropped, not reused half-read.
        try:
            async for chunk in self.response.content.iter_chunked(STREAM_CHUNK_BYTES):
                yield chunk
        finally:
            self.response.release()


async def content_get(endpoint: ContentEndpoint, path: str, *, params: Mapping[str, str]) -> AsyncAnswer:
    """GET `path` on the content service (direct route); unreachable or silent → `Unavailable` (503)."""
    try:
        response = await _client().get(
            endpoint.url(path),
            params=params,
            headers=endpoint.headers,
            timeout=_timeout(
                settings.CONTENT_SERVICE_CONNECT_TIMEOUT_SECONDS, settings.CONTENT_SERVICE_READ_TIMEOUT_SECONDS
            ),
            allow_redirects=False,
        )
    except TimeoutError as error:
        why = f"no answer within {settings.CONTENT_SERVICE_READ_TIMEOUT_SECONDS} s"
        raise content_unavailable(endpoint, endpoint.session, why, code=CODE_CONTENT_TIMEOUT) from error
    except (aiohttp.ClientError, OSError) as error:
        raise content_unavailable(endpoint, endpoint.session, "the connection failed") from error
    return AsyncAnswer(response, endpoint)
