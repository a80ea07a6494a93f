"""Chat writes: store a message and broadcast it, remove a session's history.

A message is stored and broadcast while its thread row is locked, so every client of a session
receives its messages in id order even when several api processes write at once; a reconnecting
client learns under the same lock up to which id it must replay (selectors.chat_replay_bound).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.db import IntegrityError, connections, transaction
from django.utils import timezone

from ambient.exceptions import NotFound
from sessions.chat.models import ChatMessage, ChatThread
from sessions.chat.protocol import Inbound, envelope, group_name

# The event types the consumer's `chat_message` and `chat_closed` handlers receive from the channel layer.
BROADCAST_EVENT = "chat.message"
CLOSE_EVENT = "chat.closed"

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ChatTarget:
    """One session's chat: the project, the session's name and its uid (which run-of-identity)."""

    namespace: str
    session: str
    session_uid: str


def chat_thread_get_or_create(*, target: ChatTarget) -> ChatThread:
    lookup = {"namespace": target.namespace, "session": target.session, "session_uid": target.session_uid}
    thread = ChatThread.objects.filter(**lookup).first()
    if thread is not None:
        return thread
    try:
        with transaction.atomic():
            return ChatThread.objects.create(**lookup, last_activity_at=timezone.now())
    except IntegrityError:  # another process created it between our read and our insert
        return ChatThread.objects.get(**lookup)


def chat_message_post(
    *, target: ChatTarget, inbound: Inbound, sender: str, thread_id: int | None = None
) -> dict[str, Any]:
    """Store one message and broadcast it to the session's group; returns the envelope sent.

    `thread_id` (from chat_thread_get_or_create) saves a lookup when the caller sends repeatedly.
    """
    if thread_id is None:
        thread_id = chat_thread_get_or_create(target=target).pk
    layer = get_channel_layer()
    with transaction.atomic():
        # The UPDATE takes the thread's row lock, held until commit: one session's messages are
        # inserted and broadcast one at a time, in id order, whichever api process sends them.
        if not ChatThread.objects.filter(pk=thread_id).update(last_activity_at=timezone.now()):
            raise NotFound(f"Session {target.session!r} was deleted; its chat is gone.")
        now = timezone.now()
        message = ChatMessage.objects.create(
            thread_id=thread_id,
            namespace=target.namespace,
            session=target.session,
            type=inbound.type,
            payload=inbound.payload,
            sender=sender,
            created_at=now,
        )
        sent = envelope(
            message_id=message.id,
            session=target.session,
            message_type=message.type,
            created_at=now,
            sender=sender,
            payload=message.payload,
        )
        if layer is not None:
            # Inside the lock: the next message of this session cannot be broadcast before this one.
            async_to_sync(layer.group_send)(
                group_name(target.namespace, target.session), {"type": BROADCAST_EVENT, "message": sent}
            )
    return sent


async def chat_message_post_async(
    *, target: ChatTarget, inbound: Inbound, sender: str, thread_id: int | None = None
) -> dict[str, Any]:
    """chat_message_post from a consumer. On PostgreSQL on any worker thread, so sessions are served in
    parallel (the row lock still orders each session); SQLite takes one writer at a time, so there on
    Django's one database thread."""
    parallel = connections["default"].vendor != "sqlite"
    post = database_sync_to_async(chat_message_post, thread_sensitive=not parallel)
    return await post(target=target, inbound=inbound, sender=sender, thread_id=thread_id)


def chat_history_delete(*, namespace: str, session: str) -> int:
    """Remove every message of a session name in a project (all its past uids) and close its open
    sockets; returns the count of messages removed."""
    deleted, per_model = ChatThread.objects.filter(namespace=namespace, session=session).delete()
    chat_sockets_close(namespace=namespace, session=session)
    return per_model.get(ChatMessage._meta.label, 0)


def chat_sockets_close(*, namespace: str, session: str, session_uid: str | None = None) -> None:
    """Tell every open socket of a deleted session, in any api process, to close (4404); with
    `session_uid`, only sockets of that run of the name (a re-created session keeps its own).

    Sent after the thread rows are gone: a frame that still arrives finds no thread and is refused.
    The session is already deleted when this runs, so a channel layer that is down is logged, not
    raised: the sockets then close at their next access re-check.
    """
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(
            group_name(namespace, session), {"type": CLOSE_EVENT, "sessionUid": session_uid}
        )
    except Exception:
        logger.warning("could not tell the chat sockets of %s/%s to close", namespace, session, exc_info=True)


def chat_threads_delete_orphans(*, live: set[tuple[str, str, str]], listed_at: datetime) -> int:
    """Remove threads whose (namespace, session, uid) is not among the sessions listed at `listed_at`
    (deleted with kubectl); a thread active since then may belong to a session created after the list."""
    stale = [
        (thread_id, namespace, session, uid)
        for thread_id, namespace, session, uid in ChatThread.objects.filter(last_activity_at__lt=listed_at).values_list(
            "id", "namespace", "session", "session_uid"
        )
        if (namespace, session, uid) not in live
    ]
    if not stale:
        return 0
    ChatThread.objects.filter(id__in=[thread_id for thread_id, *_ in stale]).delete()
    for _, namespace, session, uid in stale:
        chat_sockets_close(namespace=namespace, session=session, session_uid=uid)
    return len(stale)
