"""Writes to the AgenticSession itself: metadata/spec with the read resourceVersion, and /status.

Never blind-overwrite (RECONCILER.md, writes). A metadata/spec write that hits 409 re-reads and
retries a few times (`retry_on_conflict`, re-deciding what to write from the fresh object), then
gives up so the task requeues; the status write carries the resourceVersion too, and on 409 the
whole pass is simply run again from a fresh read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ambient.exceptions import Conflict, NotFound
from ambient.kube import SESSION, KubeGateway, retry_on_conflict

KubeObject = dict[str, Any]
# Builds the merge patch (without resourceVersion) from the current object; None: nothing left to do.
PatchBuilder = Callable[[Mapping[str, Any]], KubeObject | None]

CONFLICT_ATTEMPTS = 3


class SessionGone(Exception):
    """The CR was deleted while we worked on it; garbage collection takes the children."""


class ConflictRetriesExhausted(Exception):
    """Every attempt lost a race; the task requeues rather than spin."""


def metadata_write(cluster: KubeGateway, session: Mapping[str, Any], build: PatchBuilder) -> KubeObject:
    """Merge-patch metadata/spec of `session`; returns the object as written (or as read if no-op)."""
    namespace, name = str(session["metadata"]["namespace"]), str(session["metadata"]["name"])
    current: list[Mapping[str, Any]] = [session]  # what the next attempt decides from

    def attempt() -> KubeObject:
        patch = build(current[0])
        if not patch:
            return dict(current[0])
        version = current[0]["metadata"]["resourceVersion"]
        body = {**patch, "metadata": {**(patch.get("metadata") or {}), "resourceVersion": version}}
        try:
            return cluster.patch(SESSION, namespace, name, body)
        except Conflict:
            fresh = cluster.get(SESSION, namespace, name)
            if fresh is None:
                raise SessionGone(f"{namespace}/{name} was deleted") from None
            current[0] = fresh
            raise

    try:
        return retry_on_conflict(attempt, attempts=CONFLICT_ATTEMPTS)
    except NotFound as error:
        raise SessionGone(str(error)) from error
    except Conflict as error:
        raise ConflictRetriesExhausted(f"{CONFLICT_ATTEMPTS} conflicting writes to {name}") from error


def status_write(cluster: KubeGateway, session: Mapping[str, Any], status_patch: Mapping[str, Any]) -> KubeObject:
    """One JSON merge patch on /status, guarded by the resourceVersion the status was computed from.

    Raises Conflict when the session changed meanwhile: the caller requeues and re-decides.
    """
    metadata = session["metadata"]
    body = {"metadata": {"resourceVersion": metadata["resourceVersion"]}, "status": dict(status_patch)}
    try:
        return cluster.patch(SESSION, str(metadata["namespace"]), str(metadata["name"]), body, subresource="status")
    except NotFound as error:
        raise SessionGone(str(error)) from error


def annotations_remove(annotations: tuple[str, ...], expected: Mapping[str, str]) -> PatchBuilder:
    """Remove intent keys, but only those still holding the value we acted on (a newer intent stays)."""

    def build(current: Mapping[str, Any]) -> KubeObject | None:
        present = (current.get("metadata") or {}).get("annotations") or {}
        gone = {key: None for key in annotations if key in present and present[key] == expected.get(key)}
        return {"metadata": {"annotations": gone}} if gone else None

    return build


def interactive_set(value: bool) -> PatchBuilder:
    def build(current: Mapping[str, Any]) -> KubeObject | None:
        if (current.get("spec") or {}).get("interactive") is value:
            return None
        return {"spec": {"interactive": value}}

    return build


def annotations_set(values: Mapping[str, str]) -> PatchBuilder:
    def build(current: Mapping[str, Any]) -> KubeObject | None:
        present = (current.get("metadata") or {}).get("annotations") or {}
        changed = {key: value for key, value in values.items() if present.get(key) != value}
        return {"metadata": {"annotations": changed}} if changed else None

    return build
