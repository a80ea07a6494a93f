"""The session chat WebSocket (action 36) and the answer to any other WebSocket path.

A refused socket is accepted and then closed with an application code (4400/4401/4403/4404): a
close before the handshake completes reaches the client only as an HTTP 403 with no reason.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.utils import timezone

from ambient.exceptions import ApplicationError, Forbidden, InvalidInput, NotFound, Unauthenticated
from sessions.auth import Caller
from sessions.chat.access import ChatAccess, chat_access_for, socket_after, socket_token
from sessions.chat.protocol import (
    CLOSE_BAD_REQUEST,
    CLOSE_FORBIDDEN,
    CLOSE_NOT_FOUND,
    CLOSE_UNAUTHENTICATED,
    ERROR_FORBIDDEN,
    ERROR_GONE,
    ERROR_INTERNAL,
    TYPE_PING,
    FrameError,
    error_frame,
    group_name,
    parse_frame,
    pong_frame,
)
from sessions.chat.selectors import chat_messages_after, chat_replay_bound, chat_thread_id_find
from sessions.chat.services import chat_message_post_async, chat_thread_get_or_create

logger = logging.getLogger(__name__)

# Messages a resuming socket reads from the database at a time.
REPLAY_PAGE_SIZE = 500
# Server errors use the standard "internal error" close code.
CLOSE_INTERNAL_ERROR = 1011


def close_code_for(error: ApplicationError) -> int:
    if isinstance(error, Unauthenticated):
        return CLOSE_UNAUTHENTICATED
    if isinstance(error, Forbidden):
        return CLOSE_FORBIDDEN
    if isinstance(error, NotFound):
        return CLOSE_NOT_FOUND
    if isinstance(error, InvalidInput):
        return CLOSE_BAD_REQUEST
    return CLOSE_INTERNAL_ERROR


def _authorize(headers: list[tuple[bytes, bytes]], query_string: bytes, project: str, session: str) -> ChatAccess:
    caller = Caller(token=socket_token(headers, query_string))
    return chat_access_for(caller=caller, namespace=project, session=session)


def _close_reason(text: str) -> str:
    """A close reason may hold at most 123 bytes."""
    return text.encode()[:120].decode(errors="ignore")


class SessionChatConsumer(AsyncWebsocketConsumer):
    """One client (a UI or the session's runner) of one session's chat."""

    access: ChatAccess | None = None
    group: str | None = None
    # Highest message id sent to this client: replayed and live copies of a message go out once.
    last_sent_id: int = 0
    thread_id: int | None = None
    # When access was last confirmed (time.monotonic()); re-checked every CHAT_ACCESS_RECHECK_SECONDS.
    checked_at: float = 0.0

    async def connect(self) -> None:
        route = self.scope["url_route"]["kwargs"]
        project, session = route["project"], route["session"]
        query_string = self.scope.get("query_string", b"")
        try:
            after = socket_after(query_string)
            self.access = await self._authorize()
        except ApplicationError as error:
            await self._refuse(close_code_for(error), error.message)
            return
        except Exception:
            logger.exception("chat socket for %s/%s could not be authorised", project, session)
            await self._refuse(CLOSE_INTERNAL_ERROR, "internal error")
            return
        self.checked_at = time.monotonic()
        target = self.access.target
        self.group = group_name(target.namespace, target.session)
        # Join before replaying, so a message sent meanwhile arrives live if the replay missed it.
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        if after is not None:
            await self._replay(after)

    async def _replay(self, after: int) -> None:
        """Stored messages after `after`, page by page, up to the bound read when the socket joined."""
        if self.access is None:
            return
        target = self.access.target
        bound = await database_sync_to_async(chat_replay_bound)(target=target)
        more = bound > after
        while more and self.access is not None:
            page, more = await database_sync_to_async(chat_messages_after)(
                target=target, after=max(after, self.last_sent_id), limit=REPLAY_PAGE_SIZE, up_to=bound
            )
            for message in page:
                await self._deliver(message)

    async def disconnect(self, code: int) -> None:
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.access is None or not await self._still_allowed():
            return
        try:
            inbound = parse_frame(text_data, max_bytes=settings.CHAT_MAX_MESSAGE_BYTES)
        except FrameError as error:
            await self._send_json(error_frame(error.code, error.message, timezone.now()))
            return
        if inbound.type == TYPE_PING:
            await self._send_json(pong_frame(timezone.now()))
            return
        if not self.access.can_send:
            message = "You may read this session's chat but not send to it: sending needs the edit or admin role."
            await self._send_json(error_frame(ERROR_FORBIDDEN, message, timezone.now()))
            return
        try:
            if self.thread_id is None and not await self._thread_found_or_started():
                return
            await chat_message_post_async(
                target=self.access.target, inbound=inbound, sender=self.access.sender, thread_id=self.thread_id
            )
        except NotFound as error:
            await self._end_gone(error.message)
        except Exception:
            logger.exception("chat message for %s could not be stored", self.group)
            await self._send_json(
                error_frame(ERROR_INTERNAL, "The message was not stored; send it again.", timezone.now())
            )

    async def _thread_found_or_started(self) -> bool:
        """Find the session's thread, or start it after confirming the session still exists: a
        session deleted since this socket opened took its thread with it, and must not get a new one."""
        if self.access is None:
            return False
        target = self.access.target
        self.thread_id = await database_sync_to_async(chat_thread_id_find)(target=target)
        if self.thread_id is not None:
            return True
        if not await self._still_allowed(force=True) or self.access is None:
            return False
        thread = await database_sync_to_async(chat_thread_get_or_create)(target=self.access.target)
        self.thread_id = thread.pk
        return True

    async def chat_message(self, event: dict[str, Any]) -> None:
        """A message broadcast to the session's group (by any api process)."""
        await self._deliver(event["message"])

    async def chat_closed(self, event: dict[str, Any]) -> None:
        """The session was deleted (by any api process, or found gone by the sweep): close at once
        instead of at the next access re-check. A uid names one run of the session's name."""
        uid = event.get("sessionUid")
        if self.access is None or (uid is not None and uid != self.access.target.session_uid):
            return
        await self._end_gone("The session was deleted.")

    async def _end_gone(self, message: str) -> None:
        """The session is gone: say so to this client, then close with 4404."""
        self.access = None
        await self._send_json(error_frame(ERROR_GONE, message, timezone.now()))
        await self.close(code=CLOSE_NOT_FOUND, reason=_close_reason(message))

    async def _deliver(self, message: dict[str, Any]) -> None:
        if self.access is None or message["id"] <= self.last_sent_id or not await self._still_allowed():
            return
        self.last_sent_id = message["id"]
        await self._send_json(message)

    async def _authorize(self) -> ChatAccess:
        route = self.scope["url_route"]["kwargs"]
        headers = list(self.scope.get("headers", []))
        # Kubernetes calls block: run them off the event loop and off the database thread.
        authorize = sync_to_async(_authorize, thread_sensitive=False)
        return await authorize(headers, self.scope.get("query_string", b""), route["project"], route["session"])

    async def _still_allowed(self, *, force: bool = False) -> bool:
        """A socket outlives its checks: a revoked or expired token, a removed role or a deleted (or
        re-created) session closes it at the next frame in or out after CHAT_ACCESS_RECHECK_SECONDS
        (at once with `force`). A deletion through the API closes it sooner (chat_closed)."""
        if self.access is None:
            return False
        if not force and time.monotonic() - self.checked_at < settings.CHAT_ACCESS_RECHECK_SECONDS:
            return True
        try:
            access = await self._authorize()
        except NotFound as error:
            await self._end_gone(error.message)
            return False
        except ApplicationError as error:
            self.access = None
            await self.close(code=close_code_for(error), reason=_close_reason(error.message))
            return False
        except Exception:
            logger.exception("chat access re-check for %s failed; keeping the socket open", self.group)
            return True
        if access.target != self.access.target:
            await self._end_gone("The session was deleted.")
            return False
        self.access, self.checked_at = access, time.monotonic()
        return True

    async def _send_json(self, frame: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps(frame, separators=(",", ":")))

    async def _refuse(self, code: int, reason: str) -> None:
        await self.accept()
        await self.close(code=code, reason=_close_reason(reason))


class UnknownPathConsumer(AsyncWebsocketConsumer):
    """Any WebSocket path no route serves: closed with 4404 instead of an error in the router."""

    async def connect(self) -> None:
        await self.accept()
        await self.close(code=CLOSE_NOT_FOUND, reason="No WebSocket is served at this path.")
