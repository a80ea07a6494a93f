"""API errors rendered as Kubernetes ``kind: Status`` bodies (one exception type, one renderer)."""

from __future__ import annotations

from typing import Any

REASONS = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    406: "NotAcceptable",
    409: "Conflict",
    410: "Expired",
    413: "RequestEntityTooLarge",
    415: "UnsupportedMediaType",
    422: "Invalid",
    429: "TooManyRequests",
    500: "InternalError",
    503: "ServiceUnavailable",
}


class ApiError(Exception):
    """An error the API returns to the client; ``status_body`` is what goes on the wire."""

    def __init__(
        self,
        code: int,
        message: str,
        reason: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.reason = reason or REASONS.get(code, "Unknown")
        self.details = details

    def status_body(self) -> dict[str, Any]:
        return status_body(self.code, self.message, self.reason, self.details)


def status_details(details: dict[str, Any]) -> dict[str, Any]:
    """StatusDetails in kube's field order, empty fields left out (all are ``omitempty``)."""
    ordered = {key: details.get(key) for key in ("name", "group", "kind", "uid", "causes", "retryAfterSeconds")}
    return {key: value for key, value in ordered.items() if value}


def status_body(code: int, message: str, reason: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    """A failure ``Status`` with kube-apiserver's field order; ``details={}`` is written as ``{}``
    (kube does for an unknown resource under a served group), ``None`` leaves it out."""
    body: dict[str, Any] = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure"}
    if message:
        body["message"] = message
    if reason:
        body["reason"] = reason
    if details is not None:
        body["details"] = status_details(details)
    body["code"] = code
    return body


def success_status(name: str, group: str, resource: str, uid: str) -> dict[str, Any]:
    """What a DELETE answers for kinds whose storage does not return the deleted object."""
    details = status_details({"name": name, "group": group, "kind": resource, "uid": uid})
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": details}


def not_found(group: str, resource: str, name: str) -> ApiError:
    qualified = f"{resource}.{group}" if group else resource
    return ApiError(
        404,
        f'{qualified} "{name}" not found',
        "NotFound",
        {"name": name, "group": group, "kind": resource},
    )


def already_exists(group: str, resource: str, name: str) -> ApiError:
    qualified = f"{resource}.{group}" if group else resource
    return ApiError(
        409,
        f'{qualified} "{name}" already exists',
        "AlreadyExists",
        {"name": name, "group": group, "kind": resource},
    )


def conflict(group: str, resource: str, name: str) -> ApiError:
    qualified = f"{resource}.{group}" if group else resource
    return ApiError(
        409,
        f'Operation cannot be fulfilled on {qualified} "{name}": the object has been modified; '
        "please apply your changes to the latest version and try again",
        "Conflict",
        {"name": name, "group": group, "kind": resource},
    )


def invalid(kind: str, group: str, name: str, causes: list[dict[str, str]]) -> ApiError:
    """422 with field causes, worded as kube-apiserver words them."""
    qualified = f"{kind}.{group}" if group else kind
    text = ", ".join(f"{c['field']}: {c['message']}" if c.get("field") else c["message"] for c in causes)
    if len(causes) > 1:
        text = f"[{text}]"
    return ApiError(
        422,
        f'{qualified} "{name}" is invalid: {text}',
        "Invalid",
        {"name": name, "group": group, "kind": kind, "causes": causes},
    )


def cause(field: str, message: str, reason: str = "FieldValueInvalid") -> dict[str, str]:
    return {"reason": reason, "message": message, "field": field}


# Group-versions kube-apiserver 1.34 serves itself. A path under one of them that names no resource
# misses a route of its REST container, whose error handler writes ``details: {}``; anything else
# falls through to the apiserver's last-resort not-found handler, which writes no details.
KUBE_GROUP_VERSIONS = frozenset(
    {
        ("", "v1"),
        ("apps", "v1"),
        ("autoscaling", "v1"),
        ("autoscaling", "v2"),
        ("batch", "v1"),
        ("policy", "v1"),
        ("rbac.authorization.k8s.io", "v1"),
        ("storage.k8s.io", "v1"),
        ("networking.k8s.io", "v1"),
        ("admissionregistration.k8s.io", "v1"),
        ("apiextensions.k8s.io", "v1"),
        ("apiregistration.k8s.io", "v1"),
        ("authentication.k8s.io", "v1"),
        ("authorization.k8s.io", "v1"),
        ("certificates.k8s.io", "v1"),
        ("coordination.k8s.io", "v1"),
        ("discovery.k8s.io", "v1"),
        ("events.k8s.io", "v1"),
        ("flowcontrol.apiserver.k8s.io", "v1"),
        ("node.k8s.io", "v1"),
        ("scheduling.k8s.io", "v1"),
        ("resource.k8s.io", "v1"),
    }
)


def unknown_resource(group: str | None = None, version: str | None = None) -> ApiError:
    """kube-apiserver's 404 for a path that names no resource it serves."""
    details: dict[str, Any] | None = {} if group is not None and (group, version) in KUBE_GROUP_VERSIONS else None
    return ApiError(404, "the server could not find the requested resource", "NotFound", details)
