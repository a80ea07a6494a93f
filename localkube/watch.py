"""Watch streams: newline-delimited JSON events on one long response, one asyncio task per watch.

A watch from resourceVersion X replays every kept event after X in order, then follows live
changes; X older than the kept history gets an ERROR event with code 410, never a silent gap.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from typing import TYPE_CHECKING, Any

from aiohttp import web

from localkube import tables
from localkube.errors import ApiError
from localkube.operations import ObjectService
from localkube.registry import ResourceType
from localkube.selectors import make_filter
from localkube.store import ADDED, Watcher, WatchEvent

if TYPE_CHECKING:
    from localkube.context import ApiContext

DEFAULT_TIMEOUT_SECONDS = 1800
INITIAL_EVENTS_END = "k8s.io/initial-events-end"
# Events written in one chunk when a watch's queue holds several (bounded, so a slow consumer of
# a long backlog still gets its first events soon).
MAX_EVENTS_PER_WRITE = 64


def _line(event_type: str, obj: dict[str, Any]) -> bytes:
    return json.dumps({"type": event_type, "object": obj}, separators=(",", ":")).encode() + b"\n"


class _Encoder:
    """Turns store events into wire lines: plain JSON (shared bytes) or server-side Table rows."""

    def __init__(self, resource_type: ResourceType, version: str, table: bool, include_object: str) -> None:
        self.resource_type = resource_type
        self.version = version
        self.api_version = resource_type.api_version(version)
        self.table = table
        self.include_object = include_object
        self._definitions_sent = False

    def event(self, event_type: str, event: WatchEvent) -> bytes:
        if not self.table:
            return event.encode(event_type, self.api_version)
        return self.object(event_type, event.obj)

    def object(self, event_type: str, obj: dict[str, Any]) -> bytes:
        obj = ObjectService.present(self.resource_type, obj, self.version)
        if not self.table:
            return _line(event_type, obj)
        rendered = tables.table(
            self.resource_type,
            self.version,
            [obj],
            self.include_object,
            {"resourceVersion": obj["metadata"].get("resourceVersion", "")},
            with_definitions=not self._definitions_sent,
        )
        self._definitions_sent = True
        return _line(event_type, rendered)

    def bookmark(self, resource_version: int, initial_events_end: bool = False) -> bytes:
        metadata: dict[str, Any] = {"resourceVersion": str(resource_version)}
        if initial_events_end:
            metadata["annotations"] = {INITIAL_EVENTS_END: "true"}
        return _line(
            "BOOKMARK", {"kind": self.resource_type.kind, "apiVersion": self.api_version, "metadata": metadata}
        )


def _error_line(error: ApiError) -> bytes:
    return _line("ERROR", error.status_body())


async def _send_event(request: web.Request, response: web.StreamResponse, ctx: ApiContext, line: bytes) -> bool:
    """Write one event; with the watch-drop fault, cut the connection after it (False)."""
    await response.write(line)
    if ctx.faults.drop_watch():
        transport = request.transport
        if transport is not None:
            transport.abort()
        return False
    return True


async def _send_queued(
    request: web.Request,
    response: web.StreamResponse,
    ctx: ApiContext,
    encoder: _Encoder,
    watcher: Watcher,
    first: tuple[str, WatchEvent] | None,
) -> bool:
    """Write ``first`` and every event queued behind it in one chunk; False once the watch ends
    (closed, overflowed, or cut by the watch-drop fault after an event). One write per event cost
    a socket send per watcher per event, the largest part of a burst's fan-out; a chunk may hold
    several lines (clients split the stream by lines, whatever its chunks)."""
    lines: list[bytes] = []
    item: tuple[str, WatchEvent] | None = first
    ended = False
    while True:
        if item is None:
            if watcher.overflowed:
                lines.append(_error_line(ApiError(410, "watch consumer fell too far behind", "Expired")))
            ended = True
            break
        event_type, event = item
        lines.append(encoder.event(event_type, event))
        if ctx.faults.drop_watch():
            await response.write(b"".join(lines))
            transport = request.transport
            if transport is not None:
                transport.abort()
            return False
        if watcher.queue.empty() or len(lines) >= MAX_EVENTS_PER_WRITE:
            break
        item = watcher.queue.get_nowait()
    await response.write(b"".join(lines))
    return not ended


async def serve_watch(
    request: web.Request,
    ctx: ApiContext,
    resource_type: ResourceType,
    version: str,
    namespace: str | None,
    name: str,
    table: bool,
    include_object: str,
) -> web.StreamResponse:
    query = request.query
    field_selector = query.get("fieldSelector") or ""
    if name:  # GET …/pods/x?watch=1 watches one object
        field_selector = ",".join(filter(None, [field_selector, f"metadata.name={name}"]))
    predicate = make_filter(query.get("labelSelector"), field_selector, resource_type.group, resource_type.resource)
    timeout = float(query.get("timeoutSeconds") or DEFAULT_TIMEOUT_SECONDS)
    bookmarks = query.get("allowWatchBookmarks") in ("1", "true", "True")
    send_initial = query.get("sendInitialEvents") in ("1", "true", "True")
    since_text = query.get("resourceVersion") or ""
    encoder = _Encoder(resource_type, version, table, include_object)
    store = ctx.store

    # Register first, then read the backlog: no await in between, so no event falls in a gap.
    watcher = Watcher(resource_type.group, resource_type.resource, namespace, predicate)
    backlog: list[bytes] = []
    expired: ApiError | None = None
    initial_end = False
    if send_initial or since_text in ("", "0"):
        for obj in store.objects_of(resource_type.group, resource_type.resource, namespace):
            if predicate(obj):
                backlog.append(encoder.object(ADDED, obj))
        initial_end = send_initial and bookmarks
    else:
        try:
            since = int(since_text)
        except ValueError:
            raise ApiError(400, f'invalid resource version "{since_text}"') from None
        try:
            if ctx.faults.expire_watch():
                raise ApiError(410, f"too old resource version: {since} (forced by localkube faults)", "Expired")
            for event in store.events_after(resource_type.group, resource_type.resource, since):
                if namespace is not None and event.namespace != namespace:
                    continue
                event_type = watcher._transition(event)
                if event_type is not None:
                    backlog.append(encoder.event(event_type, event))
        except ApiError as error:
            expired = error
    if expired is None:
        store.add_watcher(watcher)
    start_rv = store.resource_version

    response = web.StreamResponse(
        status=200, headers={"Content-Type": "application/json", "Cache-Control": "no-cache, private"}
    )
    response.enable_chunked_encoding()
    await response.prepare(request)
    try:
        if expired is not None:
            await response.write(_error_line(expired))
            return response
        for line in backlog:
            if not await _send_event(request, response, ctx, line):
                return response
        if initial_end:
            await response.write(encoder.bookmark(start_rv, initial_events_end=True))
        deadline = time.monotonic() + timeout
        interval = ctx.bookmark_interval
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                # Fast path: no timer at all when an event is already queued (fan-out bursts).
                if watcher.queue.empty():
                    async with asyncio.timeout(min(interval, remaining)):
                        item = await watcher.queue.get()
                else:
                    item = watcher.queue.get_nowait()
            except TimeoutError:
                if bookmarks and time.monotonic() < deadline:
                    # The queue is empty here, so every event up to the current RV has been sent.
                    await response.write(encoder.bookmark(store.resource_version))
                continue
            if not await _send_queued(request, response, ctx, encoder, watcher, item):
                break
    except ConnectionResetError:
        pass  # the client went away
    finally:
        store.remove_watcher(watcher)
    with contextlib.suppress(ConnectionResetError, RuntimeError):
        await response.write_eof()
    return response
