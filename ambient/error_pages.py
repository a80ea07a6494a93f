"""Errors Django answers itself (not DRF): API clients get the JSON error shape, browsers the usual pages.

DRF renders errors of its own views (JSON, or the browsable API's page). What Django answers outside
a DRF view — an unknown path (in DEBUG, its yellow "Page not found" page), a body over
`DATA_UPLOAD_MAX_MEMORY_SIZE` caught before a view reads it, a plain view's 405 — is rewritten by
`ApiErrorMiddleware` for `/api/` paths, so clients see `{"error", "code", "details"}` in every settings
mode. The 404/500 handlers do the same where Django calls them (DEBUG off).
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.views import defaults

from ambient.middleware_base import DualModeMiddleware

API_PREFIX = "/api/"
# Django's own error answers under /api/ that are rewritten; a 500 in DEBUG keeps the debug page,
# which is the developer's tool for a bug (DEBUG off, `server_error` below answers JSON).
_REWRITTEN = {
    HTTPStatus.BAD_REQUEST: ("bad_request", "The request could not be read; check the body and headers."),
    HTTPStatus.FORBIDDEN: ("forbidden", "Refused (for a browser form: the CSRF check failed; reload the page)."),
    HTTPStatus.NOT_FOUND: ("not_found", ""),
    HTTPStatus.METHOD_NOT_ALLOWED: ("method_not_allowed", ""),
    HTTPStatus.REQUEST_ENTITY_TOO_LARGE: ("payload_too_large", ""),
}


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def _error(status: int, code: str, message: str, **details: object) -> JsonResponse:
    return JsonResponse({"error": message, "code": code, "details": details}, status=status)


def _not_found_message(path: str) -> str:
    return f"No API endpoint at {path}; see /api/docs/ for the routes."


def _too_large_message() -> str:
    return f"The request body is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes; send less."


def _declared_length(request: HttpRequest) -> int:
    raw = request.META.get("CONTENT_LENGTH") or ""
    return int(raw) if raw.isdigit() else 0


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _wants_json(request):
        return _error(HTTPStatus.NOT_FOUND, "not_found", _not_found_message(request.path))
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if _wants_json(request):
        message = "Internal error; it has been logged. Retry, or report it if it persists."
        return _error(HTTPStatus.INTERNAL_SERVER_ERROR, "internal_error", message)
    return defaults.server_error(request)


def _is_drf_response(response: HttpResponseBase) -> bool:
    from rest_framework.response import Response  # noqa: PLC0415 - DRF loads with the apps, not this module

    return isinstance(response, Response)


def _as_json_error(request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
    status = response.status_code
    if (
        status not in _REWRITTEN
        or _is_drf_response(response)
        or response.get("Content-Type", "").startswith("application/json")
    ):
        return response
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if status == HTTPStatus.BAD_REQUEST and limit is not None and _declared_length(request) > limit:
        # Django turns an oversized body read before any view into a bare 400 (a SuspiciousOperation).
        status = HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    code, message = _REWRITTEN[HTTPStatus(status)]
    if status == HTTPStatus.NOT_FOUND:
        message = _not_found_message(request.path)
    elif status == HTTPStatus.METHOD_NOT_ALLOWED:
        message = f"Method {request.method} is not allowed here (allowed: {response.get('Allow', 'none')})."
    elif status == HTTPStatus.REQUEST_ENTITY_TOO_LARGE:
        message = _too_large_message()
    rewritten = _error(status, code, message)
    if response.has_header("Allow"):
        rewritten["Allow"] = response["Allow"]
    return rewritten


class ApiErrorMiddleware(DualModeMiddleware):
    """The JSON error shape for Django's own error answers under `/api/` (see the module docstring)."""

    def handle_sync(self, request: HttpRequest) -> Any:
        response = self.get_response(request)
        if not _wants_json(request):
            return response
        return _as_json_error(request, response)

    async def handle_async(self, request: HttpRequest) -> HttpResponseBase:
        response = await self.get_response(request)
        if not _wants_json(request):
            return response
        return _as_json_error(request, response)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """A view outside DRF that read too large a body: 413 rather than Django's bare 400."""
        from django.core.exceptions import RequestDataTooBig  # noqa: PLC0415

        if _wants_json(request) and isinstance(exception, RequestDataTooBig):
            return _error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "payload_too_large", _too_large_message())
        return None
