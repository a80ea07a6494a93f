"""Chat reads: history pages, the replay a reconnecting socket gets, and last activity."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction

from sessions.chat.models import ChatMessage, ChatThread
from sessions.chat.protocol import envelope
from sessions.chat.services import ChatTarget


def _thread_of(target: ChatTarget) -> ChatThread | None:
    return ChatThread.objects.filter(
        namespace=target.namespace, session=target.session, session_uid=target.session_uid
    ).first()


def chat_thread_id_find(*, target: ChatTarget) -> int | None:
    """The id of the session's thread, None before its first message (or once the session was deleted)."""
    thread = _thread_of(target)
    return thread.pk if thread is not None else None


def _envelopes(messages: list[ChatMessage], session: str) -> list[dict[str, Any]]:
    return [
        envelope(
            message_id=message.id,
            session=session,
            message_type=message.type,
            created_at=message.created_at,
            sender=message.sender,
            payload=message.payload,
        )
        for message in messages
    ]


def chat_messages_after(
    *, target: ChatTarget, after: int, limit: int, up_to: int | None = None
) -> tuple[list[dict[str, Any]], bool]:
    """Up to `limit` messages with `after` < id (≤ `up_to`), oldest first, and whether more follow."""
    thread = _thread_of(target)
    if thread is None:
        return [], False
    rows = ChatMessage.objects.filter(thread=thread, id__gt=after)
    if up_to is not None:
        rows = rows.filter(id__lte=up_to)
    page = list(rows.order_by("id")[: limit + 1])
    return _envelopes(page[:limit], target.session), len(page) > limit


def chat_replay_bound(*, target: ChatTarget) -> int:
    """The highest message id a socket that has just joined the session's group must replay.

    Read under the thread's lock, which waits for a writer that has broadcast but not committed: every
    message up to this id is committed, and every later one is broadcast after the socket joined, so
    replaying up to here (in pages, without the lock) and then the live stream misses nothing.
    """
    thread = _thread_of(target)
    if thread is None:
        return 0
    with transaction.atomic():
        ChatThread.objects.select_for_update().filter(pk=thread.pk).first()
        last = ChatMessage.objects.filter(thread=thread).order_by("-id").values_list("id", flat=True).first()
    return last or 0


def chat_last_activity_by_session() -> dict[tuple[str, str, str], datetime]:
    """(namespace, session, uid) → when its last chat message was sent (a thread exists only once one was)."""
    return {
        (namespace, session, uid): moment
        for namespace, session, uid, moment in ChatThread.objects.values_list(
            "namespace", "session", "session_uid", "last_activity_at"
        )
    }
