"""Clone (idempotent: an existing clone of the same URL is fetched and checked out) and remove."""

from __future__ import annotations

import secrets
import shutil
from pathlib import Path
from typing import Any

from ambient.exceptions import Conflict
from gitops.command import GitCredentials, GitSettings, run_git
from gitops.errors import GitFailed, GitLocalChanges
from gitops.operations.repository import (
    ORIGIN,
    current_branch,
    fetch_branch,
    head_commit,
    is_repository,
    local_branch_exists,
    origin_url,
    remote_tracking_ref,
    require_branch_on_remote,
)


def repository_clone(
    *,
    url: str,
    destination: Path,
    branch: str | None,
    settings: GitSettings,
    credentials: GitCredentials | None,
) -> dict[str, Any]:
    """Clone `url` into `destination`; an existing clone of it is fetched and switched to `branch`."""
    if destination.exists() or destination.is_symlink():
        return _update_existing(
            url=url, destination=destination, branch=branch, settings=settings, credentials=credentials
        )
    destination.parent.mkdir(parents=True, exist_ok=True)
    # Clone beside the target and rename at the end, so a failed clone leaves nothing behind.
    staging = destination.parent / f".{destination.name}.clone-{secrets.token_hex(4)}"
    arguments = ["clone", "--no-tags", f"--origin={ORIGIN}"]
    if branch:
        arguments.append(f"--branch={branch}")
    try:
        run_git(
            [*arguments, "--", url, str(staging)],
            cwd=destination.parent,
            settings=settings,
            credentials=credentials,
            timeout=settings.clone_timeout_seconds,
        )
        staging.rename(destination)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return _describe(destination, url=url, settings=settings, status="cloned")


def _update_existing(
    *, url: str, destination: Path, branch: str | None, settings: GitSettings, credentials: GitCredentials | None
) -> dict[str, Any]:
    if destination.is_symlink() or not is_repository(destination):
        raise Conflict(
            f"{destination.name} already exists and is not a git clone; remove it or choose another name.",
            code="destination_exists",
            details={"name": destination.name},
        )
    existing = origin_url(destination, settings=settings)
    if existing and existing != url:
        raise Conflict(
            f"{destination.name} already holds a clone of another URL; choose another name.",
            code="repo_name_taken",
            details={"name": destination.name, "url": existing},
        )
    if not existing:
        run_git(["config", f"remote.{ORIGIN}.url", url], cwd=destination, settings=settings)
        run_git(
            ["config", f"remote.{ORIGIN}.fetch", f"+refs/heads/*:refs/remotes/{ORIGIN}/*"],
            cwd=destination,
            settings=settings,
        )
    if branch:
        found = fetch_branch(destination, branch, settings=settings, credentials=credentials)
        if current_branch(destination, settings=settings) != branch:
            _switch(destination, branch, remote_found=found, settings=settings)
    else:
        run_git(
            ["fetch", "--no-tags", "--", ORIGIN],
            cwd=destination,
            settings=settings,
            credentials=credentials,
            network=True,
        )
    return _describe(destination, url=url, settings=settings, status="updated")


def _switch(directory: Path, branch: str, *, remote_found: bool, settings: GitSettings) -> None:
    if local_branch_exists(directory, branch, settings=settings):
        arguments = ["switch", "--", branch]
    else:
        require_branch_on_remote(remote_found, branch)
        arguments = ["switch", f"--create={branch}", "--track", remote_tracking_ref(branch)]
    try:
        run_git(arguments, cwd=directory, settings=settings)
    except GitFailed as error:
        if "would be overwritten" in str(error.details.get("output", "")):
            raise GitLocalChanges(details={"branch": branch}) from error
        raise


def _describe(directory: Path, *, url: str, settings: GitSettings, status: str) -> dict[str, Any]:
    return {
        "name": directory.name,
        "url": url,
        "branch": current_branch(directory, settings=settings),
        "commit": head_commit(directory, settings=settings),
        "status": status,
    }


def repository_remove(*, directory: Path) -> bool:
    """Remove a clone (a symlink is unlinked, never followed); False when there was nothing."""
    if directory.is_symlink() or directory.is_file():
        directory.unlink()
        return True
    if not directory.exists():
        return False
    shutil.rmtree(directory)
    return True
