"""The content token: one bearer secret per session, mounted as a file, compared in constant time."""

from __future__ import annotations

import hmac
from pathlib import Path

from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request

from ambient.contract import CONTENT_TOKEN_HEADER
from workspaces.configuration import content_settings
from workspaces.constants import MAX_TOKEN_LENGTH


class ContentCaller:
    """Whoever holds the session's content token (the api, the reconciler)."""

    is_authenticated = True
    is_anonymous = False
    username = "content-token"


def expected_token() -> str:
    """The file the reconciler mounts wins (re-read so a rotated Secret applies); else the setting."""
    configured = content_settings()
    if configured.token_file:
        try:
            token = Path(configured.token_file).read_text().strip()
        except OSError:
            token = ""
        if token:
            return token
    return configured.token.strip()


def presented_token(request: Request) -> str:
    header = request.headers.get(CONTENT_TOKEN_HEADER, "")
    if header:
        return header.strip()
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


class ContentTokenAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[ContentCaller, None] | None:
        presented = presented_token(request)
        if not presented:
            return None  # the permission check answers 401 with the challenge below
        expected = expected_token()
        if not expected:
            raise exceptions.AuthenticationFailed(
                "This content service has no token configured; it refuses every call."
            )
        if len(presented) > MAX_TOKEN_LENGTH or not hmac.compare_digest(presented.encode(), expected.encode()):
            raise exceptions.AuthenticationFailed("The content token is not this session's.")
        return ContentCaller(), None

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="content"'
