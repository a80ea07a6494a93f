"""A signed `spec.userContext`: the API vouches for who asked for a run; the reconciler checks.

The API writes userContext from the caller's TokenReview identity and signs it (HMAC-SHA256 with a
server key) together with the session's namespace, name and a digest of the spec fields that decide
what the run does. A CR written or edited around the API (kubectl) carries no signature or one that
no longer matches: the reconciler then runs it as an unverified user, with no user id in the
runner's environment or ServiceAccount and nothing user-scoped.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from sessions.api_constants import CRD_MANIFEST

SIGNATURE_FIELD = "signature"
SIGNATURE_PREFIX = "v1:"
# Outside the digest: the identity itself, and the label people see (renaming changes no run).
UNSIGNED_SPEC_FIELDS = frozenset({"userContext", "displayName"})
_NO_DEFAULT = object()


@dataclass(frozen=True)
class VerifiedUser:
    """The user the API vouched for when it last wrote this session's spec."""

    user_id: str
    display_name: str
    groups: tuple[str, ...] = ()


def user_context_signing_key() -> bytes:
    """SESSION_USER_CONTEXT_SIGNING_KEY, else a key derived from DJANGO_SECRET_KEY (never the raw one)."""
    from django.conf import settings

    configured = settings.SESSION_USER_CONTEXT_SIGNING_KEY
    if configured:
        return configured.encode()
    return hashlib.sha256(f"ambient.user-context:{settings.SECRET_KEY}".encode()).digest()


def _schema_defaults(properties: Mapping[str, Any]) -> dict[str, Any]:
    defaults: dict[str, Any] = {}
    for name, schema in properties.items():
        if "default" in schema:
            defaults[name] = schema["default"]
        elif schema.get("type") == "object" and schema.get("properties"):
            nested = _schema_defaults(schema["properties"])
            if nested:
                defaults[name] = nested
    return defaults


@functools.cache
def crd_spec_defaults() -> Mapping[str, Any]:
    """The CRD's spec defaults. The API server fills them in after the API signed, so the digest
    skips a field that holds its default."""
    crd = yaml.safe_load(CRD_MANIFEST.read_text())
    spec_schema = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]
    return _schema_defaults(spec_schema.get("properties") or {})


def _plain_number(value: Any) -> Any:
    # 1.0 and 1 are the same JSON number; an API server may hand either back.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Mapping):
        return {str(key): _plain_number(item) for key, item in value.items() if item is not None}
    if isinstance(value, list | tuple):
        return [_plain_number(item) for item in value]
    return value


def _without_defaults(values: Mapping[str, Any], defaults: Mapping[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, item in values.items():
        if item is None:
            continue
        default = defaults.get(key, _NO_DEFAULT)
        if isinstance(default, Mapping) and isinstance(item, Mapping):
            item = _without_defaults(item, default)
            if not item:
                continue
        else:
            item = _plain_number(item)
            if default is not _NO_DEFAULT and type(item) is type(_plain_number(default)) and item == default:
                continue
        result[str(key)] = item
    return result


def spec_digest(spec: Mapping[str, Any]) -> str:
    """Digest of what the run does: every spec field but the identity and displayName, defaults skipped."""
    signed = {key: value for key, value in spec.items() if key not in UNSIGNED_SPEC_FIELDS}
    canonical = json.dumps(_without_defaults(signed, crd_spec_defaults()), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _signature(context: Mapping[str, Any], *, namespace: str, name: str, spec: Mapping[str, Any], key: bytes) -> str:
    message = {
        "namespace": namespace,
        "name": name,
        "userId": str(context.get("userId") or ""),
        "displayName": str(context.get("displayName") or ""),
        "groups": [str(group) for group in context.get("groups") or ()],
        "spec": spec_digest(spec),
    }
    payload = json.dumps(message, sort_keys=True, separators=(",", ":")).encode()
    return SIGNATURE_PREFIX + hmac.new(key, payload, hashlib.sha256).hexdigest()


def signed_user_context(
    context: Mapping[str, Any], *, namespace: str, name: str, spec: Mapping[str, Any], key: bytes
) -> dict[str, Any]:
    """`context` (userId, displayName, groups) with the signature over it, the session and `spec`."""
    unsigned = {field: value for field, value in context.items() if field != SIGNATURE_FIELD}
    signature = _signature(unsigned, namespace=namespace, name=name, spec=spec, key=key)
    return {**unsigned, SIGNATURE_FIELD: signature}


def verified_user(session: Mapping[str, Any], key: bytes) -> VerifiedUser | None:
    """The vouched-for user of a session as read, or None (absent, unsigned, forged or edited since)."""
    spec = session.get("spec") or {}
    context = spec.get("userContext")
    if not key or not isinstance(context, Mapping) or not context.get("userId"):
        return None
    signature = context.get(SIGNATURE_FIELD)
    if not isinstance(signature, str):
        return None
    metadata = session.get("metadata") or {}
    expected = _signature(
        context,
        namespace=str(metadata.get("namespace") or ""),
        name=str(metadata.get("name") or ""),
        spec=spec,
        key=key,
    )
    if not hmac.compare_digest(signature, expected):
        return None
    return VerifiedUser(
        user_id=str(context["userId"]),
        display_name=str(context.get("displayName") or ""),
        groups=tuple(str(group) for group in context.get("groups") or ()),
    )


def claimed_user_id(session: Mapping[str, Any]) -> str:
    """The userId a session claims, verified or not (for audit trails only, never for access)."""
    context = (session.get("spec") or {}).get("userContext")
    return str(context.get("userId") or "") if isinstance(context, Mapping) else ""
