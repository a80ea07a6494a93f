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


def chat_messages_after(*, target: ChatTarget, after: int, limit: int) -> tuple[list[dict[str, Any]], bool]:
    """Up to `limit` messages with id > `after`, oldest first, and whether more follow."""
    thread = _thread_of(target)
    if thread is None:
        return [], False
    rows = list(ChatMessage.objects.filter(thread=thread, id__gt=after).order_by("id")[: limit + 1])
    return _envelopes(rows[:limit], target.session), len(rows) > limit


def chat_messages_replay(*, target: ChatTarget, after: int) -> list[dict[str, Any]]:
    """Every message with id > `after`, read under the thread's lock.

    The lock waits for a writer that has broadcast but not yet committed, so a socket that joined the
    group first and then replays misses nothing in between.
    """
    thread = _thread_of(target)
    if thread is None:
        return []
    with transaction.atomic():
        ChatThread.objects.select_for_update().filter(pk=thread.pk).first()
        rows = list(ChatMessage.objects.filter(thread=thread, id__gt=after).order_by("id"))
    return _envelopes(rows, target.session)


def chat_last_activity_by_session() -> dict[tuple[str, str, str], datetime]:
    """(namespace, session, uid) → when its last chat message was sent (a thread exists only once one was)."""
    return {
        (namespace, session, uid): moment
        for namespace, session, uid, moment in ChatThread.objects.values_list(
            "namespace", "session", "session_uid", "last_activity_at"
        )
    }
