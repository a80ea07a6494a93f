"""The per-session token Secret and the copies of control-plane secrets."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ambient.contract import (
    ANNOTATION_COPIED_FROM,
    ANNOTATION_TOKEN_REFRESHED_AT,
    APP_RUNNER_TOKEN,
    LABEL_APP,
    LABEL_COPIED_SECRET,
    SECRET_KEY_CONTENT_TOKEN,
    SECRET_KEY_K8S_TOKEN,
    token_secret_name,
)
from reconciler.manifests.metadata import Kind, Manifest, child_metadata, owner_reference, session_name
from reconciler.timestamps import format_time


def _encode(value: str) -> str:
    return base64.b64encode(value.encode()).decode()


def runner_token_secret(
    session: Mapping[str, Any], *, k8s_token: str, content_token: str, refreshed_at: datetime
) -> Manifest:
    """Tokens for the runner (service-account JWT) and the content sidecar (random bearer)."""
    return {
        "apiVersion": "v1",
        "kind": Kind.SECRET.value,
        "type": "Opaque",
        "metadata": child_metadata(
            session,
            token_secret_name(session_name(session)),
            labels={LABEL_APP: APP_RUNNER_TOKEN},
            annotations={ANNOTATION_TOKEN_REFRESHED_AT: format_time(refreshed_at)},
        ),
        "data": {SECRET_KEY_K8S_TOKEN: _encode(k8s_token), SECRET_KEY_CONTENT_TOKEN: _encode(content_token)},
    }


def refreshed_token_patch(*, k8s_token: str, refreshed_at: datetime) -> Manifest:
    """Merge patch for a token refresh: only the JWT and its timestamp; the content token stays."""
    return {
        "metadata": {"annotations": {ANNOTATION_TOKEN_REFRESHED_AT: format_time(refreshed_at)}},
        "data": {SECRET_KEY_K8S_TOKEN: _encode(k8s_token)},
    }


def is_copied_secret(secret: Mapping[str, Any]) -> bool:
    """A Secret this control plane copied (a user's own Secret of the same name is never ours)."""
    labels = (secret.get("metadata") or {}).get("labels") or {}
    return labels.get(LABEL_COPIED_SECRET) == "true"


def secret_keys(secret: Mapping[str, Any]) -> frozenset[str]:
    """The names a Secret hands a container through envFrom (never its values)."""
    return frozenset(str(key) for key in (secret.get("data") or {}))


def copied_secret(session: Mapping[str, Any], source: Mapping[str, Any], *, controller: bool = True) -> Manifest:
    """A copy of a control-plane secret in the session namespace, under the same name.

    Pass controller=False when another session already controls the copy: the executor then
    appends this session's reference instead of replacing the object.
    """
    source_metadata = source["metadata"]
    metadata = child_metadata(
        session,
        str(source_metadata["name"]),
        labels={LABEL_COPIED_SECRET: "true"},
        annotations={ANNOTATION_COPIED_FROM: f"{source_metadata['namespace']}/{source_metadata['name']}"},
    )
    metadata["ownerReferences"] = [owner_reference(session, controller=controller)]
    manifest: Manifest = {
        "apiVersion": "v1",
        "kind": Kind.SECRET.value,
        "type": source.get("type", "Opaque"),
        "metadata": metadata,
        "data": dict(source.get("data") or {}),
    }
    return manifest
