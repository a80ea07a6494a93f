"""A small async Kubernetes API client over aiohttp, used by every runtime controller.

The controllers are ordinary clients of the server (HTTPS + admin token), like real ones, so they
exercise the same REST/watch semantics users do. ``Informer`` is list+watch with resume and relist
on 410 Gone; handlers only enqueue work.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import ssl
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import aiohttp

from localkube.runtime.http1 import Http1Pool

logger = logging.getLogger(__name__)
REQUEST_TIMEOUT_SECONDS = 30.0
KubeObject = dict[str, Any]
PATCH_TYPES = {
    "merge": "application/merge-patch+json",
    "strategic": "application/strategic-merge-patch+json",
    "json": "application/json-patch+json",
}


class ApiError(Exception):
    def __init__(self, status: int, body: Any, method: str, path: str) -> None:
        self.status = status
        self.body = body
        message = body.get("message") if isinstance(body, dict) else body
        super().__init__(f"{method} {path}: {status} {message}")


def resource_path(
    group_version: str, resource: str, namespace: str | None = None, name: str | None = None, sub: str = ""
) -> str:
    """``/api/v1/namespaces/ns/pods/x/status`` and friends; ``group_version`` "v1" is the core group."""
    path = "/api/v1" if group_version == "v1" else f"/apis/{group_version}"
    if namespace:
        path += f"/namespaces/{namespace}"
    path += f"/{resource}"
    if name:
        path += f"/{name}"
    if sub:
        path += f"/{sub}"
    return path


class KubeClient:
    """``socket_path``: the server's Unix socket (plain HTTP), used instead of ``base_url`` when given."""

    def __init__(self, base_url: str, token: str, ca_file: str | None, *, socket_path: Path | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        url = urlsplit(self.base_url)
        tls: ssl.SSLContext | None = None
        if url.scheme == "https" and socket_path is None:
            tls = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
        connector: aiohttp.BaseConnector = (
            aiohttp.UnixConnector(str(socket_path), limit=64)
            if socket_path is not None
            else aiohttp.TCPConnector(ssl=tls or True, limit=64)
        )
        self._watch_base = "http://localhost" if socket_path is not None else self.base_url
        # Big read buffer: a watch line is one whole object, and Secrets or CRDs can be large.
        self._session = aiohttp.ClientSession(
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            connector=connector,
            read_bufsize=2**22,
        )
        # One-shot requests go through a lighter pool of their own (see http1.py); watches above.
        self._prefix = url.path
        self._headers = [("Authorization", f"Bearer {token}"), ("Accept", "application/json")]
        self._pool = Http1Pool(
            url.hostname or "127.0.0.1",
            url.port or (443 if url.scheme == "https" else 80),
            tls,
            unix_path=str(socket_path or ""),
        )

    async def close(self) -> None:
        await self._pool.close()
        await self._session.close()

    async def request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        params: dict[str, str] | None = None,
        content_type: str = "application/json",
    ) -> KubeObject:
        data = json.dumps(body).encode() if body is not None else None
        headers = [*self._headers, ("Content-Type", content_type)] if data is not None else self._headers
        target = quote(self._prefix + path, safe="/:@!$&'()*+,;=-._~%") + (f"?{urlencode(params)}" if params else "")
        status, raw = await self._pool.request(method, target, headers, data, REQUEST_TIMEOUT_SECONDS)
        text = raw.decode("utf-8", errors="replace")
        try:
            payload = json.loads(text) if text else {}
        except json.JSONDecodeError:
            payload = text
        if status >= 400:
            raise ApiError(status, payload, method, path)
        return payload if isinstance(payload, dict) else {}

    async def get(self, path: str) -> KubeObject | None:
        try:
            return await self.request("GET", path)
        except ApiError as error:
            if error.status == 404:
                return None
            raise

    async def create(self, path: str, body: KubeObject) -> KubeObject:
        return await self.request("POST", path, body=body)

    async def patch(self, path: str, body: Any, patch_type: str = "merge") -> KubeObject:
        return await self.request("PATCH", path, body=body, content_type=PATCH_TYPES[patch_type])

    async def delete(self, path: str, body: KubeObject | None = None) -> None:
        """Delete; a missing object is already the desired outcome."""
        try:
            await self.request("DELETE", path, body=body)
        except ApiError as error:
            if error.status != 404:
                raise

    async def watch_lines(self, path: str, params: dict[str, str]) -> aiohttp.ClientResponse:
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=10, sock_read=None)
        response = await self._session.get(self._watch_base + path, params=params, timeout=timeout)
        if response.status >= 400:
            text = await response.text()
            response.release()
            raise ApiError(response.status, text, "WATCH", path)
        return response


def object_key(obj: KubeObject) -> tuple[str, str]:
    metadata = obj.get("metadata") or {}
    return metadata.get("namespace") or "", metadata.get("name") or ""


class Informer:
    """List+watch one resource into a cache and call ``handler(event_type, obj)`` per change."""

    def __init__(
        self, client: KubeClient, path: str, handler: Callable[[str, KubeObject], None], name: str = ""
    ) -> None:
        self.client = client
        self.path = path
        self.handler = handler
        self.name = name or path
        self.cache: dict[tuple[str, str], KubeObject] = {}
        self.synced = asyncio.Event()

    def _apply(self, event_type: str, obj: KubeObject) -> None:
        key = object_key(obj)
        if event_type == "DELETED":
            self.cache.pop(key, None)
        else:
            self.cache[key] = obj
        try:
            self.handler(event_type, obj)
        except Exception:  # a handler bug must not stop the watch for everyone else
            logger.exception("informer %s: handler failed", self.name)

    async def _relist(self) -> str:
        listing = await self.client.request("GET", self.path)
        fresh = {object_key(item): item for item in listing.get("items") or []}
        for key, obj in list(self.cache.items()):
            if key not in fresh:
                self._apply("DELETED", obj)
        for key, obj in fresh.items():
            old = self.cache.get(key)
            if old is None:
                self._apply("ADDED", obj)
            elif (old.get("metadata") or {}).get("resourceVersion") != obj["metadata"].get("resourceVersion"):
                self._apply("MODIFIED", obj)
        self.synced.set()
        return str((listing.get("metadata") or {}).get("resourceVersion") or "")

    async def run(self) -> None:
        delay = 0.2
        resource_version = ""
        while True:
            try:
                if not resource_version:
                    resource_version = await self._relist()
                resource_version = await self._watch(resource_version)
                delay = 0.2
            except asyncio.CancelledError:
                raise
            except Exception as error:  # server restarting, connection reset: back off and retry
                logger.debug("informer %s: %s; retrying", self.name, error)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
                resource_version = ""

    async def _watch(self, resource_version: str) -> str:
        """Follow the watch until the server closes it; return "" to force a relist (410)."""
        params = {
            "watch": "1",
            "resourceVersion": resource_version,
            "allowWatchBookmarks": "true",
            "timeoutSeconds": "300",
        }
        response = await self.client.watch_lines(self.path, params)
        with contextlib.closing(response):
            async for raw in response.content:
                line = raw.strip()
                if not line:
                    continue
                event = json.loads(line)
                kind, obj = event.get("type"), event.get("object") or {}
                if kind == "ERROR":
                    if obj.get("code") == 410:
                        return ""  # our resourceVersion is too old: relist
                    raise ApiError(int(obj.get("code") or 500), obj, "WATCH", self.path)
                new_version = (obj.get("metadata") or {}).get("resourceVersion")
                if new_version:
                    resource_version = new_version
                if kind in ("ADDED", "MODIFIED", "DELETED"):
                    self._apply(kind, obj)
        return resource_version
