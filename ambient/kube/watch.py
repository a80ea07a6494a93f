"""A watch response read event by event, and the signal to relist (`Expired`).

Not `kubernetes.watch.Watch`: it needs a generated list function per kind (their API classes and
models cost the watcher ~20 MB), and a thread blocked in its read cannot be aborted from another
thread; `reconciler/watching/informer.py` says why `SharedInformer` does not fit either.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from collections.abc import Iterator
from typing import Any

from ambient.exceptions import Gone


class Expired(Exception):  # noqa: N818 - named after the Kubernetes reason
    """The resourceVersion (or continue token) fell out of the server's history: relist."""

    @staticmethod
    @contextlib.contextmanager
    def on_gone() -> Iterator[None]:
        try:
            yield
        except Gone as error:
            raise Expired(error.message) from error


class WatchError(Exception):
    """The server sent a watch ERROR event other than 410."""

    def __init__(self, status: dict[str, Any]) -> None:
        self.status = status
        super().__init__(f"watch error {status.get('code')}: {status.get('reason')} {status.get('message')}")


class WatchStream:
    """One open watch response; `abort` (from another thread) unblocks a pending read."""

    def __init__(self, response: Any) -> None:
        self._response = response
        self._closed = threading.Event()

    def events(self) -> Iterator[dict[str, Any]]:
        buffer = bytearray()
        # With chunked transfer (every watch) urllib3 yields each chunk as soon as it arrives.
        for chunk in self._response.stream(amt=None, decode_content=False):
            buffer.extend(chunk)
            while (newline := buffer.find(b"\n")) != -1:
                line = bytes(buffer[:newline]).strip()
                del buffer[: newline + 1]
                if line:
                    yield json.loads(line)
        if buffer.strip():
            yield json.loads(bytes(buffer))

    def abort(self) -> None:
        """Shut the socket down: a thread blocked in recv() returns at once (close() alone does not)."""
        self._closed.set()
        connection = getattr(self._response, "connection", None)
        sock = getattr(connection, "sock", None)
        if sock is not None:
            with contextlib.suppress(OSError):  # already closed
                sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        # Closed, not reused: a watch connection may be half-read or shut down by `abort`.
        self._response.close()
        self._response.release_conn()
