"""Pure helpers: names, the spec and metadata of a new CR, clone names (no I/O)."""

from __future__ import annotations

import secrets
import string
from collections.abc import Iterator, Mapping
from typing import Any

from ambient.contract import ANNOTATION_PARENT_SESSION_ID, API_VERSION, KIND, MAX_SESSION_NAME_LENGTH
from ambient.kube import Identity
from sessions.api_constants import (
    CLONE_NAME_ATTEMPTS,
    CLONE_SUFFIX,
    DISPLAY_NAME_MAX_LENGTH,
    ENV_PARENT_SESSION_ID,
    GENERATED_NAME_PREFIX,
    GENERATED_SUFFIX_LENGTH,
)
from sessions.user_context import signed_user_context

KubeObject = dict[str, Any]

# Spec keys a user edits (create and PUT); everything else in spec is the system's (userContext).
EDITABLE_SPEC_FIELDS: tuple[str, ...] = (
    "initialPrompt",
    "displayName",
    "interactive",
    "timeout",
    "inactivityTimeout",
    "llmSettings",
    "repos",
    "mainRepoIndex",
    "activeWorkflow",
    "environmentVariables",
    "resourceOverrides",
    "autoPushOnComplete",
)

_NAME_ALPHABET = string.ascii_lowercase + string.digits


def generated_session_name() -> str:
    """`session-<8 random>`: short, valid DNS label, and unguessable enough never to collide in practice."""
    suffix = "".join(secrets.choice(_NAME_ALPHABET) for _ in range(GENERATED_SUFFIX_LENGTH))
    return f"{GENERATED_NAME_PREFIX}{suffix}"


def user_context(identity: Identity) -> dict[str, Any]:
    return {"userId": identity.username, "displayName": identity.username, "groups": list(identity.groups)}


def with_signed_user_context(
    spec: Mapping[str, Any], *, identity: Identity, namespace: str, name: str, signing_key: bytes
) -> KubeObject:
    """`spec` with userContext set to `identity`, vouched for over this session and this spec."""
    context = signed_user_context(user_context(identity), namespace=namespace, name=name, spec=spec, key=signing_key)
    return {**spec, "userContext": context}


def editable_spec(data: Mapping[str, Any]) -> KubeObject:
    """The editable fields present in validated input, as plain JSON values."""
    return {key: _plain(data[key]) for key in EDITABLE_SPEC_FIELDS if key in data}


def _plain(value: Any) -> Any:
    # Serializers hand back OrderedDicts/ReturnDicts; the CR body must be plain JSON values.
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def new_session_body(
    *,
    namespace: str,
    name: str,
    data: Mapping[str, Any],
    identity: Identity,
    signing_key: bytes,
) -> KubeObject:
    """The CR to create from a validated create body. No status: the reconciler initialises it."""
    spec = editable_spec(data)
    annotations = {key: value for key, value in (data.get("annotations") or {}).items() if value is not None}
    parent = data.get("parentSessionId")
    if parent:
        annotations[ANNOTATION_PARENT_SESSION_ID] = parent
        spec["environmentVariables"] = {**spec.get("environmentVariables", {}), ENV_PARENT_SESSION_ID: parent}
    spec = with_signed_user_context(spec, identity=identity, namespace=namespace, name=name, signing_key=signing_key)
    metadata: KubeObject = {"name": name, "namespace": namespace}
    labels = {key: value for key, value in (data.get("labels") or {}).items() if value is not None}
    if labels:
        metadata["labels"] = labels
    if annotations:
        metadata["annotations"] = annotations
    return {"apiVersion": API_VERSION, "kind": KIND, "metadata": metadata, "spec": spec}


def clone_name_candidates(base: str) -> Iterator[str]:
    """`base`, `base-duplicate`, `base-duplicate-2`, … each cut so it stays a valid session name."""
    # A source made with kubectl may have a longer name than the API allows; its copy must not.
    if len(base) <= MAX_SESSION_NAME_LENGTH:
        yield base
    for attempt in range(1, CLONE_NAME_ATTEMPTS):
        suffix = CLONE_SUFFIX if attempt == 1 else f"{CLONE_SUFFIX}-{attempt}"
        stem = base[: MAX_SESSION_NAME_LENGTH - len(suffix)].rstrip("-")
        yield f"{stem}{suffix}"


DUPLICATE_MARK = " (Duplicate)"


def duplicate_display_name(spec: Mapping[str, Any], final_name: str) -> str:
    # Cut the original so the mark still fits the CRD's displayName limit (else the create is a 422).
    original = str(spec.get("displayName") or final_name)[: DISPLAY_NAME_MAX_LENGTH - len(DUPLICATE_MARK)]
    return f"{original.rstrip()}{DUPLICATE_MARK}"
