"""Who may read and write one session's chat, decided with the caller's Kubernetes identity.

Reading (history, opening the socket) needs `get` on the session; sending needs `update`, or being
the session's own runner service account (whose Role grants only `get` on its session).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import parse_qs

from ambient.contract import ANNOTATION_RUNNER_SA
from ambient.exceptions import InvalidInput, Unauthenticated
from ambient.kube import AccessCheck
from sessions.auth import Caller, checked_token
from sessions.chat.services import ChatTarget
from sessions.permissions import validate_project_name
from sessions.selectors import project_require_managed

SERVICE_ACCOUNT_PREFIX = "system:serviceaccount:"


@dataclass(frozen=True)
class ChatAccess:
    target: ChatTarget
    sender: str
    can_send: bool


def runner_username(session: dict) -> str | None:
    """The Kubernetes username of the session's runner, from the annotation the reconciler writes."""
    metadata = session.get("metadata") or {}
    account = (metadata.get("annotations") or {}).get(ANNOTATION_RUNNER_SA)
    return f"{SERVICE_ACCOUNT_PREFIX}{metadata.get('namespace')}:{account}" if account else None


def chat_target_of(session: dict) -> ChatTarget:
    metadata = session.get("metadata") or {}
    return ChatTarget(
        namespace=str(metadata.get("namespace") or ""),
        session=str(metadata.get("name") or ""),
        session_uid=str(metadata.get("uid") or ""),
    )


def chat_access_for(*, caller: Caller, namespace: str, session: str) -> ChatAccess:
    """Check a socket's caller: accepted token, `get` on the session, a managed project, the session exists.

    Raises Unauthenticated, Forbidden, NotFound or InvalidInput (the consumer maps them to close codes).
    """
    validate_project_name(namespace)
    identity = caller.identity()
    caller.require(
        AccessCheck(namespace=namespace, verb="get", name=session),
        f"You may not read session {session!r} in project {namespace!r}: ask a project admin for a project role.",
    )
    project_require_managed(namespace)
    current = caller.gateway().session_get(namespace=namespace, name=session)
    can_send = identity.username == runner_username(current) or caller.can(
        AccessCheck(namespace=namespace, verb="update", name=session)
    )
    return ChatAccess(target=chat_target_of(current), sender=identity.username, can_send=can_send)


def socket_token(headers: Iterable[tuple[bytes, bytes]], query_string: bytes) -> str:
    """`Authorization: Bearer`, else `X-Forwarded-Access-Token`, else `?token=` (browsers cannot set
    headers on a WebSocket). Raises Unauthenticated when none is usable."""
    found = dict((name.lower(), value) for name, value in headers)
    authorization = found.get(b"authorization", b"").split()
    if authorization and authorization[0].lower() == b"bearer":
        if len(authorization) != 2:
            raise Unauthenticated("Malformed Authorization header: use `Authorization: Bearer <token>`.")
        return checked_token(authorization[1])
    forwarded = found.get(b"x-forwarded-access-token", b"").strip()
    if forwarded:
        return checked_token(forwarded)
    tokens = parse_qs(query_string.decode("latin-1")).get("token")
    if tokens and tokens[0]:
        return checked_token(tokens[0].encode("latin-1"))
    raise Unauthenticated("Send a Kubernetes token in the Authorization header or as ?token=.")


def socket_after(query_string: bytes) -> int | None:
    """`?after=<id>`: replay messages after this id first; absent → live messages only."""
    values = parse_qs(query_string.decode("latin-1")).get("after")
    if not values:
        return None
    try:
        after = int(values[0])
    except ValueError:
        raise InvalidInput("`after` must be a message id (a whole number ≥ 0).") from None
    if after < 0:
        raise InvalidInput("`after` must be a message id (a whole number ≥ 0).")
    return after
