"""``limit``/``continue`` tokens: where the previous page stopped and the list's resourceVersion."""

from __future__ import annotations

import base64
import json
from typing import Any

from localkube.errors import ApiError


def encode_continue(resource_version: int, last_metadata: dict[str, Any]) -> str:
    token = {"rv": resource_version, "ns": last_metadata.get("namespace", ""), "name": last_metadata["name"]}
    return base64.urlsafe_b64encode(json.dumps(token).encode()).decode()


def decode_continue(token: str) -> tuple[int, tuple[str, str]]:
    """(list resourceVersion, key of the last object already returned)."""
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
        return int(data["rv"]), (str(data["ns"]), str(data["name"]))
    except (ValueError, KeyError, TypeError):
        raise ApiError(
            400, "continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)"
        ) from None
