"""A local fake of the Anthropic Messages API, enough for the CLI bundled with claude-agent-sdk.

The CLI sends one `POST /v1/messages?beta=true` with `stream: true` per model call and reads
server-sent events, each with an `event:` line before its `data:` line (without them it retries
without streaming, so `stream: false` is answered too). What the fake answers is up to the test:
a `policy` maps each request body to a `Reply` (text, a tool call, or an API error). Every body is
recorded, so a test can see what the CLI sent (for example that a resumed conversation carried the
earlier turns). The standard library's threaded HTTP server is enough for one test's traffic.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Body = dict[str, Any]


@dataclass(frozen=True)
class Reply:
    text: str = ""
    tool_name: str = ""
    tool_input: dict[str, Any] = field(default_factory=dict)
    error_status: int = 0
    error_type: str = "invalid_request_error"
    # Seconds the stream pauses before its last events: a turn long enough to interrupt.
    pause_seconds: float = 0.0

    @property
    def is_error(self) -> bool:
        return self.error_status > 0


def text(value: str) -> Reply:
    return Reply(text=value)


def tool_call(name: str, arguments: dict[str, Any]) -> Reply:
    return Reply(tool_name=name, tool_input=arguments)


def api_error(status: int = 400, message: str = "the fake refuses this request") -> Reply:
    return Reply(text=message, error_status=status)


def last_user_text(body: Body) -> str:
    """The text of the newest user turn (tool results excluded), '' when the newest turn is a tool result."""
    for message in reversed(body.get("messages") or []):
        if message.get("role") != "user":
            continue
        content = message.get("content")
        if isinstance(content, str):
            return content
        parts = [part for part in content or [] if isinstance(part, dict)]
        if any(part.get("type") == "tool_result" for part in parts):
            return ""
        texts = [str(part.get("text", "")) for part in parts if part.get("type") == "text"]
        # The CLI prepends reminders of its own as separate text parts; the prompt is the last one.
        return texts[-1] if texts else ""
    return ""


def answers_tool_result(body: Body) -> bool:
    messages = body.get("messages") or []
    if not messages or messages[-1].get("role") != "user":
        return False
    content = messages[-1].get("content")
    return isinstance(content, list) and any(
        isinstance(part, dict) and part.get("type") == "tool_result" for part in content
    )


def _usage() -> dict[str, int]:
    return {"input_tokens": 10, "output_tokens": 5, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}


def _content_block(reply: Reply, index: int) -> dict[str, Any]:
    if reply.tool_name:
        return {"type": "tool_use", "id": f"toolu_fake_{index:04d}", "name": reply.tool_name, "input": reply.tool_input}
    return {"type": "text", "text": reply.text}


def _message(reply: Reply, model: str, index: int) -> dict[str, Any]:
    return {
        "id": f"msg_fake_{index:04d}",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [_content_block(reply, index)],
        "stop_reason": "tool_use" if reply.tool_name else "end_turn",
        "stop_sequence": None,
        "usage": _usage(),
    }


def _events(reply: Reply, model: str, index: int) -> Iterator[tuple[str, dict[str, Any]]]:
    message = _message(reply, model, index)
    yield "message_start", {"type": "message_start", "message": {**message, "content": [], "stop_reason": None}}
    block = message["content"][0]
    if reply.tool_name:
        start = {**block, "input": {}}
        delta = {"type": "input_json_delta", "partial_json": json.dumps(reply.tool_input)}
    else:
        start = {"type": "text", "text": ""}
        delta = {"type": "text_delta", "text": reply.text}
    yield "content_block_start", {"type": "content_block_start", "index": 0, "content_block": start}
    yield "content_block_delta", {"type": "content_block_delta", "index": 0, "delta": delta}
    yield "content_block_stop", {"type": "content_block_stop", "index": 0}
    yield (
        "message_delta",
        {
            "type": "message_delta",
            "delta": {"stop_reason": message["stop_reason"], "stop_sequence": None},
            "usage": {"output_tokens": 5},
        },
    )
    yield "message_stop", {"type": "message_stop"}


class FakeAnthropic:
    """Serves on 127.0.0.1 (a free port) until `close()`; `base_url` goes into ANTHROPIC_BASE_URL."""

    def __init__(self, policy: Callable[[Body], Reply]) -> None:
        self.policy = policy
        self.requests: list[Body] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-anthropic", daemon=True)
        self._thread.start()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _answer(self, body: Body) -> tuple[int, Reply]:
        with self._lock:
            self.requests.append(body)
            index = len(self.requests)
        return index, self.policy(body)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
                return

            def do_POST(self) -> None:  # noqa: N802 - the standard library's name
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                if not self.path.startswith("/v1/messages") or self.path.startswith("/v1/messages/count_tokens"):
                    self._json(200, {"input_tokens": 10})
                    return
                index, reply = fake._answer(body)
                model = str(body.get("model") or "claude-fake")
                if reply.is_error:
                    error = {"type": "error", "error": {"type": reply.error_type, "message": reply.text}}
                    self._json(reply.error_status, error)
                elif body.get("stream"):
                    self._stream(reply, model, index)
                else:
                    self._json(200, _message(reply, model, index))

            def _json(self, status: int, document: dict[str, Any]) -> None:
                payload = json.dumps(document).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def _stream(self, reply: Reply, model: str, index: int) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-cache")
                self.send_header("Connection", "close")
                self.end_headers()
                try:
                    for name, data in _events(reply, model, index):
                        if name == "content_block_stop" and reply.pause_seconds:
                            time.sleep(reply.pause_seconds)
                        self.wfile.write(f"event: {name}\ndata: {json.dumps(data)}\n\n".encode())
                        self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up on the stream (an interrupt)
                self.close_connection = True

        return Handler
