"""Reads from a session's content service on an event loop, for the api's async views.

Under ASGI a sync client costs a thread hop per request (and one per streamed chunk); this one keeps
connections per event loop (one per api process under uvicorn) and streams bodies natively, through
the small keep-alive client of `ambient.content.http1`. Only the direct route is served here: the
service-proxy route carries the control plane's TLS identity in the kubernetes client's pool, so its
callers stay on `ambient.content.client`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass

from django.conf import settings

from ambient.content.client import CODE_CONTENT_TIMEOUT, content_unavailable, json_answer
from ambient.content.endpoint import ContentEndpoint
from ambient.content.http1 import Response, loop_pool


@dataclass
class AsyncAnswer:
    """A content-service answer whose body is still to be read (streamed, or `json()` for a small one)."""

    response: Response
    endpoint: ContentEndpoint | None = None

    @property
    def status(self) -> int:
        return self.response.status

    def header(self, name: str) -> str | None:
        return self.response.header(name)

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
        except OSError as error:  # a timeout is an OSError too
            session = self.endpoint.session if self.endpoint else "?"
            raise content_unavailable(self.endpoint, session, "the connection failed") from error
        finally:
            self.response.release()

    async def chunks(self) -> AsyncIterator[bytes]:
        # A client that goes away closes this iterator: the connection is then dropped, not reused half-read.
        try:
            async for chunk in self.response.chunks():
                yield chunk
        finally:
            self.response.release()


async def content_get(endpoint: ContentEndpoint, path: str, *, params: Mapping[str, str]) -> AsyncAnswer:
    """GET `path` on the content service (direct route); unreachable or silent → `Unavailable` (503)."""
    try:
        response = await loop_pool(settings.CONTENT_SERVICE_POOL_MAXSIZE).get(
            endpoint.base_url,
            path,
            params=params,
            headers=endpoint.headers,
            connect_timeout=settings.CONTENT_SERVICE_CONNECT_TIMEOUT_SECONDS,
            read_timeout=settings.CONTENT_SERVICE_READ_TIMEOUT_SECONDS,
        )
    except TimeoutError as error:
        why = f"no answer within {settings.CONTENT_SERVICE_READ_TIMEOUT_SECONDS} s"
        raise content_unavailable(endpoint, endpoint.session, why, code=CODE_CONTENT_TIMEOUT) from error
    except (OSError, ValueError) as error:
        raise content_unavailable(endpoint, endpoint.session, "the connection failed") from error
    return AsyncAnswer(response, endpoint)
