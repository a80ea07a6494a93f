"""Git operations on a workspace directory (`repos/<name>` or any path such as `artifacts`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ambient.exceptions import InvalidInput, NotFound
from gitops.command import GitCredentials, GitSettings
from gitops.operations.inspect import (
    repository_branches,
    repository_diff,
    repository_merge_status,
    repository_status,
)
from gitops.operations.publish import (
    branch_create,
    remote_configure,
    repository_pull,
    repository_push,
    repository_synchronize,
)
from workspaces.constants import CONTROL_DIRECTORY, REPOS_DIRECTORY
from workspaces.locks import directory_lock
from workspaces.paths import path_parts, resolve
from workspaces.services.repositories import repo_directory

# operation → (what it does with the validated input). Every callable takes the same keywords.
GitCall = Callable[..., dict[str, Any]]


def _status(*, directory: Path, settings: GitSettings, **_: Any) -> dict[str, Any]:
    return repository_status(directory=directory, settings=settings)


def _diff(*, directory: Path, settings: GitSettings, **_: Any) -> dict[str, Any]:
    return repository_diff(directory=directory, settings=settings)


def _branches(
    *, directory: Path, settings: GitSettings, credentials: GitCredentials | None, **_: Any
) -> dict[str, Any]:
    return repository_branches(directory=directory, settings=settings, credentials=credentials)


def _merge_status(
    *, directory: Path, settings: GitSettings, credentials: GitCredentials | None, values: Mapping[str, Any]
) -> dict[str, Any]:
    return repository_merge_status(
        directory=directory, branch=values["branch"], settings=settings, credentials=credentials
    )


def _push(
    *, directory: Path, settings: GitSettings, credentials: GitCredentials | None, values: Mapping[str, Any]
) -> dict[str, Any]:
    return repository_push(
        directory=directory,
        branch=values["branch"],
        message=values["message"],
        settings=settings,
        credentials=credentials,
        remote_url=values.get("remoteUrl"),
    )


def _pull(
    *, directory: Path, settings: GitSettings, credentials: GitCredentials | None, values: Mapping[str, Any]
) -> dict[str, Any]:
    return repository_pull(directory=directory, branch=values["branch"], settings=settings, credentials=credentials)


def _create_branch(
    *, directory: Path, settings: GitSettings, credentials: GitCredentials | None, values: Mapping[str, Any]
) -> dict[str, Any]:
    return branch_create(directory=directory, branch=values["branchName"], settings=settings, credentials=credentials)


def _configure_remote(
    *, directory: Path, settings: GitSettings, credentials: GitCredentials | None, values: Mapping[str, Any]
) -> dict[str, Any]:
    return remote_configure(
        directory=directory,
        url=values["remoteUrl"],
        branch=values["branch"],
        settings=settings,
        credentials=credentials,
    )


def _synchronize(
    *, directory: Path, settings: GitSettings, credentials: GitCredentials | None, values: Mapping[str, Any]
) -> dict[str, Any]:
    return repository_synchronize(
        directory=directory,
        branch=values["branch"],
        message=values["message"],
        settings=settings,
        credentials=credentials,
    )


OPERATIONS: dict[str, GitCall] = {
    "status": _status,
    "diff": _diff,
    "list-branches": _branches,
    "merge-status": _merge_status,
    "push": _push,
    "pull": _pull,
    "create-branch": _create_branch,
    "configure-remote": _configure_remote,
    "synchronize": _synchronize,
}
# Reads that make sense on a directory that does not exist (they answer "not a repository").
_TOLERATE_MISSING = frozenset({"status", "merge-status"})


def git_directory(*, path: str | None, repo: str | None, root: Path) -> Path:
    """The working directory an operation runs in: `repos/<repo>`, else the workspace path."""
    if repo is not None:
        return resolve(repo_directory(repo, root=root).relative_to(root.resolve()).as_posix(), root=root)
    parts = path_parts(path or "")
    if not parts:
        raise InvalidInput(
            "Name a directory inside the workspace (e.g. artifacts or repos/<name>).", code="invalid_path"
        )
    if parts[0] == CONTROL_DIRECTORY or parts == [REPOS_DIRECTORY]:
        raise InvalidInput(f"Git operations are not allowed on {'/'.join(parts)!r}.", code="invalid_path")
    return resolve(path or "", root=root)


def git_operation(
    *,
    operation: str,
    directory: Path,
    values: Mapping[str, Any],
    root: Path,
    settings: GitSettings,
    credentials: GitCredentials | None,
) -> dict[str, Any]:
    call = OPERATIONS[operation]
    if not directory.is_dir() and operation not in _TOLERATE_MISSING:
        raise NotFound("No such directory in the workspace.", code="directory_not_found")
    with directory_lock(directory, root=root):
        return call(directory=directory, settings=settings, credentials=credentials, values=values)
