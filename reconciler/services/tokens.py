"""The runner's token Secret: minted by TokenRequest, refreshed before it gets old.

Every JWT is bound (TokenRequest ``boundObjectRef``) to the token Secret that carries it, so the
API server stops accepting it the moment that Secret is deleted, whatever its expiry says. The
Secret is created first (the API server binds to an existing object's uid), then filled in.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from django.conf import settings

from ambient.contract import SECRET_KEY_K8S_TOKEN
from ambient.exceptions import AlreadyExists
from ambient.kube import KubeGateway
from reconciler.manifests import Kind, refreshed_token_patch, runner_token_secret

# The refresh stamp of a Secret whose JWT was never written: due for a refresh on any look.
NEVER_REFRESHED = datetime(1970, 1, 1, tzinfo=UTC)


def _expiration_seconds() -> int:
    return int(settings.RECONCILER_TOKEN_EXPIRATION_SECONDS)


def _bound_to(secret: Mapping[str, Any]) -> dict[str, str]:
    metadata = secret["metadata"]
    return {"apiVersion": "v1", "kind": "Secret", "name": str(metadata["name"]), "uid": str(metadata["uid"])}


def _has_jwt(secret: Mapping[str, Any]) -> bool:
    encoded = (secret.get("data") or {}).get(SECRET_KEY_K8S_TOKEN) or ""
    return bool(base64.b64decode(encoded)) if encoded else False


def runner_token_create(
    cluster: KubeGateway, session: Mapping[str, Any], *, secret_name: str, service_account: str, now: datetime
) -> None:
    """Create the Secret with a random content token, then write a JWT bound to it. An existing
    Secret keeps its content token (what the running sidecar already trusts); it only gets a JWT
    if an earlier pass stopped before writing one."""
    namespace = str(session["metadata"]["namespace"])
    manifest = runner_token_secret(
        session, k8s_token="", content_token=secrets.token_urlsafe(32), refreshed_at=NEVER_REFRESHED
    )
    try:
        secret = cluster.create(Kind.SECRET, namespace, manifest)
    except AlreadyExists:
        existing = cluster.get(Kind.SECRET, namespace, secret_name)
        if existing is None or _has_jwt(existing):
            return
        secret = existing
    _write_bound_token(cluster, namespace, secret, service_account=service_account, now=now)


def runner_token_refresh(
    cluster: KubeGateway, namespace: str, *, secret_name: str, service_account: str, now: datetime
) -> None:
    """New JWT (bound to the same Secret) and `token-refreshed-at`; the content token stays."""
    secret = cluster.get(Kind.SECRET, namespace, secret_name)
    if secret is None:
        # Deleted since it was observed: the next pass creates a new one (and a new binding).
        return
    _write_bound_token(cluster, namespace, secret, service_account=service_account, now=now)


def _write_bound_token(
    cluster: KubeGateway, namespace: str, secret: Mapping[str, Any], *, service_account: str, now: datetime
) -> None:
    token = cluster.token_request(namespace, service_account, _expiration_seconds(), bound_object=_bound_to(secret))
    name = str(secret["metadata"]["name"])
    cluster.patch(Kind.SECRET, namespace, name, refreshed_token_patch(k8s_token=token, refreshed_at=now))
