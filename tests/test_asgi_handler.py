"""Django's ASGI handler with pooled request threads (ambient/asgi_handler.py): one request's sync work on
one thread, never shared with another request in flight, and the thread lent again once it is idle."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.core.handlers.asgi import ASGIHandler
from django.http import HttpResponse, JsonResponse
from django.http.response import HttpResponseBase

from ambient.asgi_handler import FastRoute, RequestThread, RequestThreadPool


async def _thread_of_a_request(pool: RequestThreadPool, hold: float = 0.0) -> tuple[int, int]:
    """The threads two thread-sensitive calls of one request ran on."""
    executor = pool.take()
    try:
        async with ThreadSensitiveContext(executor=executor):

            def ident() -> int:
                time.sleep(hold)
                return threading.get_ident()

            first = await sync_to_async(ident)()
            second = await sync_to_async(ident)()
    finally:
        pool.give_back(executor)
    return first, second


def test_a_requests_sync_work_runs_on_one_thread_and_the_next_request_reuses_it() -> None:
    pool = RequestThreadPool()
    first = asyncio.run(_thread_of_a_request(pool))
    second = asyncio.run(_thread_of_a_request(pool))
    assert first[0] == first[1] != threading.get_ident()
    assert second == first


def test_requests_in_flight_never_share_a_thread() -> None:
    pool = RequestThreadPool()

    async def both() -> list[tuple[int, int]]:
        return list(await asyncio.gather(*(_thread_of_a_request(pool, hold=0.05) for _ in range(4))))

    threads = asyncio.run(both())
    assert all(a == b for a, b in threads)
    assert len({a for a, _ in threads}) == 4


def test_a_thread_still_busy_when_its_request_ended_is_lent_only_once_idle() -> None:
    pool = RequestThreadPool()
    executor = pool.take()
    release = threading.Event()
    executor.submit(release.wait, 5)  # work left running (its request was cancelled)
    pool.give_back(executor)
    assert pool.take() is not executor
    release.set()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        taken = pool.take()
        if taken is executor:
            break
        time.sleep(0.01)
    else:
        raise AssertionError("the thread never came back to the pool")


def test_threads_beyond_the_idle_limit_end() -> None:
    pool = RequestThreadPool(max_idle=1)
    kept, extra = pool.take(), pool.take()
    for executor in (kept, extra):
        executor.submit(lambda: None).result()
        pool.give_back(executor)
    assert pool.take() is kept
    assert extra._shutdown  # ThreadPoolExecutor's own flag
    assert pool.take() is not extra


def test_when_idle_is_called_at_once_for_an_idle_thread() -> None:
    executor = RequestThread()
    seen: list[Any] = []
    executor.when_idle(seen.append)
    assert seen == [executor]
    executor.shutdown()


def _sent(send_response: Any, response: HttpResponseBase) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    asyncio.run(send_response(response, send))
    return messages


def _joined(messages: list[dict[str, Any]]) -> tuple[Any, ...]:
    start, *bodies = messages
    return start["status"], start["headers"], b"".join(body.get("body", b"") for body in bodies)


def _answers() -> list[HttpResponseBase]:
    small = HttpResponse(b"x" * 4096, content_type="text/plain", headers={"X-Request-ID": "abc"})
    large = HttpResponse(b"y" * (3 * ASGIHandler.chunk_size + 5), status=201)
    error = JsonResponse({"error": "no"}, status=409)
    with_cookie = HttpResponse(b"c")
    with_cookie.set_cookie("name", "value")
    return [small, large, error, with_cookie]


def test_the_fast_routes_answers_are_sent_as_djangos_handler_sends_them() -> None:
    """Same status, headers (cookies included) and body; an answer in memory goes in one body message."""
    fast = FastRoute(None, url_name="unused", path_contains="/unused/", eligible=lambda request: False)
    for answer in _answers():
        ours, djangos = _sent(fast.send_response, answer), _sent(ASGIHandler.send_response.__get__(fast), answer)
        assert _joined(ours) == _joined(djangos)
        assert ours[-1].get("more_body", False) is False
        if not answer.cookies:
            assert len(ours) == 2


def test_the_fast_route_sets_a_script_prefix_other_than_the_default() -> None:
    import contextvars

    from django.urls import get_script_prefix

    from ambient.asgi_handler import script_prefix_set

    def prefix_after(root_path: str) -> str:
        script_prefix_set({"root_path": root_path})
        return get_script_prefix()

    # Each in a fresh context, as uvicorn runs each request.
    assert contextvars.Context().run(prefix_after, "/mount") == "/mount/"
    assert contextvars.Context().run(prefix_after, "") == "/"
