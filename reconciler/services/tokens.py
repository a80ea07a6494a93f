"""The runner's token Secret: minted by TokenRequest, refreshed before it gets old."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.conf import settings

from reconciler.cluster import AlreadyExists, Cluster
from reconciler.manifests import Kind, refreshed_token_patch, runner_token_secret


def _expiration_seconds() -> int:
    return int(settings.RECONCILER_TOKEN_EXPIRATION_SECONDS)


def runner_token_create(
    cluster: Cluster, session: Mapping[str, Any], *, secret_name: str, service_account: str, now: datetime
) -> None:
    """Create the Secret with a fresh JWT and a random content token; an existing Secret is kept
    (its content token is what the running sidecar already trusts)."""
    namespace = str(session["metadata"]["namespace"])
    token = cluster.token_request(namespace, service_account, _expiration_seconds())
    manifest = runner_token_secret(session, k8s_token=token, content_token=secrets.token_urlsafe(32), refreshed_at=now)
    try:
        cluster.create(Kind.SECRET, namespace, manifest)
    except AlreadyExists:
        return


def runner_token_refresh(
    cluster: Cluster, namespace: str, *, secret_name: str, service_account: str, now: datetime
) -> None:
    """New JWT into the existing Secret and `token-refreshed-at`; the content token stays."""
    token = cluster.token_request(namespace, service_account, _expiration_seconds())
    cluster.patch(Kind.SECRET, namespace, secret_name, refreshed_token_patch(k8s_token=token, refreshed_at=now))
