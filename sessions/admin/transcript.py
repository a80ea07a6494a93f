"""A session's chat as the console shows it: one line of text per message, whatever its shape."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sessions.chat.access import chat_target_of
from sessions.chat.protocol import HISTORY_LIMIT_MAX
from sessions.chat.selectors import chat_messages_after

KubeObject = dict[str, Any]
# Messages that only say what the agent is doing: shown small, not as speech.
STATUS_TYPES = frozenset({"agent.running", "agent.waiting", "interrupt", "end_session"})


@dataclass(frozen=True)
class TranscriptLine:
    id: int
    timestamp: str
    sender: str
    type: str
    text: str
    is_status: bool


@dataclass(frozen=True)
class Transcript:
    lines: list[TranscriptLine]
    truncated: bool


def message_text(payload: Any) -> str:
    """The human-readable part of a payload: text blocks, `content`, `message`, else compact JSON."""
    if isinstance(payload, str):
        return payload
    if isinstance(payload, dict):
        for key in ("content", "text", "message"):
            value = payload.get(key)
            if isinstance(value, str) and value:
                return value
            if isinstance(value, dict):
                nested = message_text(value)
                if nested:
                    return nested
        if "tool" in payload:
            return f"[tool {payload.get('tool')}] {json.dumps(payload.get('input'), sort_keys=True)[:500]}"
        if "tool_result" in payload:
            return f"[tool result] {message_text(payload.get('tool_result'))[:500]}"
        return json.dumps(payload, sort_keys=True)[:1000] if payload else ""
    return json.dumps(payload)[:1000] if payload is not None else ""


def transcript_read(*, session: KubeObject) -> Transcript:
    messages, has_more = chat_messages_after(target=chat_target_of(session), after=0, limit=HISTORY_LIMIT_MAX)
    lines = [
        TranscriptLine(
            id=int(message["id"]),
            timestamp=str(message.get("timestamp") or ""),
            sender=str(message.get("sender") or ""),
            type=str(message.get("type") or ""),
            text=message_text(message.get("payload")),
            is_status=message.get("type") in STATUS_TYPES,
        )
        for message in messages
    ]
    return Transcript(lines=lines, truncated=has_more)
