"""One error vocabulary for the whole project, and the one handler that renders it.

Services raise `ApplicationError` subclasses; the Kubernetes gateway (`ambient.kube`) raises them
too, from the API server's Status body, and DRF's own exceptions are translated here, so every
error body is `{"error": <what went wrong and what to do>, "code": <stable code>, "details": {...}}`.
DRF and Django's HTTP layer are imported where the handler runs: the watcher raises these errors
without Django's apps loaded, and DRF's response machinery would cost it ~20 MB.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rest_framework import exceptions as drf_exceptions
    from rest_framework.response import Response

logger = logging.getLogger(__name__)


class ApplicationError(Exception):
    status_code: int = HTTPStatus.BAD_REQUEST
    code = "error"
    default_message = "The request could not be completed."

    def __init__(self, message: str | None = None, *, code: str | None = None, details: dict | None = None):
        self.message = message or self.default_message
        if code:
            self.code = code
        self.details = details or {}
        super().__init__(self.message)


class InvalidInput(ApplicationError):
    status_code = HTTPStatus.BAD_REQUEST
    code = "invalid_input"
    default_message = "The request body or parameters are invalid."


class Invalid(InvalidInput):
    """The API server refused an object or request as invalid (400, 422)."""


class Unauthenticated(ApplicationError):
    status_code = HTTPStatus.UNAUTHORIZED
    code = "unauthenticated"
    default_message = "Send a Kubernetes bearer token in the Authorization header."


class Forbidden(ApplicationError):
    status_code = HTTPStatus.FORBIDDEN
    code = "forbidden"
    default_message = "You are not allowed to do this; ask a project admin for access."


class NotFound(ApplicationError):
    status_code = HTTPStatus.NOT_FOUND
    code = "not_found"
    default_message = "Not found."


class Conflict(ApplicationError):
    status_code = HTTPStatus.CONFLICT
    code = "conflict"
    default_message = "The resource changed or is in a state that does not allow this; re-read and retry."


class AlreadyExists(Conflict):
    """A create of a name that is taken: for an idempotent ensure, success."""


class Gone(ApplicationError):
    status_code = HTTPStatus.GONE
    code = "gone"
    default_message = "This endpoint no longer exists."


class PayloadTooLarge(ApplicationError):
    status_code = HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    code = "payload_too_large"
    default_message = "The request is larger than the cluster stores for one object; send less."


class Unavailable(ApplicationError):
    status_code = HTTPStatus.SERVICE_UNAVAILABLE
    code = "unavailable"
    default_message = "A service this request depends on is unavailable; retry shortly."


class UpstreamError(ApplicationError):
    status_code = HTTPStatus.BAD_GATEWAY
    code = "upstream_error"
    default_message = "The Kubernetes API failed to handle the request; retry shortly."


def _drf_error(exc: drf_exceptions.APIException) -> ApplicationError:
    """DRF's own exceptions (validation, parsing, auth, throttling) in our body shape."""
    from rest_framework import exceptions as drf_exceptions  # noqa: PLC0415 - see the module docstring

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
    from django.core.exceptions import PermissionDenied as DjangoPermissionDenied  # noqa: PLC0415
    from django.core.exceptions import RequestDataTooBig  # noqa: PLC0415
    from django.http import Http404  # noqa: PLC0415
    from rest_framework import exceptions as drf_exceptions  # noqa: PLC0415

    if isinstance(exc, ApplicationError):
        return exc
    if isinstance(exc, drf_exceptions.APIException) and isinstance(exc.__cause__, ApplicationError):
        return exc.__cause__  # ours, raised as DRF's type where DRF only catches its own (auth, permissions)
    if isinstance(exc, RequestDataTooBig):
        return PayloadTooLarge(f"The request body is larger than {_upload_limit()} bytes; send less.")
    if isinstance(exc, Http404):
        return NotFound(str(exc) or NotFound.default_message)
    if isinstance(exc, DjangoPermissionDenied):
        return Forbidden(str(exc) or Forbidden.default_message)
    if isinstance(exc, drf_exceptions.APIException):
        return _drf_error(exc)
    return None


def _upload_limit() -> int:
    from django.conf import settings  # noqa: PLC0415

    return int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's EXCEPTION_HANDLER: every known error becomes the documented JSON body."""
    from rest_framework import exceptions as drf_exceptions  # noqa: PLC0415
    from rest_framework.response import Response  # noqa: PLC0415

    error = as_application_error(exc)
    if error is None:
        return None  # a bug: let Django log it and answer 500
    body, headers = error_answer(error)
    if isinstance(exc, drf_exceptions.APIException):
        headers.pop("WWW-Authenticate", None)
        auth_header = getattr(exc, "auth_header", None)
        if auth_header:
            headers["WWW-Authenticate"] = auth_header
        wait = getattr(exc, "wait", None)
        if wait:
            headers["Retry-After"] = str(int(wait))
    return Response(body, status=int(error.status_code), headers=headers)


def error_answer(error: ApplicationError) -> tuple[dict[str, Any], dict[str, str]]:
    """The JSON body and headers of an error answer (the handler's, and plain async views' outside DRF)."""
    if error.status_code >= 500:
        logger.warning("request failed: %s (%s)", error.message, error.code)
    headers = {"WWW-Authenticate": 'Bearer realm="api"'} if error.status_code == HTTPStatus.UNAUTHORIZED else {}
    return {"error": error.message, "code": error.code, "details": error.details}, headers
