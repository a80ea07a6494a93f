"""Names kube gives to groups, users, claims and labels that the auth package relies on."""

from __future__ import annotations

RBAC_GROUP = "rbac.authorization.k8s.io"

GROUP_AUTHENTICATED = "system:authenticated"
GROUP_UNAUTHENTICATED = "system:unauthenticated"
GROUP_MASTERS = "system:masters"
GROUP_SERVICE_ACCOUNTS = "system:serviceaccounts"
USER_ANONYMOUS = "system:anonymous"
SERVICE_ACCOUNT_USER_PREFIX = "system:serviceaccount:"
SERVICE_ACCOUNT_GROUP_PREFIX = "system:serviceaccounts:"

# kube-apiserver's defaults when --service-account-issuer / --api-audiences are left to the installer.
DEFAULT_ISSUER = "https://kubernetes.default.svc.cluster.local"

# TokenRequest bounds (pkg/apis/authentication/validation): at least 10 minutes, at most 2^32 s.
MIN_TOKEN_EXPIRATION_SECONDS = 600
MAX_TOKEN_EXPIRATION_SECONDS = 1 << 32
DEFAULT_TOKEN_EXPIRATION_SECONDS = 3600
# Our --service-account-max-token-expiration: longer requests are shortened to it, as kube does
# when the flag is set (managed clusters set it; a long-lived credential outlives its purpose).
DEFAULT_MAX_TOKEN_EXPIRATION_SECONDS = 48 * 3600

SIGNING_KEY_FILE = "service-account-signing-key.pem"

# The "extra" key kube >= 1.29 puts on service-account users to identify the credential (its jti).
EXTRA_CREDENTIAL_ID = "authentication.kubernetes.io/credential-id"

AGGREGATE_TO_ADMIN = "rbac.authorization.k8s.io/aggregate-to-admin"
AGGREGATE_TO_EDIT = "rbac.authorization.k8s.io/aggregate-to-edit"
AGGREGATE_TO_VIEW = "rbac.authorization.k8s.io/aggregate-to-view"
BOOTSTRAP_LABEL = "kubernetes.io/bootstrapping"
BOOTSTRAP_LABEL_VALUE = "rbac-defaults"
AUTOUPDATE_ANNOTATION = "rbac.authorization.kubernetes.io/autoupdate"


def service_account_username(namespace: str, name: str) -> str:
    return f"{SERVICE_ACCOUNT_USER_PREFIX}{namespace}:{name}"


def split_service_account_username(username: str) -> tuple[str, str] | None:
    """(namespace, name) for ``system:serviceaccount:<ns>:<name>``, else None."""
    if not username.startswith(SERVICE_ACCOUNT_USER_PREFIX):
        return None
    namespace, sep, name = username[len(SERVICE_ACCOUNT_USER_PREFIX) :].partition(":")
    if not sep or not namespace or not name or ":" in name:
        return None
    return namespace, name
