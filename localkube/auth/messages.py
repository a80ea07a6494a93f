"""The 401/403 bodies kube-apiserver sends, worded exactly as its responsewriters do.

Clients (kubectl, client-go, the Python client) surface these messages to users, and our own
tests assert on them, so they follow kube's format verbatim.
"""

from __future__ import annotations

from typing import Any

from localkube.interfaces import RequestAttributes


def forbidden_message(attrs: RequestAttributes) -> str:
    """``User "u" cannot list resource "pods" in API group "" in the namespace "ns"`` and kin."""
    username = attrs.user.username
    if not attrs.resource_request:
        return f'User "{username}" cannot {attrs.verb} path "{attrs.path}"'
    resource = f"{attrs.resource}/{attrs.subresource}" if attrs.subresource else attrs.resource
    where = f'in the namespace "{attrs.namespace}"' if attrs.namespace else "at the cluster scope"
    group = attrs.api_group
    return f'User "{username}" cannot {attrs.verb} resource "{resource}" in API group "{group}" {where}'


def forbidden_status(attrs: RequestAttributes, reason: str = "") -> dict[str, Any]:
    """The full 403 Status: ``pods "x" is forbidden: <forbidden_message>[: <reason>]``."""
    detail = forbidden_message(attrs)
    if reason:
        detail = f"{detail}: {reason}"
    details: dict[str, Any] = {}
    if not attrs.resource_request or not attrs.resource:
        message = f"forbidden: {detail}"
    else:
        qualified = f"{attrs.resource}.{attrs.api_group}" if attrs.api_group else attrs.resource
        named = f' "{attrs.name}"' if attrs.name else ""
        message = f"{qualified}{named} is forbidden: {detail}"
        # Status details omit empty fields, as Go's omitempty does.
        details = {"kind": attrs.resource}
        if attrs.api_group:
            details["group"] = attrs.api_group
        if attrs.name:
            details["name"] = attrs.name
    status: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": "Forbidden",
        "code": 403,
    }
    if details:
        status["details"] = details
    return status


def unauthorized_status() -> dict[str, Any]:
    """The 401 body for a missing or rejected bearer token (kube never says which)."""
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": "Unauthorized",
        "reason": "Unauthorized",
        "code": 401,
    }
