"""Who is calling the session API, and which Kubernetes identity acts for them.

API callers present a Kubernetes bearer token (`Authorization: Bearer …`, else the OAuth proxy's
`X-Forwarded-Access-Token`); every CR call is then made with that token so Kubernetes RBAC decides.
Django staff users logged in to the admin (session auth: the admin console and the browsable API)
have no token: the control plane acts for them through Kubernetes impersonation
(`Impersonate-User` = the Django username, `Impersonate-Group` = `ambient:django-staff` and their
Django groups), so RBAC decides for them exactly as for a token of that user.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from rest_framework import HTTP_HEADER_ENCODING
from rest_framework.authentication import BaseAuthentication, SessionAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from ambient.exceptions import Forbidden, Unauthenticated
from ambient.kube import (
    AccessCheck,
    Identity,
    KubeGateway,
    control_plane_gateway,
    impersonating_gateway,
    token_digest,
    user_gateway,
)
from sessions.access_cache import ExpiringCache

FORWARDED_TOKEN_HEADER = "HTTP_X_FORWARDED_ACCESS_TOKEN"  # noqa: S105 - a header name
AUTHORIZATION_HEADER = "HTTP_AUTHORIZATION"
# The group every Django staff user is impersonated in (besides their Django groups).
DJANGO_STAFF_GROUP = "ambient:django-staff"
# Visible ASCII only: a token is sent on as an HTTP header, and real tokens are base64(url) or JWTs.
TOKEN_PATTERN = re.compile(rb"[\x21-\x7e]+")

_access_cache: ExpiringCache[bool] = ExpiringCache(ttl_seconds=settings.SESSION_API_ACCESS_CACHE_SECONDS)
_identity_cache: ExpiringCache[Identity | None] = ExpiringCache(ttl_seconds=settings.SESSION_API_ACCESS_CACHE_SECONDS)


@dataclass
class TokenUser:
    """`request.user` for a bearer-token caller (no Django user row: Kubernetes owns identity)."""

    token: str = field(repr=False)
    is_authenticated: bool = True
    is_active: bool = True
    is_staff: bool = False
    is_superuser: bool = False
    is_anonymous: bool = False

    @property
    def username(self) -> str:
        return Caller(token=self.token).identity().username

    def __str__(self) -> str:
        return "token user"


class BearerTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer <token>`, else `X-Forwarded-Access-Token: <token>`.

    The token is verified here (TokenReview, cached briefly), before any lookup or body parsing, so an
    unauthenticated caller learns nothing about which projects exist and cannot make us parse a body.
    """

    keyword = "bearer"

    def authenticate(self, request: Request) -> tuple[TokenUser, str] | None:
        # Raised as DRF's own exception: DRF then marks the request anonymous, answers 401 with
        # WWW-Authenticate, and every renderer (the browsable API's too) can still read `request.user`.
        try:
            token = bearer_token(request)
            if token is None:
                return None
            Caller(token=token).identity()
        except Unauthenticated as error:
            raise AuthenticationFailed(error.message, code=error.code) from error
        return TokenUser(token=token), token

    def authenticate_header(self, request: Request) -> str:
        # Makes DRF answer 401 (not 403) when no credentials came.
        return 'Bearer realm="api"'


class StaffSessionAuthentication(SessionAuthentication):
    """Admin-logged-in staff, for the browsable API; others fall through to 401/403."""

    def authenticate(self, request: Request) -> tuple[Any, None] | None:
        result = super().authenticate(request)
        if result is None or not result[0].is_staff:
            return None
        return result


def bearer_token(request: Request) -> str | None:
    header = _authorization_header(request).split()
    if header and header[0].lower() == b"bearer":
        if len(header) != 2 or not header[1]:
            raise Unauthenticated("Malformed Authorization header: use `Authorization: Bearer <token>`.")
        return checked_token(header[1])
    forwarded = request.META.get(FORWARDED_TOKEN_HEADER, "").strip()
    return checked_token(forwarded.encode("utf-8")) if forwarded else None


