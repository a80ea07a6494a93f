"""One error vocabulary for the whole API, and the one handler that renders it.

Services raise `ApplicationError` subclasses; Kubernetes `ApiException`s and DRF's own
exceptions are translated here too, so every error body is
`{"error": <what went wrong and what to do>, "code": <stable code>, "details": {...}}`.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from kubernetes.client.exceptions import ApiException
from rest_framework import exceptions as drf_exceptions
from rest_framework import status
from rest_framework.response import Response

logger = logging.getLogger(__name__)


class ApplicationError(Exception):
    status_code: int = status.HTTP_400_BAD_REQUEST
    code = "error"
    default_message = "The request could not be completed."

    def __init__(self, message: str | None = None, *, code: str | None = None, details: dict | None = None):
        self.message = message or self.default_message
        if code:
            self.code = code
        self.details = details or {}
        super().__init__(self.message)


class InvalidInput(ApplicationError):
    status_code = status.HTTP_400_BAD_REQUEST
    code = "invalid_input"
    default_message = "The request body or parameters are invalid."


class Unauthenticated(ApplicationError):
    status_code = status.HTTP_401_UNAUTHORIZED
    code = "unauthenticated"
    default_message = "Send a Kubernetes bearer token in the Authorization header."


class Forbidden(ApplicationError):
    status_code = status.HTTP_403_FORBIDDEN
    code = "forbidden"
    default_message = "You are not allowed to do this; ask a project admin for access."


class NotFound(ApplicationError):
    status_code = status.HTTP_404_NOT_FOUND
    code = "not_found"
    default_message = "Not found."


class Conflict(ApplicationError):
    status_code = status.HTTP_409_CONFLICT
    code = "conflict"
    default_message = "The resource changed or is in a state that does not allow this; re-read and retry."


class Gone(ApplicationError):
    status_code = status.HTTP_410_GONE
    code = "gone"
    default_message = "This endpoint no longer exists."


class PayloadTooLarge(ApplicationError):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    code = "payload_too_large"
    default_message = "The request is larger than the cluster stores for one object; send less."


class Unavailable(ApplicationError):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    code = "unavailable"
    default_message = "A service this request depends on is unavailable; retry shortly."


class UpstreamError(ApplicationError):
    status_code = status.HTTP_502_BAD_GATEWAY
    code = "upstream_error"
    default_message = "The Kubernetes API failed to handle the request; retry shortly."


# Kubernetes answers → ours. A client error upstream stays a client error here (never a 500).
_KUBE_STATUS_MAP: dict[int, type[ApplicationError]] = {
    400: InvalidInput,
    401: Unauthenticated,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    410: Gone,
    413: PayloadTooLarge,
    422: InvalidInput,
}


def kubernetes_error(exc: ApiException) -> ApplicationError:
    """Translate a Kubernetes `ApiException` (its `Status` body) into an `ApplicationError`."""
    kube_status = _parse_status_body(exc.body)
    message = kube_status.get("message") or exc.reason or "Kubernetes API error"
    details: dict[str, Any] = {"kubernetes": {"code": exc.status, "reason": kube_status.get("reason", exc.reason)}}
    causes = (kube_status.get("details") or {}).get("causes")
    if causes:
        details["fields"] = {c.get("field", ""): c.get("message", "") for c in causes}
    error_class = _KUBE_STATUS_MAP.get(int(exc.status or 0))
    if error_class is None:
        if exc.status in (502, 503, 504) or not exc.status:
            return Unavailable(f"Kubernetes API unavailable: {message}", details=details)
        return UpstreamError(f"Kubernetes API error: {message}", details=details)
    code = "invalid_input" if error_class is InvalidInput else error_class.code
    return error_class(message, code=code, details=details)


def _parse_status_body(body: Any) -> dict[str, Any]:
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if not isinstance(body, str) or not body:
        return {}
    try:
        parsed = json.loads(body)
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _drf_error(exc: drf_exceptions.APIException) -> ApplicationError:
    """DRF's own exceptions (validation, parsing, auth, throttling) in our body shape."""
    if isinstance(exc, drf_exceptions.ValidationError):
        return InvalidInput(_validation_summary(exc.detail), details={"fields": exc.detail})
    error = ApplicationError(str(exc.detail), code=str(exc.default_code))
    error.status_code = exc.status_code
    if isinstance(exc, drf_exceptions.NotAuthenticated | drf_exceptions.AuthenticationFailed):
        error.code = "unauthenticated"
    return error


def _validation_summary(detail: Any) -> str:
    if isinstance(detail, dict):
        parts = []
        for field, messages in detail.items():
            text = messages if isinstance(messages, str) else _first_message(messages)
            parts.append(text if field == "non_field_errors" else f"{field}: {text}")
        return "Invalid input: " + "; ".join(parts)
    return "Invalid input: " + _first_message(detail)


def _first_message(messages: Any) -> str:
    if isinstance(messages, list) and messages:
        return _first_message(messages[0])
    if isinstance(messages, dict) and messages:
        key, value = next(iter(messages.items()))
        return f"{key}: {_first_message(value)}"
    return str(messages)


def as_application_error(exc: Exception) -> ApplicationError | None:
    if isinstance(exc, ApplicationError):
        return exc
    if isinstance(exc, ApiException):
        return kubernetes_error(exc)
    if isinstance(exc, Http404):
        return NotFound(str(exc) or NotFound.default_message)
    if isinstance(exc, DjangoPermissionDenied):
        return Forbidden(str(exc) or Forbidden.default_message)
    if isinstance(exc, drf_exceptions.APIException):
        return _drf_error(exc)
    return None


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's EXCEPTION_HANDLER: every known error becomes the documented JSON body."""
    error = as_application_error(exc)
    if error is None:
        return None  # a bug: let Django log it and answer 500
    if error.status_code >= 500:
        logger.warning("request failed: %s (%s)", error.message, error.code)
    headers = {}
    if isinstance(exc, drf_exceptions.APIException):
        auth_header = getattr(exc, "auth_header", None)
        if auth_header:
            headers["WWW-Authenticate"] = auth_header
        wait = getattr(exc, "wait", None)
        if wait:
            headers["Retry-After"] = str(int(wait))
    elif error.status_code == status.HTTP_401_UNAUTHORIZED:
        headers["WWW-Authenticate"] = 'Bearer realm="api"'
    body = {"error": error.message, "code": error.code, "details": error.details}
    return Response(body, status=error.status_code, headers=headers)
