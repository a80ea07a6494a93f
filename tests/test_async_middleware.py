"""The middleware chain under ASGI: Django's hooks run on the event loop (no thread hop), still applied,
and the deployment checks that Django makes of its own classes hold for the subclasses."""

from __future__ import annotations

import asyncio

from asgiref import sync
from django.test import AsyncClient

from ambient.async_middleware import security_middleware_installed

PLAIN_ASYNC_PATH = "/healthz"


def test_the_deployment_checks_accept_the_subclasses_and_miss_a_removed_one(settings):
    assert security_middleware_installed(None) == []
    settings.MIDDLEWARE = [path for path in settings.MIDDLEWARE if not path.endswith("CsrfViewMiddleware")]
    assert [message.id for message in security_middleware_installed(None)] == ["ambient.W003"]


def test_headers_of_every_middleware_are_set_under_asgi(db):
    response = asyncio.run(AsyncClient().get("/api/no-such-route"))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"  # ApiErrorMiddleware
    assert response["X-Frame-Options"] == "DENY"  # XFrameOptionsMiddleware
    assert response["X-Content-Type-Options"] == "nosniff"  # SecurityMiddleware
    assert response["X-Request-ID"]  # RequestIdMiddleware


def test_no_middleware_hook_leaves_the_event_loop(db, monkeypatch):
    hops: list[str] = []
    original = sync.SyncToAsync.__call__

    async def counted(self, *args, **kwargs):
        hops.append(getattr(self.func, "__qualname__", repr(self.func)))
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(sync.SyncToAsync, "__call__", counted)
    asyncio.run(AsyncClient().get("/api/no-such-route"))
    assert not [hop for hop in hops if "process_" in hop or "Middleware" in hop], hops


def test_a_csrf_secret_kept_in_the_session_is_read_in_a_thread(db, settings):
    settings.CSRF_USE_SESSIONS = True
    response = asyncio.run(AsyncClient().get("/api/no-such-route"))
    assert response.status_code == 404
    assert response["X-Frame-Options"] == "DENY"
