"""The GitHub token a session's git work uses, read with the control plane's identity."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ambient.kube import SECRET, Resource, control_plane_gateway
from gitops.github.sources import GitHubToken, github_token_for
from sessions.user_context import user_context_signing_key, verified_user

CONFIG_MAP = Resource("ConfigMap", "", "v1", "configmaps")
_KINDS = {"Secret": SECRET, "ConfigMap": CONFIG_MAP}


def _control_plane_read(kind: str, namespace: str, name: str) -> Mapping[str, Any] | None:
    return control_plane_gateway().get(_KINDS[kind], namespace, name)


def session_github_token(session: Mapping[str, Any]) -> GitHubToken | None:
    """The token of the session's *verified* user (an unsigned or edited userContext gets only the
    project's token); None when no source has one."""
    verified = verified_user(session, user_context_signing_key())
    namespace = str((session.get("metadata") or {}).get("namespace") or "")
    return github_token_for(user_id=verified.user_id if verified else "", project=namespace, read=_control_plane_read)
