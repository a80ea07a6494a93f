"""The content service's settings as one typed value (defaults from workspaces.constants)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from ambient.contract import WORKSPACE_PATH
from gitops.command import GitSettings
from workspaces import constants


@dataclass(frozen=True)
class ContentSettings:
    workspace_root: Path
    token_file: str
    token: str
    git_token: str
    max_file_bytes: int
    max_json_bytes: int
    git: GitSettings


def content_settings() -> ContentSettings:
    """Read per request (cheap), so tests and the settings fixture can change values."""
    return ContentSettings(
        workspace_root=Path(getattr(settings, "WORKSPACE_ROOT", WORKSPACE_PATH)),
        token_file=getattr(settings, "CONTENT_TOKEN_FILE", ""),
        token=getattr(settings, "CONTENT_TOKEN", ""),
        git_token=getattr(settings, "CONTENT_GIT_TOKEN", ""),
        max_file_bytes=getattr(settings, "CONTENT_MAX_FILE_BYTES", constants.DEFAULT_MAX_FILE_BYTES),
        max_json_bytes=getattr(settings, "CONTENT_MAX_JSON_BYTES", constants.DEFAULT_MAX_JSON_BYTES),
        git=GitSettings(
            user_name=getattr(settings, "GIT_USER_NAME", constants.DEFAULT_GIT_USER_NAME),
            user_email=getattr(settings, "GIT_USER_EMAIL", constants.DEFAULT_GIT_USER_EMAIL),
            local_timeout_seconds=getattr(settings, "GIT_TIMEOUT_SECONDS", constants.DEFAULT_GIT_TIMEOUT_SECONDS),
            network_timeout_seconds=getattr(
                settings, "GIT_NETWORK_TIMEOUT_SECONDS", constants.DEFAULT_GIT_NETWORK_TIMEOUT_SECONDS
            ),
            clone_timeout_seconds=getattr(
                settings, "GIT_CLONE_TIMEOUT_SECONDS", constants.DEFAULT_GIT_CLONE_TIMEOUT_SECONDS
            ),
            allow_file_urls=getattr(settings, "AMBIENT_ALLOW_FILE_GIT_URLS", False),
            ca_file=getattr(settings, "GIT_SSL_CA_FILE", ""),
        ),
    )
