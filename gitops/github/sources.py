"""Which GitHub token a session's user gets, in order:

1. their personal access token: Secret `ambient-github-pat-<user key>` (key `token`) in the control
   plane's namespace;
2. a GitHub App installation token: the user's installation from ConfigMap `github-app-installations`
   (key `<user key>`) in the control plane's namespace, else `GITHUB_APP_INSTALLATION_ID`;
3. the project's Secret `ambient-non-vertex-integrations`, key `GITHUB_TOKEN`.

`<user key>` is `user-` + the first 16 hex digits of SHA-256 of the user id, since user ids (e-mail
addresses, `system:` names) are not valid object names or ConfigMap keys. Objects are read through a
`read(kind, namespace, name)` callable with the control plane's identity (users may not read them).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings

from gitops.github.app import app_configured, installation_token

ObjectReader = Callable[[str, str, str], Mapping[str, Any] | None]

PAT_SECRET_PREFIX = "ambient-github-pat-"  # noqa: S105 - a name prefix
PAT_SECRET_KEY = "token"  # noqa: S105 - a key name
INSTALLATIONS_CONFIGMAP = "github-app-installations"
PROJECT_SECRET = "ambient-non-vertex-integrations"  # noqa: S105 - a Secret's name
PROJECT_SECRET_KEY = "GITHUB_TOKEN"  # noqa: S105 - a key name
SOURCE_USER_PAT = "user-pat"
SOURCE_GITHUB_APP = "github-app"
SOURCE_PROJECT_SECRET = "project-secret"  # noqa: S105 - a source's name


@dataclass(frozen=True)
class GitHubToken:
    token: str
    source: str
    expires_at: datetime | None = None


def user_key(user_id: str) -> str:
    return "user-" + hashlib.sha256(user_id.encode()).hexdigest()[:16]


def _secret_value(secret: Mapping[str, Any] | None, key: str) -> str | None:
    encoded = ((secret or {}).get("data") or {}).get(key)
    if not encoded:
        return None
    try:
        return base64.b64decode(encoded, validate=True).decode().strip() or None
    except (binascii.Error, UnicodeDecodeError):
        return None


def github_token_for(*, user_id: str, project: str, read: ObjectReader) -> GitHubToken | None:
    """The first source that has a token for `user_id` in `project`; None when none has."""
    control_plane = settings.CONTROL_PLANE_NAMESPACE
    if user_id:
        pat = _secret_value(read("Secret", control_plane, PAT_SECRET_PREFIX + user_key(user_id)), PAT_SECRET_KEY)
        if pat:
            return GitHubToken(token=pat, source=SOURCE_USER_PAT)
    if app_configured():
        installations = (read("ConfigMap", control_plane, INSTALLATIONS_CONFIGMAP) or {}).get("data") or {}
        installation = (
            installations.get(user_key(user_id)) if user_id else None
        ) or settings.GITHUB_APP_INSTALLATION_ID
        if installation:
            minted = installation_token(str(installation).strip())
            return GitHubToken(token=minted.token, source=SOURCE_GITHUB_APP, expires_at=minted.expires_at)
    project_token = _secret_value(read("Secret", project, PROJECT_SECRET), PROJECT_SECRET_KEY)
    if project_token:
        return GitHubToken(token=project_token, source=SOURCE_PROJECT_SECRET)
    return None
