"""API server failures as exceptions the services can branch on (404, 409, AlreadyExists)."""

from __future__ import annotations

import json
from typing import Any


class ClusterError(Exception):
    """A non-2xx answer from the API server (status 0: no answer at all)."""

    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(f"{status} {reason}: {message}")
        self.status = status
        self.reason = reason
        self.message = message

    @property
    def is_conflict(self) -> bool:
        return self.status == 409 and self.reason != "AlreadyExists"


class NotFound(ClusterError):
    pass


class Conflict(ClusterError):
    """A stale write (resourceVersion mismatch): re-read and retry."""


class AlreadyExists(ClusterError):
    """A create of a name that is taken; for an idempotent ensure, success."""


def error_from_response(status: int, raw: bytes | str | None) -> ClusterError:
    body: dict[str, Any] = {}
    try:
        parsed = json.loads(raw) if raw else {}
        body = parsed if isinstance(parsed, dict) else {}
    except ValueError:
        body = {}
    reason = str(body.get("reason") or "")
    message = str(body.get("message") or (raw.decode(errors="replace") if isinstance(raw, bytes) else raw) or "")
    if status == 404:
        return NotFound(status, reason or "NotFound", message)
    if status == 409:
        if reason == "AlreadyExists":
            return AlreadyExists(status, reason, message)
        return Conflict(status, reason or "Conflict", message)
    return ClusterError(status, reason or "Error", message)
