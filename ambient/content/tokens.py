"""The per-session content token, read from the session's token Secret with the control plane's identity.

Users may not read Secrets in their project (and must not: the token opens the whole workspace),
so the api reads it as the control plane, after its own access review of the caller.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

from ambient.contract import SECRET_KEY_CONTENT_TOKEN, token_secret_name
from ambient.kube import SECRET, control_plane_gateway


def content_token_of(secret: Mapping[str, Any] | None) -> str | None:
    """The decoded `content-token` of a token Secret, or None when absent or not decodable."""
    encoded = ((secret or {}).get("data") or {}).get(SECRET_KEY_CONTENT_TOKEN)
    if not encoded:
        return None
    try:
        return base64.b64decode(encoded, validate=True).decode("ascii").strip() or None
    except (binascii.Error, UnicodeDecodeError):
        return None


def content_token_read(namespace: str, session: str) -> str | None:
    """`TokenReader` for the control plane: the session's content token, None before it exists."""
    secret = control_plane_gateway().get(SECRET, namespace, token_secret_name(session))
    return content_token_of(secret)
