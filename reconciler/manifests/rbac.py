"""The runner's identity: a ServiceAccount allowed to read its own session and token, nothing more.

The runner never writes the CR (ARCHITECTURE §8): status has one writer, the reconciler.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ambient.contract import (
    APP_SESSION_RBAC,
    GROUP,
    LABEL_APP,
    PLURAL,
    role_binding_name,
    role_name,
    service_account_name,
    token_secret_name,
)
from reconciler.config import ReconcilerConfig
from reconciler.manifests.metadata import Kind, Manifest, child_metadata, session_name
from sessions.user_context import claimed_user_id, verified_user

_RBAC_API_VERSION = "rbac.authorization.k8s.io/v1"
_CREATED_BY_USER_ANNOTATION = "ambient-code.io/created-by-user-id"
# The userId a session claims without the API's signature: kept for audit, never an identity.
_UNVERIFIED_USER_ANNOTATION = "ambient-code.io/unverified-user-id"


def runner_service_account(session: Mapping[str, Any], config: ReconcilerConfig) -> Manifest:
    user = verified_user(session, config.user_context_key)
    claimed = claimed_user_id(session)
    annotations = None
    if user is not None:
        annotations = {_CREATED_BY_USER_ANNOTATION: user.user_id}
    elif claimed:
        annotations = {_UNVERIFIED_USER_ANNOTATION: claimed}
    manifest: Manifest = {
        "apiVersion": "v1",
        "kind": Kind.SERVICE_ACCOUNT.value,
        "metadata": child_metadata(
            session,
            service_account_name(session_name(session)),
            labels={LABEL_APP: APP_SESSION_RBAC},
            annotations=annotations,
        ),
        # The token reaches the pod through our Secret (refreshed), not the automounted one.
        "automountServiceAccountToken": False,
    }
    return manifest


def runner_role(session: Mapping[str, Any]) -> Manifest:
    name = session_name(session)
    return {
        "apiVersion": _RBAC_API_VERSION,
        "kind": Kind.ROLE.value,
        "metadata": child_metadata(session, role_name(name), labels={LABEL_APP: APP_SESSION_RBAC}),
        "rules": [
            {"apiGroups": [GROUP], "resources": [PLURAL], "resourceNames": [name], "verbs": ["get"]},
            {
                "apiGroups": [""],
                "resources": ["secrets"],
                "resourceNames": [token_secret_name(name)],
                "verbs": ["get"],
            },
        ],
    }


def runner_role_binding(session: Mapping[str, Any]) -> Manifest:
    name = session_name(session)
    return {
        "apiVersion": _RBAC_API_VERSION,
        "kind": Kind.ROLE_BINDING.value,
        "metadata": child_metadata(session, role_binding_name(name), labels={LABEL_APP: APP_SESSION_RBAC}),
        "roleRef": {
            "apiGroup": "rbac.authorization.k8s.io",
            "kind": Kind.ROLE.value,
            "name": role_name(name),
        },
        "subjects": [
            {
                "kind": Kind.SERVICE_ACCOUNT.value,
                "name": service_account_name(name),
                "namespace": str(session["metadata"]["namespace"]),
            }
        ],
    }
