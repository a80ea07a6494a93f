"""GET …/workspace/{path} under ASGI is answered by the plain async view (no DRF, no thread per request)
with the DRF action's checks and answers; everything it does not serve falls back to the DRF action."""

from __future__ import annotations

import asyncio
import base64
import threading
from typing import Any

import kubernetes.client
import pytest
from django.http import StreamingHttpResponse
from django.test import AsyncClient

from ambient.content.client import forget_content_tokens
from ambient.contract import SECRET_KEY_CONTENT_TOKEN, token_secret_name
from sessions.access_cache import CacheMiss, ExpiringCache, answered_without_blocking
from tests.api.support import sessions_url

pytestmark = [pytest.mark.localkube, pytest.mark.integration]


def fetch(url: str, token: str | None, **headers: str) -> Any:
    async def get() -> Any:
        client = AsyncClient()
        if token:
            headers["Authorization"] = f"Bearer {token}"
        response = await client.get(url, headers=headers)
        if isinstance(response, StreamingHttpResponse):
            body = b"".join([chunk async for chunk in response.streaming_content])
        else:
            body = response.content
        return response, body

    return asyncio.run(get())


def test_a_file_is_served_on_the_event_loop(admin_token, project, served):
    (served.root / "notes").mkdir()
    (served.root / "notes" / "a.txt").write_bytes(b"x" * 4096)
    response, body = fetch(sessions_url(project, "s1", "workspace/notes/a.txt"), admin_token)
    assert response.status_code == 200
    assert body == b"x" * 4096
    assert response["Content-Length"] == "4096"
    assert "Allow" not in response  # DRF adds Allow to what its views answer: this one came from the async view
    assert served.received[-1].query == {"path": "notes/a.txt"}


def test_the_content_services_errors_are_relayed(admin_token, project, served):
    response, _ = fetch(sessions_url(project, "s1", "workspace/nothing/here.txt"), admin_token)
    assert response.status_code == 404
    assert set(response.json()) == {"error", "code", "details"}


def test_a_token_the_api_server_refuses_is_401_with_the_error_shape(project, served):
    response, _ = fetch(sessions_url(project, "s1", "workspace/a.txt"), "not-a-real-token")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert set(response.json()) == {"error", "code", "details"}
    assert served.received == []


def test_no_token_falls_back_to_the_drf_action(project, served):
    response, _ = fetch(sessions_url(project, "s1", "workspace/a.txt"), None)
    assert response.status_code == 401
    assert served.received == []


def test_a_caller_without_a_role_in_the_project_is_403(make_user, project, served):
    _, token = make_user(None)
    response, _ = fetch(sessions_url(project, "s1", "workspace/a.txt"), token)
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert served.received == []


def test_a_project_that_is_not_managed_is_404(make_user, django_kube, served):
    plain = django_kube.create_namespace("plain-")
    _, token = make_user("admin", plain)
    response, _ = fetch(sessions_url(plain, "s1", "workspace/a.txt"), token)
    assert response.status_code == 404
    assert response.json()["code"] == "project_not_found"
    assert served.received == []


@pytest.mark.parametrize("path", ["workspace/a/../../b", "workspace/-rf", "workspace/a%00b"])
def test_bad_paths_never_reach_the_content_service(admin_token, project, served, path):
    response, _ = fetch(sessions_url(project, "s1", path), admin_token)
    assert response.status_code in (400, 404)
    assert served.received == []


def test_an_unreachable_content_service_is_503_with_a_hint(
    admin_token, project, running_session, content_token, settings
):
    running_session(project, "s1")
    content_token(project, "s1")
    settings.CONTENT_SERVICE_ROUTE = "direct"
    settings.CONTENT_SERVICE_URL_TEMPLATE = "http://127.0.0.1:9"  # discard port: nothing listens
    response, _ = fetch(sessions_url(project, "s1", "workspace/a.txt"), admin_token)
    assert response.status_code == 503
    assert response.json()["code"] == "content_service_unavailable"
    assert "k8s-resources" in response.json()["error"]
    forget_content_tokens()


def test_a_session_that_is_not_running_is_409(admin_token, project, seed_session, content_token, settings):
    seed_session(project, "idle", phase="Stopped")
    content_token(project, "idle")
    settings.CONTENT_SERVICE_ROUTE = "direct"
    settings.CONTENT_SERVICE_URL_TEMPLATE = "http://127.0.0.1:9"
    response, _ = fetch(sessions_url(project, "idle", "workspace/a.txt"), admin_token)
    assert response.status_code == 409
    assert response.json()["code"] == "session_not_running"
    forget_content_tokens()


def test_a_rotated_content_token_is_read_again_once(admin_token, project, served, django_kube):
    (served.root / "a.txt").write_bytes(b"first")
    assert fetch(sessions_url(project, "s1", "workspace/a.txt"), admin_token)[1] == b"first"
    served.token = "rotated-" + served.token  # the session restarted with a new token, written to its Secret
    secret = {"data": {SECRET_KEY_CONTENT_TOKEN: base64.b64encode(served.token.encode()).decode()}}
    kubernetes.client.CoreV1Api(django_kube.api_client()).patch_namespaced_secret(
        token_secret_name("s1"), project, secret
    )
    response, body = fetch(sessions_url(project, "s1", "workspace/a.txt"), admin_token)
    assert response.status_code == 200
    assert body == b"first"


def test_checks_run_on_the_loop_when_answers_are_cached_and_in_a_thread_when_not() -> None:
    cache: ExpiringCache[bool] = ExpiringCache(ttl_seconds=60)
    threads: list[int] = []

    def check() -> bool:
        threads.append(threading.get_ident())
        return cache.get_or_compute("key", lambda: True, keep=bool)

    async def run() -> int:
        assert await answered_without_blocking(check)  # missing: looked up in a thread
        assert await answered_without_blocking(check)  # cached: answered on the loop
        return threading.get_ident()

    loop_thread = asyncio.run(run())
    assert threads[0] == loop_thread  # the first try ran on the loop and stopped at the miss …
    assert threads[1] != loop_thread  # … the lookup went to a thread …
    assert threads[2] == loop_thread  # … and the cached answer was used on the loop


def test_a_cache_miss_outside_an_async_check_is_looked_up() -> None:
    cache: ExpiringCache[int] = ExpiringCache(ttl_seconds=60)
    assert cache.get_or_compute("key", lambda: 7, keep=bool) == 7
    assert issubclass(CacheMiss, Exception)
