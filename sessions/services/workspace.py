"""Workspace, git and workflow-metadata actions, proxied to the session's content service.

The caller's right was checked before (SelfSubjectAccessReview `get` for reads, `update` for
writes, on the session); here the session must be Running, since its content service runs in the
session's pod. The content service's own answers (2xx and its 4xx errors) are relayed as they are.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Generator, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import urllib3
from asgiref.sync import sync_to_async
from django.conf import settings

from ambient.content.aio import AsyncAnswer, content_get
from ambient.content.client import STREAM_CHUNK_BYTES, ContentService, content_unavailable, response_json
from ambient.content.endpoint import TokenReader, content_endpoint
from ambient.content.tokens import content_token_read
from ambient.contract import GIT_TOKEN_HEADER, Phase
from ambient.exceptions import Conflict, Unavailable
from sessions.api_constants import CODE_SESSION_NOT_RUNNING
from sessions.auth import Caller
from sessions.resource import phase_of
from sessions.services.github_tokens import session_github_token

KubeObject = dict[str, Any]

# Git operations the api offers on a workspace directory, by HTTP method (content routes of the same name).
GIT_READ_OPERATIONS: tuple[str, ...] = ("status", "list-branches", "merge-status", "diff")
GIT_WRITE_OPERATIONS: tuple[str, ...] = ("push", "pull", "create-branch", "configure-remote", "synchronize")
# Reads that talk to the remote, and so carry the user's git token.
GIT_REMOTE_READS: frozenset[str] = frozenset({"list-branches", "merge-status"})


@dataclass(frozen=True)
class Relayed:
    """A JSON answer of the content service, to be sent on with its status."""

    status: int
    data: Any


class SessionContentService(ContentService):
    """The content service of one session, as the caller may reach it.

    File and metadata calls go straight to the content service: the session is read (with the
    caller's token) only when that fails, to answer 404 for no session and 409 for one that is not
    Running instead of 503 — a Running session's content service answers without that extra read.
    Git calls read the session first (its user's GitHub token) and so check the phase up front.
    """

    def __init__(self, *, caller: Caller, namespace: str, session: str, token_reader: TokenReader) -> None:
        super().__init__(namespace=namespace, session=session, token_reader=token_reader)
        self._caller = caller
        self._session_object: KubeObject | None = None

    @property
    def session_object(self) -> KubeObject:
        if self._session_object is None:
            self._session_object = self._caller.gateway().session_get(namespace=self.namespace, name=self.session)
        return self._session_object

    def require_running(self) -> None:
        phase = phase_of(self.session_object)
        if phase != Phase.RUNNING:
            raise Conflict(
                f"The session is {phase}: its workspace is served only while it runs. Start the session "
                "(POST .../start) and wait for its Ready condition (phase Running and the content service ready).",
                code=CODE_SESSION_NOT_RUNNING,
                details={"phase": phase.value},
            )

    def request(self, *args: Any, **kwargs: Any) -> urllib3.BaseHTTPResponse:
        try:
            return super().request(*args, **kwargs)
        except Unavailable:
            self.require_running()  # 404 / 409 say more than "unreachable" when they apply
            raise

    def git_headers(self) -> dict[str, str]:
        self.require_running()
        found = session_github_token(self.session_object)
        return {GIT_TOKEN_HEADER: found.token} if found else {}


def session_content_service(*, caller: Caller, namespace: str, name: str) -> SessionContentService:
    """The content service of a session (409 when it is not Running: there is no pod to answer)."""
    return SessionContentService(caller=caller, namespace=namespace, session=name, token_reader=content_token_read)


def _relay(response: urllib3.BaseHTTPResponse) -> Relayed:
    return Relayed(status=response.status, data=response_json(response))


def workspace_list(*, content: ContentService, path: str) -> Relayed:
    return _relay(content.request("GET", "/workspace/list", params={"path": path}))


@dataclass
class StreamedFile:
    """A file answer whose body is read from the content service chunk by chunk while it is sent."""

    status: int
    content_type: str
    content_length: str | None
    response: urllib3.BaseHTTPResponse

    def chunks(self) -> Generator[bytes]:
        try:
            yield from self.response.stream(STREAM_CHUNK_BYTES)
        finally:
            self.response.release_conn()

    async def async_chunks(self) -> AsyncIterator[bytes]:
        """The same chunks for an ASGI server: Django would read a plain iterator whole into memory there."""
        chunks = self.chunks()
        read = sync_to_async(lambda: next(chunks, None), thread_sensitive=False)
        try:
            while (chunk := await read()) is not None:
                yield chunk
        finally:
            await sync_to_async(chunks.close, thread_sensitive=False)()


def workspace_file_get(*, content: ContentService, path: str) -> StreamedFile | Relayed:
    response = content.request("GET", "/workspace/file", params={"path": path}, stream=True)
    if response.status != 200:
        relayed = _relay(response)  # an error answer is small JSON
        response.release_conn()
        return relayed
    return StreamedFile(
        status=200,
        content_type=response.headers.get("Content-Type") or "application/octet-stream",
        content_length=response.headers.get("Content-Length"),
        response=response,
    )


@dataclass
class AsyncStreamedFile:
    """A file answer read from the content service on the event loop while it is sent."""

    status: int
    content_type: str
    content_length: str | None
    answer: AsyncAnswer

    def chunks(self) -> AsyncIterator[bytes]:
        return self.answer.chunks()


async def workspace_file_get_async(*, content: SessionContentService, path: str) -> AsyncStreamedFile | Relayed:
    """`workspace_file_get` for an async view on the direct route, with the same rules: a refused content token
    is read again once, and an unreachable service of a session that is not Running answers 404/409, not 503.
    Lookups that block (the token Secret, the session) run in a thread, only when they are needed."""
    try:
        answer = await _file_get_async(content=content, path=path)
    except Unavailable:
        await sync_to_async(content.require_running, thread_sensitive=False)()
        raise
    if answer.status != 200:
        return Relayed(status=answer.status, data=await answer.json())  # an error answer is small JSON
    return AsyncStreamedFile(
        status=200,
        content_type=answer.header("Content-Type") or "application/octet-stream",
        content_length=answer.header("Content-Length"),
        answer=answer,
    )


async def _file_get_async(*, content: SessionContentService, path: str) -> AsyncAnswer:
    for fresh in (False, True):
        token = None if fresh else content.cached_token()
        if token is None:
            token = await sync_to_async(content.token, thread_sensitive=False)(fresh=fresh)
        endpoint = content_endpoint(namespace=content.namespace, session=content.session, content_token=token)
        answer = await content_get(endpoint, "/workspace/file", params={"path": path})
        if answer.status != 401:
            return answer
        answer.release()  # the token rotated since it was cached (the session restarted): read it again once
    raise content_unavailable(None, content.session, "it refused the session's content token")


def workspace_file_put(
    *, content: ContentService, path: str, body: Iterable[bytes] | bytes, length: int | None, content_type: str
) -> Relayed:
    """Write a file from a streamed request body (never held whole in memory)."""
    headers = {"Content-Type": content_type or "application/octet-stream"}
    if length is not None:
        headers["Content-Length"] = str(length)
    response = content.request("PUT", "/workspace/file", params={"path": path}, body=body, headers=headers)
    return _relay(response)


def git_read(*, content: SessionContentService, operation: str, params: Mapping[str, str]) -> Relayed:
    response = content.request(
        "GET",
        f"/git/{operation}",
        params=params,
        headers=content.git_headers() if operation in GIT_REMOTE_READS else {},
        read_timeout=settings.CONTENT_SERVICE_GIT_TIMEOUT_SECONDS,
    )
    return _relay(response)


def git_write(*, content: SessionContentService, operation: str, body: Mapping[str, Any]) -> Relayed:
    headers = content.git_headers()
    response = content.request(
        "POST",
        f"/git/{operation}",
        json_body=dict(body),
        headers=headers,
        read_timeout=settings.CONTENT_SERVICE_GIT_TIMEOUT_SECONDS,
    )
    return _relay(response)


def workflow_metadata(*, content: ContentService) -> Relayed:
    return _relay(content.request("GET", "/workflow/metadata"))
