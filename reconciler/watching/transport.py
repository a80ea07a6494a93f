"""Raw list and watch requests through the kubernetes client's ApiClient, read line by line.

Not ``kubernetes.watch.Watch.stream``: it hides 410s and bookmarks from the caller, and both decide
what we do next. Responses stay undecoded dicts: nothing here needs the client's models.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

from kubernetes.client import ApiClient, ApiException

logger = logging.getLogger(__name__)

HTTP_GONE = 410


class Expired(Exception):  # noqa: N818 - named after the Kubernetes reason
    """The resourceVersion (or continue token) fell out of the server's history: relist."""


class WatchError(Exception):
    """The server sent a watch ERROR event other than 410."""

    def __init__(self, status: dict[str, Any]) -> None:
        self.status = status
        super().__init__(f"watch error {status.get('code')}: {status.get('reason')} {status.get('message')}")


class WatchStream:
    """One open watch response; ``abort`` (from another thread) unblocks a pending read."""

    def __init__(self, response: Any, api_client: ApiClient) -> None:
        self._response = response
        self._api_client = api_client
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
        try:
            self._response.close()
        finally:
            self._api_client.close()


class KubeTransport:
    def __init__(self, client_factory: Callable[[], ApiClient], *, connect_timeout: float, read_timeout: float) -> None:
        # A fresh ApiClient per request: credentials are re-read by the factory, so rotated tokens are picked up.
        self._client_factory = client_factory
        self._timeout = (connect_timeout, read_timeout)

    def _open(self, api_client: ApiClient, path: str, query: list[tuple[str, Any]]) -> Any:
        request = api_client.param_serialize(
            "GET", path, query_params=query, header_params={"Accept": "application/json"}, auth_settings=["BearerToken"]
        )
        response = api_client.call_api(*request, _request_timeout=self._timeout)
        if not 200 <= response.status <= 299:
            body = (response.read() or b"")[:1000].decode("utf-8", errors="replace")
            raise ApiException(status=response.status, reason=response.reason, body=body)
        return response.response

    def list_page(self, path: str, *, label_selector: str | None, limit: int, continue_token: str | None) -> dict:
        query: list[tuple[str, Any]] = [("limit", limit)]
        if label_selector:
            query.append(("labelSelector", label_selector))
        if continue_token:
            query.append(("continue", continue_token))
        api_client = self._client_factory()
        try:
            raw = self._open(api_client, path, query)
            try:
                return json.loads(raw.data)
            finally:
                raw.release_conn()
        except ApiException as error:
            if error.status == HTTP_GONE:  # the continue token expired mid-list
                raise Expired(str(error)) from error
            raise
        finally:
            api_client.close()

    def watch(
        self, path: str, *, label_selector: str | None, resource_version: str, timeout_seconds: int
    ) -> WatchStream:
        query: list[tuple[str, Any]] = [
            ("watch", "true"),
            ("allowWatchBookmarks", "true"),
            ("resourceVersion", resource_version),
            ("timeoutSeconds", timeout_seconds),
        ]
        if label_selector:
            query.append(("labelSelector", label_selector))
        api_client = self._client_factory()
        try:
            return WatchStream(self._open(api_client, path, query), api_client)
        except ApiException as error:
            api_client.close()
            if error.status == HTTP_GONE:
                raise Expired(str(error)) from error
            raise
        except BaseException:
            api_client.close()
            raise
