"""User impersonation, as kube-apiserver's WithImpersonation filter does it.

A request authenticated as A may carry ``Impersonate-User`` (and ``Impersonate-Uid``,
``Impersonate-Group`` repeated, ``Impersonate-Extra-<key>`` repeated); A must hold the
``impersonate`` verb on each: ``users`` (or ``serviceaccounts`` in the account's namespace for
``system:serviceaccount:<ns>:<name>``), ``groups``, ``uids`` and ``userextras/<key>`` (the last two in
API group authentication.k8s.io). The request then runs as the impersonated user, who — like any
authenticated user — is also in ``system:authenticated`` (service accounts in their groups too).
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote

from multidict import CIMultiDictProxy

from localkube.auth.constants import (
    GROUP_AUTHENTICATED,
    GROUP_MASTERS,
    GROUP_SERVICE_ACCOUNTS,
    SERVICE_ACCOUNT_GROUP_PREFIX,
    SERVICE_ACCOUNT_USER_PREFIX,
    USER_ANONYMOUS,
)
from localkube.auth.errors import AuthError, bad_request
from localkube.auth.messages import forbidden_status
from localkube.interfaces import RequestAttributes, UserInfo

HEADER_USER = "Impersonate-User"
HEADER_UID = "Impersonate-Uid"
HEADER_GROUP = "Impersonate-Group"
HEADER_EXTRA_PREFIX = "Impersonate-Extra-"
AUTHENTICATION_GROUP = "authentication.k8s.io"
VERB = "impersonate"

Authorize = Callable[[RequestAttributes], tuple[bool, str]]


def wants_impersonation(headers: CIMultiDictProxy[str]) -> bool:
    return any(key.lower().startswith("impersonate-") for key in headers)


def impersonated_user(requester: UserInfo, headers: CIMultiDictProxy[str], authorize: Authorize) -> UserInfo:
    """The user the request acts as; AuthError 400 (groups without a user) or 403 (not allowed)."""
    username = headers.get(HEADER_USER, "")
    uid = headers.get(HEADER_UID, "")
    groups = [value for value in headers.getall(HEADER_GROUP, [])]
    extra: dict[str, list[str]] = {}
    for key, value in headers.items():
        if key.lower().startswith(HEADER_EXTRA_PREFIX.lower()):
            # Extra keys are case-insensitive headers, so kube lower-cases and percent-decodes them.
            extra.setdefault(unquote(key[len(HEADER_EXTRA_PREFIX) :]).lower(), []).append(value)
    if not username:
        asked = [HEADER_GROUP] * bool(groups) + [HEADER_UID] * bool(uid) + [HEADER_EXTRA_PREFIX] * bool(extra)
        raise bad_request(f"requested {asked} without impersonating a user")

    def require(resource: str, name: str, *, group: str = "", namespace: str = "", subresource: str = "") -> None:
        if GROUP_MASTERS in requester.groups:
            return  # system:masters passes every authorization check, as in kube
        attributes = RequestAttributes(
            user=requester,
            verb=VERB,
            api_group=group,
            resource=resource,
            subresource=subresource,
            namespace=namespace,
            name=name,
        )
        allowed, reason = authorize(attributes)
        if not allowed:
            status = forbidden_status(attributes, reason)
            raise AuthError(403, "Forbidden", status["message"], status.get("details"))

    if username.startswith(SERVICE_ACCOUNT_USER_PREFIX) and username.count(":") == 3:
        _, _, namespace, name = username.split(":")
        require("serviceaccounts", name, namespace=namespace)
    else:
        require("users", username)
    for group_name in groups:
        require("groups", group_name)
    if uid:
        require("uids", uid, group=AUTHENTICATION_GROUP)
    for key, values in extra.items():
        for value in values:
            require("userextras", value, group=AUTHENTICATION_GROUP, subresource=key)
    return UserInfo(username=username, uid=uid, groups=tuple(_with_implied_groups(username, groups)), extra=extra)


def _with_implied_groups(username: str, groups: list[str]) -> list[str]:
    implied = list(groups)
    if username.startswith(SERVICE_ACCOUNT_USER_PREFIX) and username.count(":") == 3:
        namespace = username.split(":")[2]
        for group in (GROUP_SERVICE_ACCOUNTS, f"{SERVICE_ACCOUNT_GROUP_PREFIX}{namespace}"):
            if group not in implied:
                implied.append(group)
    if username != USER_ANONYMOUS and GROUP_AUTHENTICATED not in implied:
        implied.append(GROUP_AUTHENTICATED)
    return implied
