"""Bound service-account tokens: JWTs with the claims kube-apiserver puts in them, and their checks.

Validation follows kube's JWT authenticator: issuer decides whether the token is ours at all, then
signature, time claims (60 s leeway, as go-jose), audience intersection, and finally that the
ServiceAccount (and a bound Pod/Secret) still exists with the uid recorded in the token.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from localkube.auth.constants import (
    EXTRA_CREDENTIAL_ID,
    GROUP_SERVICE_ACCOUNTS,
    SERVICE_ACCOUNT_GROUP_PREFIX,
    service_account_username,
)
from localkube.auth.errors import AuthError, not_found
from localkube.auth.signing import SigningKey
from localkube.interfaces import KubeObject, ObjectReader, UserInfo

logger = logging.getLogger(__name__)

ALGORITHM = "RS256"
LEEWAY = timedelta(seconds=60)
KUBE_CLAIM = "kubernetes.io"

# Objects a token may be bound to, as kube allows: kind → (group, resource, claim key).
BINDABLE_KINDS: dict[str, tuple[str, str, str]] = {
    "Pod": ("", "pods", "pod"),
    "Secret": ("", "secrets", "secret"),
}


@dataclass(frozen=True)
class BoundObject:
    kind: str
    name: str
    uid: str


@dataclass(frozen=True)
class TokenResult:
    """The outcome of authenticating one token against a set of audiences."""

    user: UserInfo | None
    audiences: tuple[str, ...] = ()
    error: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def authenticated(self) -> bool:
        return self.user is not None


def as_utc(moment: datetime | None) -> datetime:
    if moment is None:
        return datetime.now(UTC)
    if moment.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware")
    return moment.astimezone(UTC)


class ServiceAccountTokens:
    """Issues and validates the tokens this server signs; holds no state besides the key."""

    def __init__(self, key: SigningKey, issuer: str, reader: ObjectReader) -> None:
        self._key = key
        self._issuer = issuer
        self._reader = reader

    def issue(
        self,
        namespace: str,
        sa_name: str,
        *,
        audiences: list[str],
        expiration_seconds: int,
        now: datetime | None = None,
        bound_object: BoundObject | None = None,
    ) -> tuple[str, datetime]:
        account = self._reader.get_object("", "serviceaccounts", namespace, sa_name)
        if account is None:
            raise not_found("serviceaccounts", sa_name)
        issued_at = as_utc(now).replace(microsecond=0)
        expires_at = issued_at + timedelta(seconds=expiration_seconds)
        kube_claim: dict[str, Any] = {
            "namespace": namespace,
            "serviceaccount": {"name": sa_name, "uid": _uid(account)},
        }
        if bound_object is not None:
            kube_claim[BINDABLE_KINDS[bound_object.kind][2]] = {
                "name": bound_object.name,
                "uid": bound_object.uid,
            }
        claims = {
            "aud": list(audiences),
            "exp": int(expires_at.timestamp()),
            "iat": int(issued_at.timestamp()),
            "nbf": int(issued_at.timestamp()),
            "iss": self._issuer,
            "jti": str(uuid.uuid4()),
            KUBE_CLAIM: kube_claim,
            "sub": service_account_username(namespace, sa_name),
        }
        token = jwt.encode(claims, self._key.private_key, algorithm=ALGORITHM, headers={"kid": self._key.key_id})
        return token, expires_at

    def validate(self, token: str, audiences: tuple[str, ...], now: datetime) -> TokenResult | None:
        """A result for tokens claiming our issuer; None when the token is not one of ours."""
        try:
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            return None
        if not isinstance(unverified, dict) or unverified.get("iss") != self._issuer:
            return None
        try:
            claims = jwt.decode(
                token,
                self._key.public_key,
                algorithms=[ALGORITHM],
                # Time and audience are checked below against our clock and kube's rules.
                options={"verify_exp": False, "verify_nbf": False, "verify_iat": False, "verify_aud": False},
            )
        except jwt.PyJWTError as error:
            logger.debug("service-account token rejected: %s", type(error).__name__)
            return TokenResult(None, error="invalid bearer token")
        return self._check_claims(claims, audiences, now)

    def _check_claims(self, claims: dict[str, Any], requested: tuple[str, ...], now: datetime) -> TokenResult:
        time_error = _time_error(claims, now)
        if time_error:
            return TokenResult(None, error=time_error)
        token_audiences = claims.get("aud") or []
        if isinstance(token_audiences, str):
            token_audiences = [token_audiences]
        matched = tuple(audience for audience in token_audiences if audience in requested)
        if not matched:
            return TokenResult(
                None,
                error=f"token audiences {_go_list(token_audiences)} is invalid "
                f"for the target audiences {_go_list(requested)}",
            )
        kube_claim = claims.get(KUBE_CLAIM)
        if not isinstance(kube_claim, dict):
            return TokenResult(None, error="service account token claims could not be retrieved")
        namespace = str(kube_claim.get("namespace", ""))
        account_ref = kube_claim.get("serviceaccount") or {}
        name, uid = str(account_ref.get("name", "")), str(account_ref.get("uid", ""))
        account = self._reader.get_object("", "serviceaccounts", namespace, name)
        problem = _liveness_error(account, "service account", namespace, name, uid, now)
        if problem:
            return TokenResult(None, error=problem)
        extra: dict[str, list[str]] = {EXTRA_CREDENTIAL_ID: [f"JTI={claims.get('jti', '')}"]}
        for kind, (group, resource, key) in BINDABLE_KINDS.items():
            reference = kube_claim.get(key)
            if not isinstance(reference, dict):
                continue
            ref_name, ref_uid = str(reference.get("name", "")), str(reference.get("uid", ""))
            bound = self._reader.get_object(group, resource, namespace, ref_name)
            problem = _liveness_error(bound, kind.lower(), namespace, ref_name, ref_uid, now)
            if problem:
                return TokenResult(None, error=problem)
            extra[f"authentication.kubernetes.io/{key}-name"] = [ref_name]
            extra[f"authentication.kubernetes.io/{key}-uid"] = [ref_uid]
        user = UserInfo(
            username=service_account_username(namespace, name),
            uid=uid,
            groups=(GROUP_SERVICE_ACCOUNTS, f"{SERVICE_ACCOUNT_GROUP_PREFIX}{namespace}"),
            extra=extra,
        )
        return TokenResult(user, audiences=matched)


def _time_error(claims: dict[str, Any], now: datetime) -> str:
    moment = now.timestamp()
    leeway = LEEWAY.total_seconds()
    try:
        expires = float(claims["exp"])
        not_before = float(claims.get("nbf", 0))
        issued = float(claims.get("iat", 0))
    except (KeyError, TypeError, ValueError):
        # Every token we issue expires; one without exp was not made by TokenRequest.
        return "service account token claims could not be retrieved"
    if moment - leeway > expires:
        return "service account token has expired"
    if moment + leeway < not_before:
        return "service account token is not valid yet"
    if moment + leeway < issued:
        return "service account token is issued in the future"
    return ""


def _liveness_error(obj: KubeObject | None, what: str, namespace: str, name: str, uid: str, now: datetime) -> str:
    """Why a token bound to ``obj`` is no longer valid ("" if it is), with kube's wording."""
    if obj is None:
        return f"{what} {namespace}/{name} has been deleted"
    deleted_at = (obj.get("metadata") or {}).get("deletionTimestamp")
    # kube keeps tokens valid for a leeway after deletion starts, so in-flight requests finish.
    if deleted_at and _parse_time(deleted_at) < now - LEEWAY:
        return f"{what} {namespace}/{name} has been deleted"
    if _uid(obj) != uid:
        return f"{what} UID ({_uid(obj)}) does not match claim ({uid})"
    return ""


