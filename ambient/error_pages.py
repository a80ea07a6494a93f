"""Django's 404/500 handlers: API clients get the JSON error shape, browsers the usual pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults

API_PREFIX = "/api/"


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _wants_json(request):
        message = f"No API endpoint at {request.path}; see /api/docs/ for the routes."
        return JsonResponse({"error": message, "code": "not_found", "details": {}}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if _wants_json(request):
        body = {
            "error": "Internal error; it has been logged. Retry, or report it if it persists.",
            "code": "internal_error",
            "details": {},
        }
        return JsonResponse(body, status=500)
    return defaults.server_error(request)
