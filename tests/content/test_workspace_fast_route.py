"""The api's ASGI application serves `GET …/workspace/{path}` with a bearer token through `FastRoute`
(ambient/asgi_handler.py): the same answers as Django's full handler, without its per-request work, and
everything else through Django's handler unchanged.

Requests are made to the ASGI application itself, as uvicorn makes them.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

import pytest

from ambient import asgi
from ambient.asgi_handler import FastRoute
from ambient.content.aio import content_get
from ambient.content.client import forget_content_tokens
from ambient.content.endpoint import ContentEndpoint
from ambient.exceptions import Unavailable
from sessions.views.workspace_file import (
    FILE_GET_URL_NAME,
    IDLE_MIDDLEWARE_FOR_FILE_GET,
    served_on_the_loop,
)
from tests.api.support import sessions_url

pytestmark = [pytest.mark.localkube, pytest.mark.integration]

App = Callable[..., Any]
# Headers that differ between two answers to the same request whatever served them.
PER_REQUEST_HEADERS = {"x-request-id"}


class Counted:
    """Django's handler, counting the requests that reach it."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.calls = 0

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        self.calls += 1
        await self.app(scope, receive, send)


@pytest.fixture
def django_handler() -> Counted:
    return Counted(asgi.django_asgi_app)


@pytest.fixture
def fast(django_handler: Counted) -> FastRoute:
    return FastRoute(
        django_handler,
        url_name=FILE_GET_URL_NAME,
        path_contains="/workspace/",
        eligible=served_on_the_loop,
        idle_middleware=IDLE_MIDDLEWARE_FOR_FILE_GET,
    )


def scope_of(url: str, method: str, headers: dict[str, str]) -> dict[str, Any]:
    raw_path, _, query = url.partition("?")
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": unquote(raw_path),  # as uvicorn decodes it
        "raw_path": raw_path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(name.lower().encode(), value.encode()) for name, value in headers.items()],
        "client": ("127.0.0.1", 40000),
        "server": ("testserver", 80),
    }


def call(
    app: App,
    url: str,
    *,
    token: str | None = None,
    method: str = "GET",
    disconnect_after: int | None = None,
    **extra: str,
) -> tuple[int, dict[str, str], bytes, int]:
    """(status, headers, body, body messages) of one request; `disconnect_after` body messages, the client leaves."""
    headers = {"host": "testserver", **extra}
    if token:
        headers["authorization"] = f"Bearer {token}"

    async def run() -> tuple[int, dict[str, str], bytes, int]:
        start: dict[str, Any] = {}
        body: list[bytes] = []
        gone = asyncio.Event()
        requested = False

        async def receive() -> dict[str, Any]:
            nonlocal requested
            if not requested:
                requested = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await gone.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message.get("body"):
                body.append(message["body"])
                if disconnect_after is not None and len(body) >= disconnect_after:
                    gone.set()

        await asyncio.wait_for(app(scope_of(url, method, headers), receive, send), timeout=30)
        answer_headers = {name.decode().lower(): value.decode() for name, value in start["headers"]}
        return start["status"], answer_headers, b"".join(body), len(body)

    return asyncio.run(run())


def same_answer(
    fast: FastRoute, django_handler: Counted, url: str, **options: Any
) -> tuple[int, dict[str, str], bytes]:
    """The answer of the fast route, checked equal to Django's handler's (headers, status and body)."""
    before = django_handler.calls
    status, headers, body, _ = call(fast, url, **options)
    assert django_handler.calls == before, "the fast route handed this request to Django"
    forget_content_tokens()
    reference_status, reference_headers, reference_body, _ = call(django_handler.app, url, **options)
    assert status == reference_status
    assert body == reference_body
    drop = PER_REQUEST_HEADERS
    assert {k: v for k, v in headers.items() if k not in drop} == {
        k: v for k, v in reference_headers.items() if k not in drop
    }
    assert headers["x-request-id"]
    return status, headers, body


