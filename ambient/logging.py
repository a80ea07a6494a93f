"""Logging: readable text locally, one JSON object per line in production.

Every record carries the id of the request it belongs to, and secrets (bearer tokens, token
query parameters, passwords in URLs) are masked before any handler sees them.
"""

from __future__ import annotations

import logging
import os
import re
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from ambient.middleware_base import DualModeMiddleware

if TYPE_CHECKING:
    # Types only: the settings modules import this one, and django.http brings in the whole ORM
    # (~0.25 s in every process that reads settings).
    from django.http import HttpRequest, HttpResponse

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID_META = "HTTP_X_REQUEST_ID"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

_SECRET_PATTERNS = [
    # Authorization headers and bearer tokens anywhere in a message.
    (re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+"), r"\1[REDACTED]"),
    # token=..., access_token=..., password=... in query strings or key=value dumps.
    (re.compile(r"(?i)\b([a-z_]*(?:token|password|secret))=([^&\s\"']+)"), r"\1=[REDACTED]"),
    # Credentials embedded in URLs: https://user:pass@host
    (re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://)[^/\s:@]+:[^/\s@]+@"), r"\1[REDACTED]@"),
]


def redact(text: str) -> str:
    """Mask secrets in a string; used by the log filter and by anything echoing commands."""
    if "=" not in text and "@" not in text and "bearer" not in text.lower():
        # What every pattern needs (`bearer`, `=`, `@`) is absent, as in most lines (an access log line
        # of a path without a query): nothing can match, and the three searches are skipped.
        return text
    for pattern, replacement in _SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class ContextFilter(logging.Filter):
    """Adds `request_id` to each record and masks secrets in the rendered message."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def logging_config(*, level: str, json_lines: bool) -> dict[str, Any]:
    """A dictConfig shared by every process (Django applies it; Celery is told not to hijack it)."""
    formatter: dict[str, Any]
    if json_lines:
        formatter = {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        }
    else:
        formatter = {"format": "%(asctime)s %(levelname)-7s %(name)s [%(request_id)s] %(message)s"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": "ambient.logging.ContextFilter"}},
        "formatters": {"default": formatter},
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": "default", "filters": ["context"]},
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # urllib3 logs full URLs at DEBUG; keep it quiet so query-string tokens never reach a log.
            "urllib3": {"level": "WARNING"},
            "kubernetes": {"level": "WARNING"},
            # Django's own defaults give "django" a bare console handler (DEBUG only) and mail_admins:
            # under DEBUG each of its records ("Not Found: /path") was printed twice, once without
            # our format, request id and masking. Its records go through the root handler alone.
            "django": {"handlers": [], "level": "INFO", "propagate": True},
        },
    }


class RequestIdMiddleware(DualModeMiddleware):
    """Accepts a sane incoming X-Request-ID or makes one, and echoes it on the response."""

    def handle_sync(self, request: HttpRequest) -> Any:
        request_id = _request_id(request)
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response[REQUEST_ID_HEADER] = request_id
        return response

    async def handle_async(self, request: HttpRequest) -> HttpResponse:
        request_id = _request_id(request)
        token = request_id_var.set(request_id)
        try:
            response = await self.get_response(request)
        finally:
            request_id_var.reset(token)
        response[REQUEST_ID_HEADER] = request_id
        return response


def _request_id(request: HttpRequest) -> str:
    # From META, as `request.headers` would read it: building that mapping of every header costs more
    # than this lookup, and a request served on the event loop may need no other header.
    # A new id is 32 random hex digits, as uuid4().hex was: building a UUID object for it cost four times
    # as much as the random bytes, on every request that comes without an id.
    incoming = request.META.get(_REQUEST_ID_META, "")
    return incoming if _VALID_REQUEST_ID.match(incoming) else os.urandom(16).hex()
