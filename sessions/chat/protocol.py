"""The chat wire format: what a client may send, what the server sends back, and the close codes.

Pure functions over decoded JSON; the consumer and the `…/messages` view both use them, so a frame
and a POST body are checked by the same rules. The format is described in docs/design/API.md.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

# --- Message types -------------------------------------------------------------------------------

TYPE_USER_MESSAGE = "user_message"  # what POST …/messages stores when the body names no type
TYPE_PING = "ping"
TYPE_PONG = "pong"
TYPE_ERROR = "error"
# Only the server sends these; a client frame using one is refused so nobody can forge them.
SERVER_ONLY_TYPES: frozenset[str] = frozenset({TYPE_PONG, TYPE_ERROR})
TYPE_PATTERN = re.compile(r"[A-Za-z0-9_.-]{1,64}")

# --- WebSocket close codes (application range 4000–4999, mirroring the HTTP statuses) -----------

CLOSE_BAD_REQUEST = 4400
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404

# --- Error frame codes ---------------------------------------------------------------------------

ERROR_INVALID_JSON = "invalid_json"
ERROR_INVALID_FRAME = "invalid_frame"
ERROR_FRAME_TOO_LARGE = "frame_too_large"
ERROR_FORBIDDEN = "forbidden"
ERROR_RESERVED_TYPE = "reserved_type"
ERROR_INTERNAL = "internal_error"
ERROR_GONE = "session_gone"

# --- History paging ------------------------------------------------------------------------------

HISTORY_LIMIT_DEFAULT = 100
HISTORY_LIMIT_MAX = 1000


class FrameError(Exception):
    """A client frame or body that cannot become a message; `code` is one of the ERROR_* names and
    `field` the body field to fix (what a 400 from POST …/messages names)."""

    def __init__(self, code: str, message: str, *, field: str = "type") -> None:
        self.code = code
        self.message = message
        self.field = field
        super().__init__(message)


@dataclass(frozen=True)
class Inbound:
    """A checked client message: its type and the JSON object stored as its payload."""

    type: str
    payload: dict[str, Any]


def parse_frame(text: str | None, *, max_bytes: int) -> Inbound:
    """A WebSocket text frame → the message it asks to send. Raises FrameError with what to fix."""
    if text is None:
        raise FrameError(ERROR_INVALID_FRAME, "Send text frames holding one JSON object; binary frames are refused.")
    if len(text.encode("utf-8")) > max_bytes:
        raise FrameError(ERROR_FRAME_TOO_LARGE, f"The frame is larger than {max_bytes} bytes; send less.")
    try:
        decoded = json.loads(text)
    except (ValueError, RecursionError):
        raise FrameError(ERROR_INVALID_JSON, "The frame is not JSON: send one JSON object per frame.") from None
    return inbound_from_object(decoded, default_type=None)


def inbound_from_object(decoded: Any, *, default_type: str | None) -> Inbound:
    """A decoded JSON object → (type, payload).

    `type` names the message (or `default_type` when absent). The payload is `payload` when that is an
    object, else the rest of the object: the chat body `{content}` and a runner frame whose payload is
    a plain string both keep what they carry.
    """
    if not isinstance(decoded, dict):
        raise FrameError(ERROR_INVALID_FRAME, 'Send a JSON object such as {"type": "user_message", "payload": {...}}.')
    message_type = decoded.get("type", default_type)
    if message_type is None:
        raise FrameError(ERROR_INVALID_FRAME, 'The frame has no "type": name the message type.')
    if not isinstance(message_type, str) or not TYPE_PATTERN.fullmatch(message_type):
        raise FrameError(ERROR_INVALID_FRAME, '"type" must be 1–64 characters of letters, digits, "_", "." or "-".')
    if message_type in SERVER_ONLY_TYPES:
        raise FrameError(ERROR_RESERVED_TYPE, f'Only the server sends "{message_type}" messages.')
    payload = decoded.get("payload")
    if not isinstance(payload, dict):
        payload = {key: value for key, value in decoded.items() if key != "type"}
    if not _storable(payload):
        # PostgreSQL's jsonb holds neither NUL characters nor unpaired surrogates.
        raise FrameError(
            ERROR_INVALID_FRAME,
            "The message holds a NUL character or an unpaired UTF-16 surrogate; send valid Unicode text.",
            field="payload",
        )
    if message_type == TYPE_USER_MESSAGE and not user_text(payload):
        # The runner answers only a user_message with text; stored without it, nothing would ever reply.
        raise FrameError(
            ERROR_INVALID_FRAME,
            'A "user_message" needs "content": a non-empty string, the text for the agent.',
            field="content",
        )
    return Inbound(type=message_type, payload=payload)


def _storable(value: Any) -> bool:
    """Whether every string in the JSON value (keys included) is valid Unicode without NUL."""
    if isinstance(value, str):
        return "\x00" not in value and not any("\ud800" <= char <= "\udfff" for char in value)
    if isinstance(value, dict):
        return all(_storable(key) and _storable(item) for key, item in value.items())
    if isinstance(value, list):
        return all(_storable(item) for item in value)
    return True


def user_text(payload: dict[str, Any]) -> str:
    """The text of a user_message as the runner reads it: `content`, else `text` (some clients send
    that); "" when that value is not a string or holds only whitespace."""
    value = payload["content"] if "content" in payload else payload.get("text")
    return value if isinstance(value, str) and value.strip() else ""


def timestamp_text(moment: datetime) -> str:
    """RFC 3339 in UTC with microseconds, as every frame and history item carries."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def envelope(
    *, message_id: int, session: str, message_type: str, created_at: datetime, sender: str, payload: dict[str, Any]
) -> dict[str, Any]:
    """A stored message as clients receive it, live or from history."""
    return {
        "id": message_id,
        "sessionId": session,
        "type": message_type,
        "timestamp": timestamp_text(created_at),
        "sender": sender,
        "payload": payload,
    }


def pong_frame(now: datetime) -> dict[str, Any]:
    return {"type": TYPE_PONG, "timestamp": timestamp_text(now)}


def error_frame(code: str, message: str, now: datetime) -> dict[str, Any]:
    return {"type": TYPE_ERROR, "timestamp": timestamp_text(now), "payload": {"code": code, "message": message}}


def group_name(namespace: str, session: str) -> str:
    """The channel-layer group of one session. Group names must stay under 100 characters, which a
    63-character namespace and a long session name would pass, so the pair is hashed."""
    digest = hashlib.sha256(f"{namespace}/{session}".encode()).hexdigest()[:40]
    return f"chat.{digest}"