def _uid(obj: KubeObject) -> str:
    return str((obj.get("metadata") or {}).get("uid", ""))


def _parse_time(value: str) -> datetime:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)


def _go_list(values: Any) -> str:
    """Render a list as Go's %q does for []string, so error texts match kube's."""
    return "[" + " ".join(f'"{value}"' for value in values) + "]"


def check_bound_object(reader: ObjectReader, namespace: str, reference: dict[str, Any]) -> BoundObject:
    """Resolve a TokenRequest ``spec.boundObjectRef``; raises AuthError as kube's REST handler."""
    kind = str(reference.get("kind", ""))
    name = str(reference.get("name", ""))
    if kind not in BINDABLE_KINDS:
        raise AuthError(
            422,
            "Invalid",
            f'spec.boundObjectRef.kind: Unsupported value: "{kind}": supported values: "Pod", "Secret"',
        )
    group, resource, _key = BINDABLE_KINDS[kind]
    obj = reader.get_object(group, resource, namespace, name)
    if obj is None:
        raise not_found(resource, name)
    uid = str(reference.get("uid") or "")
    if uid and uid != _uid(obj):
        raise AuthError(
            409,
            "Conflict",
            f"the UID in the bound object reference ({uid}) does not match the UID in record "
            f"({_uid(obj)}). The object might have been deleted and then recreated",
        )
    return BoundObject(kind=kind, name=name, uid=_uid(obj))
