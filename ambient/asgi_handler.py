"""Django's ASGI handler with each request's thread lent from a pool instead of started for it.

Django runs every request inside a `ThreadSensitiveContext`: all of that request's thread-sensitive
sync work (the `request_started` and `request_finished` receivers, sync middleware hooks and views,
the database) runs on one worker thread of its own. Stock asgiref starts that thread for the request
and a second one to join it afterwards, so even a request served entirely on the event loop paid
two thread starts and waited for a join (about a third of the api's time per proxied file GET
under load in bench/workspace_bench.py). Here the thread comes from a pool of one-thread executors,
each lent to one request at a time, as a WSGI server reuses its threads: one request's sync work
still runs in order on one thread and never shares it with another request in flight. A database
connection lives on in its thread between requests, so `CONN_MAX_AGE` holds under ASGI as under
WSGI (`request_finished` still closes it when it is due).

An executor comes back to the pool only once it is idle: a request cancelled while its sync work
still runs (the client went away) leaves that work to finish first, so the next request never queues
behind it.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import threading
from collections import deque
from collections.abc import Callable, Collection
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.conf import settings
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.db import connections
from django.http import HttpRequest
from django.urls import URLPattern, URLResolver, get_resolver, set_script_prefix
from django.urls.resolvers import ResolverMatch
from django.utils.log import log_response

from ambient.content.client import STREAM_CHUNK_BYTES

# Idle threads kept for later requests; a burst beyond this many in flight ends its extra threads.
MAX_IDLE_THREADS = 32


class RequestThread(ThreadPoolExecutor):
    """One worker thread, lent to one request at a time; knows when its queued work is done."""

    def __init__(self) -> None:
        super().__init__(max_workers=1, thread_name_prefix="asgi-request")
        self._pending = 0
        self._lock = threading.Lock()
        self._when_idle: Callable[[RequestThread], None] | None = None

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        with self._lock:
            self._pending += 1
        future = super().submit(fn, *args, **kwargs)
        # Registered before the caller's own callback (asyncio's wrap_future), so the count is down
        # by the time the awaiting coroutine resumes.
        future.add_done_callback(self._done)
        return future

    def _done(self, _future: Future[Any]) -> None:
        with self._lock:
            self._pending -= 1
            callback = self._when_idle if self._pending == 0 else None
            if callback is not None:
                self._when_idle = None
        if callback is not None:
            callback(self)

    def when_idle(self, callback: Callable[[RequestThread], None]) -> None:
        """`callback(self)` now if no work is queued or running, else once the last of it is done."""
        with self._lock:
            if self._pending:
                self._when_idle = callback
                return
        callback(self)


class RequestThreadPool:
    def __init__(self, max_idle: int = MAX_IDLE_THREADS) -> None:
        self._idle: deque[RequestThread] = deque()
        self._lock = threading.Lock()
        self._max_idle = max_idle

    def take(self) -> RequestThread:
        with self._lock:
            if self._idle:
                return self._idle.pop()  # the most recently used: its thread and connection are warm
        return RequestThread()

    def give_back(self, executor: RequestThread) -> None:
        executor.when_idle(self._idle_again)

    def _idle_again(self, executor: RequestThread) -> None:
        with self._lock:
            if len(self._idle) < self._max_idle:
                self._idle.append(executor)
                return
        # One thread too many: its database connections are closed on it before it ends.
        executor.submit(connections.close_all)
        executor.shutdown(wait=False)


class PooledThreadASGIHandler(ASGIHandler):
    """`ASGIHandler` whose per-request thread-sensitive context runs on a pooled thread."""

    def __init__(self) -> None:
        super().__init__()
        self.threads = RequestThreadPool()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        executor = self.threads.take()
        try:
            async with ThreadSensitiveContext(executor=executor):
                await self.handle(scope, receive, send)
        finally:
            self.threads.give_back(executor)


class FastRoute(ASGIHandler):
    """One hot route's plain requests through Django's middleware and view, without the handler's
    per-request work; every other request goes to `fallback` (Django's handler) unchanged.

    For a request of route `url_name` (found by the URL patterns of that route alone, with Django's own
    matching) that `eligible(request)` accepts, this skips what `ASGIHandler.handle` adds around the
    middleware chain: walking the whole URLconf (about sixty patterns before this route), the request's
    thread-sensitive context and the two thread hops of the `request_started` / `request_finished`
    receivers. Those receivers reset and close the database connections and caches of the request's
    thread; an eligible request runs no sync code in one (its view is async and answers on the event
    loop, a lookup it must make goes to a worker thread of the loop's default pool), so they have
    nothing to do for it and are not sent. The middleware chain, view middleware, exception handling
    (error pages included) and response encoding are Django's, called as its handler calls them.
    """

    def __init__(
        self,
        fallback: Any,
        *,
        url_name: str,
        path_contains: str,
        eligible: Callable[[HttpRequest], bool],
        idle_middleware: Collection[str] = (),
    ) -> None:
        self.idle_middleware = frozenset(idle_middleware)
        super().__init__()  # the middleware chain, as Django's handler builds it (less the idle ones)
        self.fallback = fallback
        self.url_name = url_name
        self.path_contains = path_contains  # a cheap first test, before a request object is built
        self.eligible = eligible
        self._patterns: list[Any] | None = None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        request = self._eligible_request(scope)
        if request is None:
            await self.fallback(scope, receive, send)
            return
        if not await self._body_drained(receive):
            return  # the client went away before its request was complete, as Django's handler does
        script_prefix_set(scope)
        response = await self.get_response_async(request)
        if response.streaming and _longer_than_a_chunk(response):
            await self._streamed_until_disconnect(response, receive, send)
        else:
            await self.send_response(response, send)

    async def get_response_async(self, request: HttpRequest) -> Any:
        """Django's `get_response_async` less its `set_urlconf(ROOT_URLCONF)`: that sets a context-local only
        so that a request's own `urlconf` (read in `resolve_request`, which this route replaces) does not
        outlive it; unset, every resolver lookup reads ROOT_URLCONF all the same, and the set cost about
        as much as the route's own matching."""
        response = await self._middleware_chain(request)  # type: ignore[attr-defined]  # set by load_middleware
        response._resource_closers.append(request.close)
        if response.status_code >= 400:
            await sync_to_async(log_response, thread_sensitive=False)(
                "%s: %s", response.reason_phrase, request.path, response=response, request=request
            )
        return response

    async def send_response(self, response: Any, send: Any) -> None:
        """Django's `send_response`; an answer held in memory without cookies (a small file, an error) goes as
        one start and one body message, without Django's chunking generator and per-header type checks."""
        if response.streaming or response.cookies:
            await super().send_response(response, send)
            return
        headers = [(name.encode("ascii"), value.encode("latin1")) for name, value in response.items()]
        await send({"type": "http.response.start", "status": response.status_code, "headers": headers})
        await send({"type": "http.response.body", "body": response.content, "more_body": False})

    def _eligible_request(self, scope: dict[str, Any]) -> HttpRequest | None:
        """The request, matched to the route, when this path serves it; None sends it to Django's handler."""
        if scope["type"] != "http" or scope["method"] != "GET" or self.path_contains not in scope["path"]:
            return None
        try:
            request = self.request_class(scope, io.BytesIO())
        except Exception:  # noqa: BLE001 - Django's handler answers a request it cannot build its own way
            return None
        match = self.match(request.path_info)
        if match is None or not self.eligible(request):
            return None
        request.resolver_match = match
        return request

    def load_middleware(self, is_async: bool = False) -> None:
        """Django's own `load_middleware`, reading MIDDLEWARE less `idle_middleware`: middleware that does
        nothing for an eligible request (it only acts on a session, a user, messages, a CSRF cookie or a
        static file, which such a request never has or reads). Anything else in MIDDLEWARE runs."""
        configured = settings.MIDDLEWARE
        try:
            settings.MIDDLEWARE = [path for path in configured if path not in self.idle_middleware]
            super().load_middleware(is_async=is_async)
        finally:
            settings.MIDDLEWARE = configured

    def resolve_request(self, request: HttpRequest) -> ResolverMatch:
        return request.resolver_match  # type: ignore[return-value]  # matched in __call__

    def match(self, path: str) -> ResolverMatch | None:
        """The route's match of `path` with its own URL patterns (Django's matching), or None."""
        if self._patterns is None:
            self._patterns = _patterns_to(get_resolver(), self.url_name)
        remaining, kwargs = path, {}
        for level in self._patterns:
            matched = level.pattern.match(remaining)
            if not matched:
                return None
            remaining, _, captured = matched
            kwargs.update(captured)
        if remaining:  # the last pattern is anchored at its end: nothing may be left
            return None
        route = self._patterns[-1]
        return ResolverMatch(route.callback, (), kwargs, url_name=route.name, route=str(route.pattern))

    async def _body_drained(self, receive: Any) -> bool:
        """Read and drop a GET's body (rare; this route never looks at it), so that a later receive()
        can only say the client went away; False when it went away already."""
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return False
            if not message.get("more_body"):
                return True

    async def _streamed_until_disconnect(self, response: Any, receive: Any, send: Any) -> None:
        """Like Django's handler: a client that goes away stops the stream (and the upstream read)."""
        sending = asyncio.create_task(self.send_response(response, send))
        watching = asyncio.create_task(self.listen_for_disconnect(receive))
        await asyncio.wait([sending, watching], return_when=asyncio.FIRST_COMPLETED)
        for task in (watching, sending):
            if not task.done():
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError, RequestAborted):
                await task


def script_prefix_set(scope: dict[str, Any]) -> None:
    """Django's `set_script_prefix(get_script_prefix(scope))`, skipped when the prefix is "/": that is what an
    unset prefix reads as, and each request's context starts unset (ambient/asgi.py sets Django up without
    one); setting it anyway cost about as much as the route's own matching."""
    prefix = get_script_prefix(scope)
    if prefix not in ("", "/"):
        set_script_prefix(prefix)


def _longer_than_a_chunk(response: Any) -> bool:
    length = response.get("Content-Length")
    return length is None or not length.isdigit() or int(length) > STREAM_CHUNK_BYTES


def _patterns_to(resolver: URLResolver, url_name: str) -> list[Any]:
    """The patterns from `resolver` down to the URL pattern named `url_name` (resolvers first)."""
    for entry in resolver.url_patterns:
        if isinstance(entry, URLPattern) and entry.name == url_name:
            return [resolver, entry]
        if isinstance(entry, URLResolver):
            with contextlib.suppress(LookupError):
                return [resolver, *_patterns_to(entry, url_name)]
    raise LookupError(url_name)
