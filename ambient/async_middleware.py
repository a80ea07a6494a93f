"""Django's stock middleware (and WhiteNoise) without a thread hop per request under ASGI.

Under ASGI, Django runs each `MiddlewareMixin` hook through `sync_to_async` (a hop to a worker thread
and back), and a sync-only middleware such as WhiteNoise's splits the chain in two: about a dozen hops
per request, ~0.5 ms each on a loaded machine, whatever the view. These subclasses call the hooks
that only read and write the request and response in memory directly on the event loop, and keep
the hop where a hook may block: saving an accessed session (the database), messages that were used,
a CSRF check that reads a form body, serving a static file. Under WSGI they are the stock classes.
"""

from __future__ import annotations

from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.conf import settings as django_settings
from django.contrib.auth import middleware as auth_middleware
from django.contrib.messages import middleware as messages_middleware
from django.contrib.sessions import middleware as sessions_middleware
from django.core.checks import CheckMessage, Tags, Warning, register
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.middleware import clickjacking, common, csrf, security
from django.utils.module_loading import import_string
from whitenoise.middleware import WhiteNoiseMiddleware  # type: ignore[import-untyped]

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class _OnTheLoop:
    """`__acall__` of `MiddlewareMixin` with the hooks called in place (they do no I/O)."""

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        response = None
        if hasattr(self, "process_request"):
            response = self.process_request(request)
        response = response or await self.get_response(request)  # type: ignore[attr-defined]
        if hasattr(self, "process_response"):
            response = await self.aprocess_response(request, response)
        return response

    async def aprocess_response(self, request: HttpRequest, response: Any) -> Any:
        return self.process_response(request, response)  # type: ignore[attr-defined]


class SecurityMiddleware(_OnTheLoop, security.SecurityMiddleware):
    pass


class CommonMiddleware(_OnTheLoop, common.CommonMiddleware):
    pass


class AuthenticationMiddleware(_OnTheLoop, auth_middleware.AuthenticationMiddleware):
    pass  # request.user stays lazy: it is read (from the session) where a view asks for it


class XFrameOptionsMiddleware(_OnTheLoop, clickjacking.XFrameOptionsMiddleware):
    pass


class SessionMiddleware(_OnTheLoop, sessions_middleware.SessionMiddleware):
    async def aprocess_response(self, request: HttpRequest, response: Any) -> Any:
        if request.session.accessed:  # it may be saved: a database write
            return await sync_to_async(self.process_response, thread_sensitive=True)(request, response)
        return self.process_response(request, response)


class MessageMiddleware(_OnTheLoop, messages_middleware.MessageMiddleware):
    async def aprocess_response(self, request: HttpRequest, response: Any) -> Any:
        storage = getattr(request, "_messages", None)
        if storage is not None and (storage.used or storage.added_new):  # stored in the session: may load it
            return await sync_to_async(self.process_response, thread_sensitive=True)(request, response)
        return self.process_response(request, response)


class CsrfViewMiddleware(_OnTheLoop, csrf.CsrfViewMiddleware):
    def __init__(self, get_response: Any) -> None:
        super().__init__(get_response)
        if self.async_mode and not django_settings.CSRF_USE_SESSIONS:
            # Django wraps a sync process_view in a thread hop; a coroutine function it calls as it is.
            self.process_view = self._aprocess_view  # type: ignore[method-assign, assignment]

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        if django_settings.CSRF_USE_SESSIONS:  # the secret lives in the session: reading it may load it
            return await csrf.CsrfViewMiddleware.__acall__(self, request)  # Django's, with its thread hops
        return await super().__acall__(request)

    async def _aprocess_view(self, request: HttpRequest, callback: Any, args: Any, kwargs: Any) -> Any:
        check = super().process_view
        if request.method in SAFE_METHODS or getattr(callback, "csrf_exempt", False):
            return check(request, callback, args, kwargs)  # nothing to read
        return await sync_to_async(check, thread_sensitive=True)(request, callback, args, kwargs)  # reads the form


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    """WhiteNoise, async-capable: a path that is not a static file goes on without leaving the loop."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Any, settings: Any = None) -> None:
        if settings is None:
            super().__init__(get_response)
        else:
            super().__init__(get_response, settings)
        self.async_mode = iscoroutinefunction(get_response)
        if self.async_mode:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        if self.async_mode:
            return self.__acall__(request)
        return super().__call__(request)

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        static_file = None
        if not self.autorefresh:
            static_file = self.files.get(request.path_info)
        elif request.path_info.startswith(self.static_prefix) or any(
            request.path_info.startswith(prefix) for _, prefix in self.directories
        ):
            static_file = await sync_to_async(self.find_file, thread_sensitive=False)(request.path_info)
        if static_file is not None:
            return await sync_to_async(self.serve, thread_sensitive=False)(static_file, request)
        return await self.get_response(request)


# Django's deployment checks look for its own dotted paths in MIDDLEWARE; these say the same of the
# subclasses above (settings silence security.W001-W003, which would otherwise flag them as missing).
_REQUIRED: tuple[tuple[str, type, str], ...] = (
    ("ambient.W001", security.SecurityMiddleware, "HSTS, nosniff, referrer policy and SSL redirect settings"),
    ("ambient.W002", clickjacking.XFrameOptionsMiddleware, "the X-Frame-Options header"),
    ("ambient.W003", csrf.CsrfViewMiddleware, "cross-site request forgery protection"),
)


@register(Tags.security, deploy=True)
def security_middleware_installed(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    """The deployment checks Django makes of its security middleware, accepting subclasses."""
    installed = [import_string(path) for path in django_settings.MIDDLEWARE]
    return [
        Warning(f"No {required.__name__} (or a subclass) in MIDDLEWARE: {what} are off.", id=check_id)
        for check_id, required, what in _REQUIRED
        if not any(isinstance(entry, type) and issubclass(entry, required) for entry in installed)
    ]
