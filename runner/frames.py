"""The chat frames the runner sends and the ones it acts on (API.md 35–36, the original wire names).

The api wraps every frame in `{id, sessionId, type, timestamp, payload}`; the runner sends
`{type, payload}` and reads `type` and `payload` of what comes back.
"""

from __future__ import annotations

from typing import Any

Frame = dict[str, Any]

# Runner → everyone (dotted names, as the original runner sent them).
AGENT_RUNNING = "agent.running"
AGENT_MESSAGE = "agent.message"
AGENT_WAITING = "agent.waiting"
SYSTEM_MESSAGE = "system.message"

# Users and the api → runner. Only these exact names are acted on; the runner's own frames come
# back through the group too and are ignored by this filter.
USER_MESSAGE = "user_message"
INTERRUPT = "interrupt"
END_SESSION = "end_session"
END_SESSION_ALIASES = frozenset({END_SESSION, "terminate", "stop"})
INBOUND_TYPES = frozenset({USER_MESSAGE, INTERRUPT}) | END_SESSION_ALIASES

# The api answers a ping to the sender only, after every frame the sender sent before it.
PING = "ping"
PONG = "pong"


def frame(kind: str, payload: dict[str, Any] | None = None) -> Frame:
    return {"type": kind, "payload": payload or {}}


def text_message(text: str) -> Frame:
    return frame(AGENT_MESSAGE, {"type": "agent_message", "content": {"type": "text_block", "text": text}})


def tool_use(name: str, arguments: dict[str, Any], tool_use_id: str) -> Frame:
    return frame(AGENT_MESSAGE, {"tool": name, "input": arguments, "id": tool_use_id})


def tool_result(tool_use_id: str, content: Any, *, is_error: bool) -> Frame:
    return frame(AGENT_MESSAGE, {"tool_result": {"tool_use_id": tool_use_id, "content": content, "is_error": is_error}})


def result_summary(summary: dict[str, Any]) -> Frame:
    return frame(AGENT_MESSAGE, {"type": "result.message", "payload": summary})


def system(message: str, **details: Any) -> Frame:
    return frame(SYSTEM_MESSAGE, {"message": message, **details})


def user_text(payload: Any) -> str:
    """A user_message's text: `content`, or `text` as some clients send it."""
    if isinstance(payload, dict):
        value = payload.get("content", payload.get("text", ""))
        return value if isinstance(value, str) else ""
    return payload if isinstance(payload, str) else ""
