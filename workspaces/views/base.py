"""What every content-service view shares: token auth, bounded JSON bodies, git credentials."""

from __future__ import annotations

import re
from typing import Any

from rest_framework.parsers import JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.serializers import Serializer
from rest_framework.views import APIView

from ambient.contract import GIT_TOKEN_HEADER, GIT_USERNAME_HEADER
from ambient.exceptions import InvalidInput, PayloadTooLarge
from gitops.command import DEFAULT_USERNAME, GitCredentials
from workspaces.authentication import ContentTokenAuthentication
from workspaces.configuration import ContentSettings, content_settings
from workspaces.constants import MAX_TOKEN_LENGTH

_VISIBLE_ASCII = re.compile(r"^[\x21-\x7e]+$")
_USERNAME = re.compile(r"^[A-Za-z0-9._@-]{1,100}$")


class ContentView(APIView):
    authentication_classes = [ContentTokenAuthentication]
    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser]
    renderer_classes = [JSONRenderer]

    @property
    def configured(self) -> ContentSettings:
        return content_settings()


def request_length(request: Request) -> int | None:
    try:
        return int(request.META.get("CONTENT_LENGTH") or "")
    except ValueError:
        return None


def validated_body(request: Request, serializer_class: type[Serializer[Any]]) -> dict[str, Any]:
    """The JSON body checked against `serializer_class`; 413 before reading one that is too large."""
    limit = content_settings().max_json_bytes
    length = request_length(request)
    if length is not None and length > limit:
        raise PayloadTooLarge(f"The JSON body is larger than {limit} bytes.", details={"maxBytes": limit})
    data = request.data if length else {}
    if not isinstance(data, dict):
        raise InvalidInput("Send a JSON object.")
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def validated_query(request: Request, serializer_class: type[Serializer[Any]]) -> dict[str, Any]:
    serializer = serializer_class(data=request.query_params.dict())
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def git_credentials(request: Request) -> GitCredentials | None:
    """The remote's token from X-Git-Token (else the service's configured one); never logged."""
    token = request.headers.get(GIT_TOKEN_HEADER, "").strip() or content_settings().git_token
    if not token:
        return None
    if len(token) > MAX_TOKEN_LENGTH or not _VISIBLE_ASCII.match(token):
        raise InvalidInput(f"{GIT_TOKEN_HEADER} must be at most {MAX_TOKEN_LENGTH} visible ASCII characters.")
    username = request.headers.get(GIT_USERNAME_HEADER, "").strip() or DEFAULT_USERNAME
    if not _USERNAME.match(username):
        raise InvalidInput(f"{GIT_USERNAME_HEADER} may hold letters, digits, '.', '_', '@' or '-' (at most 100).")
    return GitCredentials(token=token, username=username)
