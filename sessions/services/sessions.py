"""Create, edit, clone and delete AgenticSessions with the caller's identity."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from ambient.contract import NON_TERMINAL_PHASES
from ambient.exceptions import AlreadyExists, Conflict, NotFound
from ambient.kube import NAMESPACE, AccessCheck, control_plane_gateway
from sessions.api_constants import ANNOTATION_CLONED_FROM, CODE_SESSION_RUNNING, MANAGED_LABEL, MANAGED_LABEL_VALUE
from sessions.auth import Caller
from sessions.chat.services import chat_history_delete
from sessions.resource import phase_of, presented
from sessions.services.specs import (
    clone_name_candidates,
    duplicate_display_name,
    editable_spec,
    generated_session_name,
    new_session_body,
    with_signed_user_context,
)
from sessions.services.writes import Change, session_write
from sessions.user_context import user_context_signing_key

KubeObject = dict[str, Any]
# A generated name colliding is astronomically rare; a few fresh draws settle it.
GENERATED_NAME_ATTEMPTS = 3


def session_create(*, caller: Caller, namespace: str, data: Mapping[str, Any]) -> KubeObject:
    """Create a session from a validated body; the name is the body's or `session-<random>`."""
    gateway = caller.gateway()
    identity = caller.identity()
    chosen = data.get("name")
    for _ in range(1 if chosen else GENERATED_NAME_ATTEMPTS):
        name = chosen or generated_session_name()
        body = new_session_body(
            namespace=namespace, name=name, data=data, identity=identity, signing_key=user_context_signing_key()
        )
        try:
            return presented(gateway.session_create(namespace=namespace, body=body))
        except AlreadyExists as error:
            if chosen:
                raise Conflict(
                    f"A session named {name!r} already exists in {namespace!r}: choose another name or omit it.",
                    code="session_exists",
                    details={"name": name},
                ) from error
    raise Conflict("Could not find a free generated name; retry.", code="session_exists")


def session_replace(
    *, caller: Caller, namespace: str, name: str, data: Mapping[str, Any], resource_version: str | None = None
) -> KubeObject:
    """Replace the editable spec fields (omitted ones are cleared); refused while the session is active.

    The caller becomes the session's userContext: whoever last set what a session does is who it runs as.
    """
    identity = caller.identity()

    def decide(current: KubeObject) -> Change:
        phase = phase_of(current)
        if phase in NON_TERMINAL_PHASES:
            raise Conflict(
                f"The session is {phase}: stop it (POST .../stop) before editing its spec.",
                code=CODE_SESSION_RUNNING,
                details={"phase": phase.value},
            )
        body = copy.deepcopy(current)
        body["spec"] = with_signed_user_context(
            editable_spec(data),
            identity=identity,
            namespace=namespace,
            name=name,
            signing_key=user_context_signing_key(),
        )
        body.pop("status", None)  # the main resource ignores status; never pretend to write it
        return "replace", body

    return presented(
        session_write(
            gateway=caller.gateway(), namespace=namespace, name=name, decide=decide, resource_version=resource_version
        )
    )


def session_metadata_patch(
    *,
    caller: Caller,
    namespace: str,
    name: str,
    labels: Mapping[str, str | None] | None = None,
    annotations: Mapping[str, str | None] | None = None,
    resource_version: str | None = None,
) -> KubeObject:
    """Merge labels/annotations (`None` removes a key); system keys were refused by validation."""
    metadata: KubeObject = {}
    if labels is not None:
        metadata["labels"] = dict(labels)
    if annotations is not None:
        metadata["annotations"] = dict(annotations)

    def decide(current: KubeObject) -> Change:
        return "patch", {"metadata": dict(metadata)}

    return presented(
        session_write(
            gateway=caller.gateway(), namespace=namespace, name=name, decide=decide, resource_version=resource_version
        )
    )


def session_display_name_set(
    *, caller: Caller, namespace: str, name: str, display_name: str, resource_version: str | None = None
) -> KubeObject:
    """Rename for people; allowed in any phase (the reconciler ignores displayName)."""

    def decide(current: KubeObject) -> Change:
        return "patch", {"spec": {"displayName": display_name.strip()}}

    return presented(
        session_write(
            gateway=caller.gateway(), namespace=namespace, name=name, decide=decide, resource_version=resource_version
        )
    )


def session_delete(*, caller: Caller, namespace: str, name: str) -> None:
    """Delete the CR; its Job, PVC, Service, RBAC and secrets go with it by ownerReference GC, and its
    chat history here (a session deleted with kubectl loses it at the next inactivity sweep)."""
    caller.gateway().session_delete(namespace=namespace, name=name)
    chat_history_delete(namespace=namespace, session=name)


def session_clone(
    *,
    caller: Caller,
    namespace: str,
    name: str,
    target_project: str | None = None,
    new_name: str | None = None,
) -> KubeObject:
    """Copy a session's spec into a new session (same or another project), fresh status, free name."""
    source = caller.gateway().session_get(namespace=namespace, name=name)
    target = target_project or namespace
    if target != namespace:
        _require_managed_project(target)
    caller.require(
        AccessCheck(namespace=target, verb="create"),
        f"You may not create sessions in project {target!r}: ask its admin for the edit or admin role.",
    )
    gateway = caller.gateway()
    base_name = new_name or name
    identity = caller.identity()
    spec = copy.deepcopy(source.get("spec") or {})
    for candidate in clone_name_candidates(base_name):
        candidate_spec = dict(spec)
        if candidate != base_name:
            candidate_spec["displayName"] = duplicate_display_name(spec, candidate)
        candidate_spec = with_signed_user_context(
            candidate_spec, identity=identity, namespace=target, name=candidate, signing_key=user_context_signing_key()
        )
        body = {
            "apiVersion": source["apiVersion"],
            "kind": source["kind"],
            "metadata": {
                "name": candidate,
                "namespace": target,
                "annotations": {ANNOTATION_CLONED_FROM: f"{namespace}/{name}"},
            },
            "spec": candidate_spec,
        }
        try:
            return presented(gateway.session_create(namespace=target, body=body))
        except AlreadyExists:
            continue  # taken: try the next candidate
    raise Conflict(
        f"No free name left for a copy of {base_name!r} in {target!r}: pass newSessionName.",
        code="session_exists",
    )


def _require_managed_project(project: str) -> None:
    """The control plane checks existence: users usually cannot read cluster-scoped namespaces."""
    namespace = control_plane_gateway().get(NAMESPACE, None, project)
    labels = ((namespace or {}).get("metadata") or {}).get("labels") or {}
    if labels.get(MANAGED_LABEL) != MANAGED_LABEL_VALUE:
        raise NotFound(f"Project {project!r} does not exist or is not an Ambient project.", code="project_not_found")
