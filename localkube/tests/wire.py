"""Raw HTTP for the fidelity tests: exact status codes and bytes, through the real client's pool."""

from __future__ import annotations

import json
from typing import Any

from localkube.testing import LocalKube

STATUS_HEAD = '{"kind":"Status","apiVersion":"v1","metadata":{},'


def send(
    localkube: LocalKube,
    method: str,
    path: str,
    body: Any = None,
    *,
    content_type: str = "application/json",
    token: str | None = None,
) -> tuple[int, bytes]:
    data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
    headers = {"Authorization": f"Bearer {token or localkube.admin_token}", "Accept": "application/json"}
    if data is not None:
        headers["Content-Type"] = content_type
    pool = localkube.api_client().rest_client.pool_manager
    response = pool.request(method, localkube.url + path, body=data, headers=headers, timeout=20.0)
    return response.status, response.data


def send_json(localkube: LocalKube, method: str, path: str, body: Any = None, **kwargs: Any) -> tuple[int, Any]:
    status, data = send(localkube, method, path, body, **kwargs)
    return status, json.loads(data) if data.strip() else None


def success_status(name: str, group: str, resource: str, uid: str) -> bytes:
    """The bytes kube-apiserver writes for a DELETE whose storage answers a Status."""
    details = {"name": name, **({"group": group} if group else {}), "kind": resource, "uid": uid}
    text = STATUS_HEAD + '"status":"Success","details":' + json.dumps(details, separators=(",", ":")) + "}\n"
    return text.encode()
