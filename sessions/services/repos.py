"""Declarative repos and workflow of a running session: the API edits `spec`, the reconciler clones.

Each change is a read-modify-write of `spec.repos` / `spec.activeWorkflow` with the read
resourceVersion, retried on a lost race, so many concurrent adds all land. The spec change voids
the creator's userContext signature, so the caller's identity is signed in: whoever last set what
a session does is who it runs as.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ambient.content.names import repo_name
from ambient.contract import Phase
from ambient.exceptions import Conflict, NotFound
from sessions.api_constants import CODE_INVALID_PHASE, CODE_NOT_INTERACTIVE, CODE_REPO_EXISTS
from sessions.auth import Caller
from sessions.resource import phase_of, presented
from sessions.services.specs import with_signed_user_context
from sessions.services.writes import Change, session_write
from sessions.user_context import user_context_signing_key

KubeObject = dict[str, Any]


def _require_running(session: KubeObject, *, action: str) -> None:
    phase = phase_of(session)
    if phase != Phase.RUNNING:
        raise Conflict(
            f"Cannot {action} while the session is {phase}: start the session (POST .../start) and wait for Running.",
            code=CODE_INVALID_PHASE,
            details={"phase": phase.value},
        )


def _require_interactive(session: KubeObject) -> None:
    if not (session.get("spec") or {}).get("interactive"):
        raise Conflict(
            "Repositories can be added only to an interactive session: this one runs its prompt once and ends.",
            code=CODE_NOT_INTERACTIVE,
            details={"interactive": False},
        )


def _signed_spec_patch(
    caller: Caller, current: KubeObject, changed: Mapping[str, Any], *, patch: Mapping[str, Any] | None = None
) -> Change:
    """Merge patch of `changed` (or `patch`, when it spells removals as nulls) with a userContext signed
    over the spec as it will be stored."""
    metadata = current.get("metadata") or {}
    spec = with_signed_user_context(
        {**(current.get("spec") or {}), **changed},
        identity=caller.identity(),
        namespace=str(metadata.get("namespace") or ""),
        name=str(metadata.get("name") or ""),
        signing_key=user_context_signing_key(),
    )
    return "patch", {"spec": {**(patch if patch is not None else changed), "userContext": spec["userContext"]}}


def session_repo_add(*, caller: Caller, namespace: str, name: str, repo: Mapping[str, Any]) -> tuple[str, KubeObject]:
    """Append `repo` to `spec.repos` of a Running interactive session; → (folder name, session)."""
    folder = repo_name(repo)
    entry = {**dict(repo), "name": folder}

    def decide(current: KubeObject) -> Change:
        _require_running(current, action="add a repository")
        _require_interactive(current)
        repos = list((current.get("spec") or {}).get("repos") or [])
        if any(repo_name(existing) == folder for existing in repos):
            raise Conflict(
                f"The session already has a repository named {folder!r}: pass another `name`.",
                code=CODE_REPO_EXISTS,
                details={"name": folder},
            )
        return _signed_spec_patch(caller, current, {"repos": [*repos, entry]})

    written = session_write(gateway=caller.gateway(), namespace=namespace, name=name, decide=decide)
    return folder, presented(written)


def session_repo_remove(*, caller: Caller, namespace: str, name: str, repo: str) -> KubeObject:
    """Drop the repository whose folder name is `repo` from `spec.repos` (the reconciler removes it)."""

    def decide(current: KubeObject) -> Change:
        repos = list((current.get("spec") or {}).get("repos") or [])
        kept = [existing for existing in repos if repo_name(existing) != repo]
        if len(kept) == len(repos):
            raise NotFound(
                f"The session has no repository named {repo!r}.", code="repo_not_found", details={"name": repo}
            )
        _require_running(current, action="remove a repository")
        changed: dict[str, Any] = {"repos": kept}
        main_index = (current.get("spec") or {}).get("mainRepoIndex")
        if isinstance(main_index, int) and main_index >= max(len(kept), 1):
            changed["mainRepoIndex"] = 0
        return _signed_spec_patch(caller, current, changed)

    return presented(session_write(gateway=caller.gateway(), namespace=namespace, name=name, decide=decide))


def session_workflow_set(*, caller: Caller, namespace: str, name: str, workflow: Mapping[str, Any]) -> KubeObject:
    """Set `spec.activeWorkflow` of a Running session (the reconciler clones and activates it)."""

    def decide(current: KubeObject) -> Change:
        _require_running(current, action="switch the workflow")
        stored = {key: workflow[key] for key in ("gitUrl", "branch", "path") if workflow.get(key)}
        # A merge patch merges objects: null removes the keys the new workflow leaves out.
        removals = {key: workflow.get(key) or None for key in ("gitUrl", "branch", "path")}
        return _signed_spec_patch(caller, current, {"activeWorkflow": stored}, patch={"activeWorkflow": removals})

    return presented(session_write(gateway=caller.gateway(), namespace=namespace, name=name, decide=decide))
