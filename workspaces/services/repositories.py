"""Clones under repos/, the active workflow under workflows/, and the SDK restart flag."""

from __future__ import annotations

import json
import logging
import secrets
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ambient.exceptions import InvalidInput, NotFound
from gitops.command import GitCredentials, GitSettings
from gitops.operations.clone import repository_clone, repository_remove
from gitops.validation import derive_repo_name, repo_name_problem
from workspaces.constants import (
    ACTIVE_WORKFLOW_FILE,
    REPOS_DIRECTORY,
    SDK_RESTART_COUNTER,
    SDK_RESTART_FLAG,
    WORKFLOWS_DIRECTORY,
)
from workspaces.locks import directory_lock
from workspaces.paths import is_inside, path_parts, resolve

logger = logging.getLogger(__name__)


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def _checked_name(name: str, *, source: str) -> str:
    problem = repo_name_problem(name)
    if problem:
        raise InvalidInput(f"Cannot use {name!r} as a directory name ({source}): {problem}", code="invalid_name")
    return name


def repo_directory(name: str, *, root: Path) -> Path:
    _checked_name(name, source="repository name")
    return resolve(f"{REPOS_DIRECTORY}/{name}", root=root, follow_final=False)


def repo_clone(
    *,
    url: str,
    branch: str | None,
    name: str | None,
    root: Path,
    settings: GitSettings,
    credentials: GitCredentials | None,
) -> dict[str, Any]:
    """Clone into repos/<name> (name from the URL when not given); an existing clone is updated."""
    directory = repo_directory(name or _checked_name(derive_repo_name(url), source="derived from the URL"), root=root)
    with directory_lock(directory, root=root):
        result = repository_clone(
            url=url, destination=directory, branch=branch, settings=settings, credentials=credentials
        )
    logger.info("repository %s %s into repos/%s at %s", url, result["status"], directory.name, result["commit"][:12])
    return {**result, "path": f"{REPOS_DIRECTORY}/{directory.name}"}


def repo_remove(*, name: str, root: Path) -> dict[str, Any]:
    directory = repo_directory(name, root=root)
    with directory_lock(directory, root=root):
        removed = repository_remove(directory=directory)
    logger.info("repos/%s removed=%s", name, removed)
    return {"message": "removed" if removed else "not present", "name": name, "removed": removed}


def workflow_clone(
    *,
    git_url: str,
    branch: str | None,
    sub_path: str | None,
    root: Path,
    settings: GitSettings,
    credentials: GitCredentials | None,
) -> dict[str, Any]:
    """Clone a workflow into workflows/<name> (only `sub_path` of it when given) and make it active.

    The new copy is built beside the old one and swapped in, so a failed clone keeps the
    previous workflow intact.
    """
    parts = path_parts(sub_path or "")
    name = _checked_name(parts[-1] if parts else derive_repo_name(git_url), source="workflow name")
    workflows = resolve(WORKFLOWS_DIRECTORY, root=root)
    target = resolve(f"{WORKFLOWS_DIRECTORY}/{name}", root=root, follow_final=False)
    workflows.mkdir(parents=True, exist_ok=True)
    staging = workflows / f".{name}.clone-{secrets.token_hex(4)}"
    with directory_lock(target, root=root):
        try:
            clone = repository_clone(
                url=git_url, destination=staging, branch=branch, settings=settings, credentials=credentials
            )
            source = staging
            if parts:
                source = staging.joinpath(*parts)
                if not is_inside(source.resolve(), staging.resolve()) or not source.is_dir():
                    raise NotFound(
                        f"The workflow repository has no directory {sub_path!r}.", details={"path": sub_path}
                    )
            replacement = workflows / f".{name}.new-{secrets.token_hex(4)}"
            source.rename(replacement)
            repository_remove(directory=target)
            replacement.rename(target)
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
        record = {
            "name": name,
            "path": f"{WORKFLOWS_DIRECTORY}/{name}",
            "gitUrl": git_url,
            "branch": clone["branch"],
            "subPath": "/".join(parts),
            "commit": clone["commit"],
            "appliedAt": _now(),
        }
        _write_json(resolve(ACTIVE_WORKFLOW_FILE, root=root), record)
    logger.info("workflow %s from %s (%s) is active", name, git_url, record["subPath"] or "whole repository")
    return {**record, "active": True}


def sdk_restart_request(*, root: Path) -> dict[str, Any]:
    """Raise the flag the runner polls; the counter survives the runner clearing the flag."""
    counter = resolve(SDK_RESTART_COUNTER, root=root)
    with directory_lock(counter, root=root):
        try:
            count = int(counter.read_text().strip() or 0)
        except (OSError, ValueError):
            count = 0
        count += 1
        requested_at = _now()
        _write_json(counter, count)
        _write_json(resolve(SDK_RESTART_FLAG, root=root), {"count": count, "requestedAt": requested_at})
    return {"message": "restart requested", "count": count, "requestedAt": requested_at, "flag": SDK_RESTART_FLAG}


def _write_json(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    temporary.write_text(json.dumps(value) + "\n")
    temporary.replace(path)
