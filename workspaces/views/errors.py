"""Every content-service answer is JSON, unknown routes and crashes included."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse


def not_found(request: HttpRequest, exception: Exception) -> JsonResponse:
    body = {"error": "No content-service route at this path; see API.md.", "code": "not_found", "details": {}}
    return JsonResponse(body, status=404)


def server_error(request: HttpRequest) -> JsonResponse:
    body = {
        "error": "Internal error in the content service; it has been logged.",
        "code": "internal_error",
        "details": {},
    }
    return JsonResponse(body, status=500)