def test_a_file_answers_as_through_django(admin_token, project, served, fast, django_handler):
    (served.root / "notes").mkdir()
    (served.root / "notes" / "a.txt").write_bytes(b"x" * 4096)
    status, headers, body = same_answer(
        fast, django_handler, sessions_url(project, "s1", "workspace/notes/a.txt"), token=admin_token
    )
    assert status == 200
    assert body == b"x" * 4096
    assert headers["content-length"] == "4096"
    assert headers["x-frame-options"] == "DENY"  # Django's middleware ran
    assert served.received[-1].query == {"path": "notes/a.txt"}


def test_the_application_serves_the_route_through_the_fast_route() -> None:
    assert isinstance(asgi.http_app, FastRoute)
    assert asgi.http_app.fallback is asgi.django_asgi_app
    assert asgi.http_app.idle_middleware == set(IDLE_MIDDLEWARE_FOR_FILE_GET)


def test_the_idle_middleware_is_configured_and_the_rest_runs(settings) -> None:
    assert set(IDLE_MIDDLEWARE_FOR_FILE_GET) <= set(settings.MIDDLEWARE)  # a renamed one would run again
    assert "ambient.async_middleware.SecurityMiddleware" not in IDLE_MIDDLEWARE_FOR_FILE_GET
    assert "ambient.async_middleware.CommonMiddleware" not in IDLE_MIDDLEWARE_FOR_FILE_GET


def test_content_service_errors_are_relayed_as_through_django(admin_token, project, served, fast, django_handler):
    status, _, body = same_answer(
        fast, django_handler, sessions_url(project, "s1", "workspace/none.txt"), token=admin_token
    )
    assert status == 404
    assert b'"code"' in body


def test_a_refused_token_is_401(project, served, fast, django_handler):
    status, headers, _ = same_answer(fast, django_handler, sessions_url(project, "s1", "workspace/a.txt"), token="nope")
    assert status == 401
    assert headers["www-authenticate"] == 'Bearer realm="api"'
    assert served.received == []


def test_error_answers_are_logged_as_by_djangos_handler(project, served, fast, django_handler, caplog):
    url = sessions_url(project, "s1", "workspace/a.txt")
    with caplog.at_level(logging.WARNING, logger="django.request"):
        status, _, _, _ = call(fast, url, token="nope")
    assert status == 401
    assert django_handler.calls == 0
    assert [record.getMessage() for record in caplog.records if record.name == "django.request"] == [
        f"Unauthorized: {url}"
    ]


def test_a_caller_without_a_role_is_403(make_user, project, served, fast, django_handler):
    _, token = make_user(None)
    status, _, body = same_answer(fast, django_handler, sessions_url(project, "s1", "workspace/a.txt"), token=token)
    assert status == 403
    assert b'"forbidden"' in body
    assert served.received == []


def test_a_project_that_is_not_managed_is_404(make_user, django_kube, served, fast, django_handler):
    plain = django_kube.create_namespace("plain-")
    _, token = make_user("admin", plain)
    status, _, body = same_answer(fast, django_handler, sessions_url(plain, "s1", "workspace/a.txt"), token=token)
    assert status == 404
    assert b'"project_not_found"' in body


@pytest.mark.parametrize("path", ["workspace/a/../../b", "workspace/-rf", "workspace/a%00b", "workspace/a/%2e%2e/b"])
def test_bad_paths_never_reach_the_content_service(admin_token, project, served, fast, django_handler, path):
    status, _, _ = same_answer(fast, django_handler, sessions_url(project, "s1", path), token=admin_token)
    assert status in (400, 404)
    assert served.received == []


def test_a_session_that_is_not_running_is_409(
    admin_token, project, seed_session, content_token, settings, fast, django_handler
):
    seed_session(project, "idle", phase="Stopped")
    content_token(project, "idle")
    settings.CONTENT_SERVICE_ROUTE = "direct"
    settings.CONTENT_SERVICE_URL_TEMPLATE = "http://127.0.0.1:9"  # discard port: nothing listens
    status, _, body = same_answer(
        fast, django_handler, sessions_url(project, "idle", "workspace/a.txt"), token=admin_token
    )
    assert status == 409
    assert b'"session_not_running"' in body


