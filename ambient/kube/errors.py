"""The API server's answers as the project's errors, and the one retry for lost write races.

Every non-2xx answer (and no answer at all) becomes an `ApplicationError` here, read from the
Kubernetes `Status` body once: callers branch on `NotFound`, `AlreadyExists`, `Conflict`, … and
the API renders them as client errors (a client error upstream is never a 500 here).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from tenacity import Retrying, retry_if_exception, stop_after_attempt, stop_after_delay, wait_random_exponential
from tenacity.stop import stop_base

from ambient.exceptions import (
    AlreadyExists,
    ApplicationError,
    Conflict,
    Forbidden,
    Gone,
    Invalid,
    NotFound,
    PayloadTooLarge,
    Unauthenticated,
    Unavailable,
    UpstreamError,
)

T = TypeVar("T")

REASON_ALREADY_EXISTS = "AlreadyExists"

_BY_STATUS: dict[int, type[ApplicationError]] = {
    400: Invalid,
    401: Unauthenticated,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    410: Gone,
    413: PayloadTooLarge,
    422: Invalid,
}
_UNAVAILABLE = frozenset({0, 502, 503, 504})


def error_from_response(status: int, body: bytes | str | None, http_reason: str = "") -> ApplicationError:
    """The error for one failed answer; `status` 0 means the API server never answered."""
    parsed = _status_body(body)
    reason = str(parsed.get("reason") or http_reason or "")
    message = str(parsed.get("message") or http_reason or _text(body) or "Kubernetes API error")
    details: dict[str, Any] = {"kubernetes": {"code": status, "reason": reason}}
    causes = (parsed.get("details") or {}).get("causes")
    if causes:
        details["fields"] = {cause.get("field", ""): cause.get("message", "") for cause in causes}
    if status == 409 and reason == REASON_ALREADY_EXISTS:
        return AlreadyExists(message, details=details)
    error_class = _BY_STATUS.get(status)
    if error_class is not None:
        return error_class(message, details=details)
    if status in _UNAVAILABLE:
        return Unavailable(f"Kubernetes API unavailable: {message}", details=details)
    return UpstreamError(f"Kubernetes API error: {message}", details=details)


def unreachable(error: Exception) -> Unavailable:
    """No answer at all (refused, reset, timed out, TLS failed)."""
    details = {"kubernetes": {"code": 0, "reason": "Unavailable"}}
    return Unavailable(f"Kubernetes API unavailable: {error}", details=details)


def _status_body(body: bytes | str | None) -> dict[str, Any]:
    try:
        parsed = json.loads(body) if body else {}
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _text(body: bytes | str | None) -> str:
    return body.decode("utf-8", "replace") if isinstance(body, bytes) else body or ""


def failure_summary(error: ApplicationError) -> str:
    """`Reason (status): message`, as a condition message names an API server failure."""
    kubernetes = error.details.get("kubernetes") or {}
    return f"{kubernetes.get('reason') or 'Error'} ({kubernetes.get('code', 0)}): {error.message}"


def is_write_race(error: BaseException) -> bool:
    """A write the API server refused because the object changed under it (409, not AlreadyExists).

    Our own phase conflicts carry no `kubernetes` details and are never races.
    """
    return isinstance(error, Conflict) and not isinstance(error, AlreadyExists) and "kubernetes" in error.details


def retry_on_conflict(
    operation: Callable[[], T], *, deadline_seconds: float | None = None, attempts: int | None = None
) -> T:
    """Run a read-modify-write `operation` again while its write loses a race.

    Until a deadline (default `KUBE_CONFLICT_RETRY_DEADLINE_SECONDS`) or, with `attempts`, that many
    tries. Waits grow exponentially with full jitter, so many writers of one object spread out
    instead of colliding again in lockstep; the last error is raised when retries end.
    """
    deadline = settings.KUBE_CONFLICT_RETRY_DEADLINE_SECONDS if deadline_seconds is None else deadline_seconds
    stop: stop_base = stop_after_delay(deadline)
    if attempts is not None:
        stop = stop | stop_after_attempt(attempts)
    retrying = Retrying(
        retry=retry_if_exception(is_write_race),
        wait=wait_random_exponential(
            multiplier=settings.KUBE_CONFLICT_RETRY_BASE_SECONDS, max=settings.KUBE_CONFLICT_RETRY_MAX_WAIT_SECONDS
        ),
        stop=stop,
        reraise=True,
    )
    return retrying(operation)
