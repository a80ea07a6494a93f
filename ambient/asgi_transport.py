"""uvicorn's HTTP protocol with a response's writes of one event-loop step sent in one system call.

uvicorn writes a response's status line and headers as soon as the application sends its start
message, and the body with the next message: two `send` calls on the socket, two TCP segments, and a
client that reads the headers, parses them and waits again for the body. The api answers a small file
or an error with the two messages back to back (ambient/asgi_handler.py), so here the writes made in
one step are held until the loop's next pass and sent together: one system call and one wake-up of
the client per answer instead of two. A large write (a streamed chunk, a big body) goes straight out
after whatever is held, so it is never copied to be joined and streaming holds nothing back.
"""

from __future__ import annotations

import asyncio
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

    def flush(self) -> None:
        """Send what is held (at the end of the step that wrote it, or before the connection closes)."""
        held, self._held = self._held, None
        if held and not self._transport.is_closing():
            self._transport.write(held[0] if len(held) == 1 else b"".join(held))

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

    def __getattr__(self, name: str) -> Any:
        # Everything else (is_closing, pause_reading, get_extra_info, set_protocol...) is the transport's.
        return getattr(self._transport, name)


class CoalescingHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol on a `CoalescingTransport` (a WebSocket upgraded from it keeps it)."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(CoalescingTransport(transport, self.loop))  # type: ignore[arg-type]