def test_an_unreachable_content_service_is_503(
    admin_token, project, running_session, content_token, settings, fast, django_handler
):
    running_session(project, "s1")
    content_token(project, "s1")
    settings.CONTENT_SERVICE_ROUTE = "direct"
    settings.CONTENT_SERVICE_URL_TEMPLATE = "http://127.0.0.1:9"
    status, _, body = same_answer(
        fast, django_handler, sessions_url(project, "s1", "workspace/a.txt"), token=admin_token
    )
    assert status == 503
    assert b'"content_service_unavailable"' in body


@pytest.mark.parametrize(
    ("method", "token", "extra"),
    [
        ("GET", None, {}),  # no token: DRF's authentication answers 401
        ("GET", "t", {"accept": "text/html"}),  # the browsable API
        ("GET", "t", {"query": "format=json"}),
        ("HEAD", "t", {}),
        ("PUT", "t", {}),
    ],
)
def test_other_requests_go_to_django(project, served, fast, django_handler, method, token, extra):
    url = sessions_url(project, "s1", "workspace/a.txt")
    if "query" in extra:
        url = f"{url}?{extra.pop('query')}"
    call(fast, url, token=token, method=method, **extra)
    assert django_handler.calls == 1


def test_the_service_proxy_route_goes_to_django(admin_token, project, served, fast, django_handler, settings):
    settings.CONTENT_SERVICE_ROUTE = "service-proxy"
    call(fast, sessions_url(project, "s1", "workspace/a.txt"), token=admin_token)
    assert django_handler.calls == 1


def test_a_large_file_streams_and_stops_when_the_client_leaves(admin_token, project, served, fast, django_handler):
    payload = os.urandom(4 * 1024 * 1024 + 5)
    (served.root / "big.bin").write_bytes(payload)
    url = sessions_url(project, "s1", "workspace/big.bin")
    status, headers, body, messages = call(fast, url, token=admin_token)
    assert (status, body, headers["content-length"]) == (200, payload, str(len(payload)))
    assert messages > 1
    _, _, partial, _ = call(fast, url, token=admin_token, disconnect_after=2)
    assert len(partial) < len(payload)
    assert django_handler.calls == 0


def test_a_client_gone_before_its_request_was_read_gets_nothing(admin_token, project, served, fast, django_handler):
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = scope_of(sessions_url(project, "s1", "workspace/a.txt"), "GET", {"authorization": f"Bearer {admin_token}"})
    asyncio.run(fast(scope, receive, send))
    assert sent == []
    assert served.received == []
    assert django_handler.calls == 0


def test_a_small_body_cut_short_by_the_content_service_is_503() -> None:
    """A body of one chunk is read whole before it is sent: a connection lost on the way is the 503 of an
    unreachable content service, not a 500."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()

        def serve() -> None:
            connection, _ = listener.accept()
            with connection:
                connection.recv(65536)
                connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten b")

        threading.Thread(target=serve, daemon=True).start()
        endpoint = ContentEndpoint("p", "s1", f"http://127.0.0.1:{listener.getsockname()[1]}", {}, None)  # type: ignore[arg-type]

        async def read() -> bytes:
            answer = await content_get(endpoint, "/workspace/file", params={"path": "a"})
            return await answer.body()

        with pytest.raises(Unavailable) as raised:
            asyncio.run(read())
    assert raised.value.code == "content_service_unavailable"


def test_cookies_beside_the_token_change_nothing(admin_token, project, served, fast, django_handler):
    """The middleware the fast route leaves out would act on these cookies only if the view read them."""
    (served.root / "a.txt").write_bytes(b"a")
    cookies = "sessionid=0123456789abcdef0123456789abcdef; csrftoken=abcdefabcdefabcdefabcdefabcdefab; messages=x"
    status, headers, body = same_answer(
        fast, django_handler, sessions_url(project, "s1", "workspace/a.txt"), token=admin_token, cookie=cookies
    )
    assert (status, body) == (200, b"a")
    assert "set-cookie" not in headers
