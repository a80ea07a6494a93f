"""Bearer-token authentication: static tokens first, then service-account tokens we signed.

As kube-apiserver, static tokens are audience-agnostic (they only count for the API server's own
audiences) and every authenticated user is put in ``system:authenticated``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from localkube.auth.constants import (
    DEFAULT_ISSUER,
    DEFAULT_MAX_TOKEN_EXPIRATION_SECONDS,
    DEFAULT_TOKEN_EXPIRATION_SECONDS,
    GROUP_AUTHENTICATED,
    MAX_TOKEN_EXPIRATION_SECONDS,
    MIN_TOKEN_EXPIRATION_SECONDS,
    USER_ANONYMOUS,
)
from localkube.auth.errors import AuthError, invalid
from localkube.auth.service_account_tokens import BoundObject, ServiceAccountTokens, TokenResult, as_utc
from localkube.auth.signing import load_or_create_signing_key
from localkube.auth.static_tokens import StaticTokens
from localkube.interfaces import ObjectReader, UserInfo

logger = logging.getLogger(__name__)

INVALID_TOKEN = "invalid bearer token"  # noqa: S105 - an error message, not a credential


class Authenticator:
    """Turns a bearer token into a ``UserInfo``; also mints service-account tokens (TokenRequest)."""

    def __init__(
        self,
        tokens_file: Path | None,
        state_dir: Path,
        reader: ObjectReader,
        *,
        issuer: str = DEFAULT_ISSUER,
        api_audiences: Sequence[str] | None = None,
        clock: Callable[[], datetime] | None = None,
        max_token_expiration_seconds: int = DEFAULT_MAX_TOKEN_EXPIRATION_SECONDS,
    ) -> None:
        self._max_token_expiration_seconds = max_token_expiration_seconds
        self._static = StaticTokens(tokens_file)
        self._key = load_or_create_signing_key(state_dir)
        self._issuer = issuer
        # kube-apiserver defaults --api-audiences to the issuer; tokens must carry one of them.
        self._api_audiences = tuple(api_audiences) if api_audiences else (issuer,)
        self._clock = clock
        self._service_accounts = ServiceAccountTokens(self._key, issuer, reader)

    @property
    def issuer(self) -> str:
        return self._issuer

    @property
    def api_audiences(self) -> tuple[str, ...]:
        return self._api_audiences

    def add_static_token(self, token: str, username: str, groups: Sequence[str] = (), uid: str = "") -> None:
        """Register a token in-process (tests, the dev bootstrap user); it wins over the file."""
        self._static.add(token, UserInfo(username=username, uid=uid, groups=tuple(groups)))

    def remove_static_token(self, token: str) -> None:
        self._static.remove(token)

    def authenticate(self, bearer_token: str | None) -> UserInfo | None:
        """The user for an ``Authorization: Bearer`` token, or None (the core answers 401)."""
        if not bearer_token:
            return None
        result = self.authenticate_token(bearer_token)
        if not result.authenticated:
            # Only the reason is logged; the token itself is a credential.
            logger.debug("bearer token rejected: %s", result.error)
        return result.user

    def authenticate_token(self, token: str, audiences: Sequence[str] | None = None) -> TokenResult:
        """Authenticate for ``audiences`` (default: the API server's), as TokenReview needs."""
        if not token or not _is_token_text(token):
            # Bytes that are not printable ASCII can be neither a static token nor a JWT.
            return TokenResult(None, error=INVALID_TOKEN)
        requested = tuple(audiences) if audiences else self._api_audiences
        static_user = self._static.lookup(token)
        if static_user is not None:
            api_audiences = tuple(audience for audience in self._api_audiences if audience in requested)
            if api_audiences:
                return TokenResult(_with_authenticated_group(static_user), audiences=api_audiences)
            return TokenResult(None, error=INVALID_TOKEN)
        result = self._service_accounts.validate(token, requested, self._now())
        if result is None:
            return TokenResult(None, error=INVALID_TOKEN)
        if result.user is None:
            return result
        return TokenResult(_with_authenticated_group(result.user), audiences=result.audiences)

    def issue_service_account_token(
        self,
        namespace: str,
        sa_name: str,
        *,
        audiences: list[str] | None = None,
        expiration_seconds: int = DEFAULT_TOKEN_EXPIRATION_SECONDS,
        now: datetime | None = None,
        bound_object: BoundObject | None = None,
    ) -> tuple[str, datetime]:
        """A signed token for ServiceAccount ``namespace/sa_name`` and its expiry (UTC)."""
        expiration_seconds = self.token_lifetime(sa_name, expiration_seconds)
        token, expires_at = self._service_accounts.issue(
            namespace,
            sa_name,
            audiences=list(audiences) if audiences else list(self._api_audiences),
            expiration_seconds=expiration_seconds,
            now=self._now() if now is None else as_utc(now),
            bound_object=bound_object,
        )
        logger.info("issued token for service account %s/%s until %s", namespace, sa_name, expires_at.isoformat())
        return token, expires_at

    def token_lifetime(self, sa_name: str, requested_seconds: int) -> int:
        """The lifetime a TokenRequest gets: kube's bounds are refused (422), then the cap applies.

        As kube-apiserver with --service-account-max-token-expiration, a longer valid request is
        shortened to the cap rather than refused; the response's expirationSeconds says so.
        """
        if requested_seconds < MIN_TOKEN_EXPIRATION_SECONDS:
            raise _invalid_expiration(sa_name, requested_seconds, "may not specify a duration less than 10 minutes")
        if requested_seconds > MAX_TOKEN_EXPIRATION_SECONDS:
            raise _invalid_expiration(sa_name, requested_seconds, "may not specify a duration larger than 2^32 seconds")
        return min(requested_seconds, self._max_token_expiration_seconds)

    def jwks(self) -> dict[str, Any]:
        """The key set for /openid/v1/jwks, so relying parties can verify our tokens."""
        return {"keys": [self._key.jwk()]}

    def openid_configuration(self, jwks_uri: str) -> dict[str, Any]:
        """The /.well-known/openid-configuration document kube serves for its issuer."""
        return {
            "issuer": self._issuer,
            "jwks_uri": jwks_uri,
            "response_types_supported": ["id_token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
        }

    def _now(self) -> datetime:
        return as_utc(self._clock() if self._clock else None)


def _is_token_text(token: str) -> bool:
    return token.isascii() and token.isprintable()


def _with_authenticated_group(user: UserInfo) -> UserInfo:
    if user.username == USER_ANONYMOUS or GROUP_AUTHENTICATED in user.groups:
        return user
    return UserInfo(username=user.username, uid=user.uid, groups=(*user.groups, GROUP_AUTHENTICATED), extra=user.extra)


def _invalid_expiration(name: str, seconds: int, why: str) -> AuthError:
    return invalid(
        "TokenRequest",
        "authentication.k8s.io",
        name,
        [("spec.expirationSeconds", f"Invalid value: {seconds}: {why}")],
    )
