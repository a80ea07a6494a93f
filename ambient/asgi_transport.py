"""uvicorn's HTTP protocol with a response's writes of one event-loop step sent in one system call.

uvicorn writes a response's status line and headers as soon as the application sends its start
message, and the body with the next message: two `send` calls on the socket, two TCP segments, and a
client that reads the headers, parses them and waits again for the body. The api answers a small file
or an error with the two messages back to back (ambient/asgi_handler.py), so here the writes made in
one step are held until the loop's next pass and sent together: one system call and one wake-up of
the client per answer instead of two. A large write (a streamed chunk, a big body) goes straight out
after whatever is held, so it is never copied to be joined and streaming holds nothing back.

The access line is written once the answer's first bytes are sent, not before them: uvicorn logs it
when the start message arrives, ahead of the write, and the line (record, filter, format, write) was
about a tenth of the api's CPU per small GET, all of it in the client's wait. Every request is still
logged once, through the same logger, handlers and token masking.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

# A write this large is sent at once (after what is held): joining it would copy it for little gain.
DIRECT_WRITE_BYTES = 64 * 1024


class CoalescingTransport:
    """A connection's transport whose writes within one step of the event loop leave as one."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._held: list[bytes] | None = None
        self._after: list[tuple[Callable[..., Any], tuple[Any, ...]]] = []

    def write(self, data: bytes) -> None:
        if len(data) >= DIRECT_WRITE_BYTES:  # sent as it is, after anything held: never copied to join it
            self.flush()
            self._transport.write(data)
        elif self._held is not None:
            self._held.append(data)
        else:
            self._held = [data]
            self._loop.call_soon(self.flush)

    def writelines(self, chunks: Any) -> None:
        for chunk in chunks:
            self.write(chunk)

    def after_write(self, callback: Callable[..., Any], *args: Any) -> None:
        """`callback(*args)` once what this step writes has been sent (or the connection closed)."""
        self._after.append((callback, args))
        if self._held is None:
            self._held = []
            self._loop.call_soon(self.flush)

    def flush(self) -> None:
        """Send what is held (at the end of the step that wrote it, or before the connection closes)."""
        held, self._held = self._held, None
        if held and not self._transport.is_closing():
            self._transport.write(held[0] if len(held) == 1 else b"".join(held))
        self._run_after()

    def _run_after(self) -> None:
        while self._after:
            callback, args = self._after.pop(0)
            callback(*args)

    def get_write_buffer_size(self) -> int:
        return self._transport.get_write_buffer_size() + sum(len(data) for data in self._held or ())

    def write_eof(self) -> None:
        self.flush()
        self._transport.write_eof()

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def abort(self) -> None:
        self._held = None
        self._transport.abort()
        self._run_after()

    def __getattr__(self, name: str) -> Any:
        # Everything else (is_closing, pause_reading, get_extra_info, set_protocol...) is the transport's.
        return getattr(self._transport, name)


class AccessLogAfterWrite:
    """uvicorn's access logger for one connection: a line is logged once the answer's bytes are sent."""

    def __init__(self, logger: logging.Logger, protocol: CoalescingHttpToolsProtocol) -> None:
        self._logger = logger
        self._protocol = protocol

    def info(self, message: str, *args: Any) -> None:
        transport = self._protocol.transport
        if isinstance(transport, CoalescingTransport):
            transport.after_write(self._logger.info, message, *args)
        else:
            self._logger.info(message, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._logger, name)


class CoalescingHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol on a `CoalescingTransport` (a WebSocket upgraded from it keeps it),
    writing its access line after the answer."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.access_logger = AccessLogAfterWrite(self.access_logger, self)  # type: ignore[assignment]

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(CoalescingTransport(transport, self.loop))  # type: ignore[arg-type]

    def on_response_complete(self) -> None:
        # The answer is whole (uvicorn calls this right after its last write): send it now, and log it,
        # rather than after the rest of the step (the task's end, the keep-alive timer).
        if isinstance(self.transport, CoalescingTransport):
            self.transport.flush()
        super().on_response_complete()
