"""The one exception the auth package raises towards the server core.

It carries what a kube ``Status`` body needs, so the core maps it to a response in one place.
"""

from __future__ import annotations

from typing import Any


class AuthError(Exception):
    """A request the auth package refuses: ``code`` is the HTTP status, ``reason`` a StatusReason."""

    def __init__(self, code: int, reason: str, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details or {}

    def to_status(self) -> dict[str, Any]:
        """The ``kind: Status`` body kube-apiserver would send for this error."""
        status: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        }
        if self.details:
            status["details"] = self.details
        return status

    def __repr__(self) -> str:
        return f"AuthError({self.code!r}, {self.reason!r}, {self.message!r})"


def bad_request(message: str) -> AuthError:
    return AuthError(400, "BadRequest", message)


def invalid(kind: str, group: str, name: str, causes: list[tuple[str, str]]) -> AuthError:
    """A 422 shaped like kube's field validation errors; ``causes`` are (field, message) pairs."""
    qualified = f"{kind}.{group}" if group else kind
    joined = ", ".join(f"{field}: {message}" for field, message in causes)
    if len(causes) > 1:
        joined = f"[{joined}]"
    return AuthError(
        422,
        "Invalid",
        f'{qualified} "{name}" is invalid: {joined}',
        details={
            "name": name,
            "group": group,
            "kind": kind,
            "causes": [
                {"reason": "FieldValueInvalid", "message": f"{field}: {message}", "field": field}
                for field, message in causes
            ],
        },
    )


def not_found(resource: str, name: str, group: str = "") -> AuthError:
    qualified = f"{resource}.{group}" if group else resource
    return AuthError(
        404,
        "NotFound",
        f'{qualified} "{name}" not found',
        details={"name": name, "group": group, "kind": resource},
    )
