"""What the API security tests share: a runner ServiceAccount token made as the reconciler makes it,
revoking a user's token, and the session API's fixtures."""

from __future__ import annotations

from typing import Any

import kubernetes.client
from kubernetes.client import AuthenticationV1TokenRequest, V1Role, V1RoleBinding, V1ServiceAccount

from ambient.contract import GROUP, PLURAL, role_binding_name, role_name, service_account_name, token_secret_name
from localkube.testing import present

RBAC_GROUP = "rbac.authorization.k8s.io"


def runner_token(localkube: Any, namespace: str, session: dict[str, Any]) -> str:
    """A ServiceAccount holding what the reconciler grants a runner (get its own session and token
    Secret, nothing more), and a token for it."""
    name = session["metadata"]["name"]
    account = service_account_name(name)
    admin = localkube.api_client()
    core = kubernetes.client.CoreV1Api(admin)
    rbac = kubernetes.client.RbacAuthorizationV1Api(admin)
    core.create_namespaced_service_account(namespace, V1ServiceAccount.model_validate({"metadata": {"name": account}}))
    rules = [
        {"apiGroups": [GROUP], "resources": [PLURAL], "resourceNames": [name], "verbs": ["get"]},
        {"apiGroups": [""], "resources": ["secrets"], "resourceNames": [token_secret_name(name)], "verbs": ["get"]},
    ]
    rbac.create_namespaced_role(
        namespace, V1Role.model_validate({"metadata": {"name": role_name(name)}, "rules": rules})
    )
    binding = {
        "metadata": {"name": role_binding_name(name)},
        "roleRef": {"apiGroup": RBAC_GROUP, "kind": "Role", "name": role_name(name)},
        "subjects": [{"kind": "ServiceAccount", "name": account, "namespace": namespace}],
    }
    rbac.create_namespaced_role_binding(namespace, V1RoleBinding.model_validate(binding))
    request = {"spec": {"expirationSeconds": 3600}}
    issued = core.create_namespaced_service_account_token(
        account, namespace, AuthenticationV1TokenRequest.model_validate(request)
    )
    return present(present(issued.status, "the TokenRequest status").token, "the issued token")


def revoke(localkube: Any, token: str) -> None:
    """Forget a static token in localkube, as an identity provider revokes one."""
    authenticator = localkube.server.ctx.authenticator
    localkube.call(lambda: authenticator.remove_static_token(token))