def _authorization_header(request: Request) -> bytes:
    """DRF's `get_authorization_header`, read from META: it reads `request.headers`, a mapping of every
    header that Django builds on first use, which a file GET served on the event loop never needs."""
    value = request.META.get(AUTHORIZATION_HEADER, b"")
    return value.encode(HTTP_HEADER_ENCODING) if isinstance(value, str) else value


def checked_token(raw: bytes) -> str:
    """A token is visible ASCII of bounded length; anything else cannot be valid and is never sent on."""
    if len(raw) > settings.API_MAX_TOKEN_LENGTH:
        raise Unauthenticated(
            f"The bearer token is longer than {settings.API_MAX_TOKEN_LENGTH} characters; send a Kubernetes token."
        )
    if not TOKEN_PATTERN.fullmatch(raw):
        raise Unauthenticated("The bearer token holds characters a token cannot contain (visible ASCII only).")
    return raw.decode("ascii")


@dataclass(frozen=True)
class Caller:
    """The acting identity behind one request: a token, or a staff user impersonated by the control
    plane; either way Kubernetes RBAC decides for that user."""

    token: str | None = field(default=None, repr=False)
    staff_username: str | None = None
    # Django group names of the staff user; impersonated as Kubernetes groups.
    staff_groups: tuple[str, ...] = ()

    @property
    def is_staff(self) -> bool:
        return self.token is None and self.staff_username is not None

    @functools.cached_property
    def _token_key(self) -> str:
        """The caches' key for the token (its digest, never the token): computed once per Caller, where a
        request asks the identity and two access reviews of the same caller."""
        return token_digest(self.token or "")

    def gateway(self) -> KubeGateway:
        if self.token is not None:
            return user_gateway(self.token)
        if not self.staff_username:
            raise Unauthenticated()
        return impersonating_gateway(self.staff_username, self.identity().groups)

    def identity(self, *, fresh: bool = False) -> Identity:
        """The caller's Kubernetes username and groups (TokenReview, cached briefly unless `fresh`).

        `fresh` asks the API server again: privileged writes made with the control plane's identity
        must not act on an identity whose token was revoked a moment ago.
        """
        if self.token is None:
            groups = (DJANGO_STAFF_GROUP, *(group for group in self.staff_groups if group != DJANGO_STAFF_GROUP))
            return Identity(username=self.staff_username or "", groups=groups)
        token = self.token

        def review() -> Identity | None:
            return control_plane_gateway().token_review(token=token)

        key = self._token_key
        if fresh:
            _identity_cache.forget(key)
        identity = _identity_cache.get_or_compute(key, review, keep=lambda found: found is not None)
        if identity is None:
            raise Unauthenticated("The bearer token was not accepted by the Kubernetes API server.")
        return identity

    def can(self, check: AccessCheck, *, fresh: bool = False) -> bool:
        """SelfSubjectAccessReview as the caller; allowed answers are cached briefly unless `fresh`."""
        if fresh:
            return self.gateway().access_review(check)
        key = (self._token_key if self.token is not None else self.identity(), check)
        # The client is looked up only to ask: a cached answer needs none (and async views use it on the loop).
        return _access_cache.get_or_compute(key, lambda: self.gateway().access_review(check), keep=bool)

    def require(self, check: AccessCheck, message: str) -> None:
        if not self.can(check):
            raise Forbidden(
                message, details={"verb": check.verb, "resource": check.resource, "namespace": check.namespace}
            )


def caller_of(request: Request) -> Caller:
    user = request.user
    if isinstance(user, TokenUser):
        return Caller(token=user.token)
    if getattr(user, "is_staff", False):
        return staff_caller(user)
    raise Unauthenticated()


def staff_caller(user: Any) -> Caller:
    """The Caller for a logged-in Django staff user (admin console, browsable API)."""
    if not getattr(user, "is_staff", False) or not getattr(user, "is_active", False):
        raise Unauthenticated()
    groups = tuple(sorted(user.groups.values_list("name", flat=True)))
    return Caller(staff_username=user.get_username(), staff_groups=groups)


def forget_cached_access() -> None:
    """Tests: drop cached reviews and identities."""
    _access_cache.clear()
    _identity_cache.clear()
