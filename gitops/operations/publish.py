"""Operations that change a repository or its remote: push, pull, synchronize, branch, remote."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ambient.exceptions import ApplicationError, Conflict, InvalidInput
from gitops.command import GitCredentials, GitSettings, run_git
from gitops.errors import GitFailed, GitLocalChanges, GitMergeConflict
from gitops.operations.repository import (
    ORIGIN,
    commit_all,
    current_branch,
    fetch_branch,
    head_commit,
    is_repository,
    local_branch_exists,
    origin_url,
    remote_tracking_ref,
    require_branch_on_remote,
    require_origin,
    require_repository,
)


def _push(
    directory: Path,
    branch: str,
    *,
    settings: GitSettings,
    credentials: GitCredentials | None,
    remote_url: str | None = None,
) -> None:
    # A URL other than origin (a session's output fork) is pushed to directly: origin stays as cloned.
    target = ["--", remote_url] if remote_url else ["--set-upstream", "--", ORIGIN]
    run_git(
        ["push", *target, f"HEAD:refs/heads/{branch}"],
        cwd=directory,
        settings=settings,
        credentials=credentials,
        network=True,
    )


def _switch_or_create(directory: Path, branch: str, *, settings: GitSettings) -> None:
    """Move to `branch` keeping uncommitted work (created from HEAD when it does not exist)."""
    if current_branch(directory, settings=settings) == branch:
        return
    if local_branch_exists(directory, branch, settings=settings):
        arguments = ["switch", "--", branch]
    else:
        arguments = ["switch", f"--create={branch}"]
    try:
        run_git(arguments, cwd=directory, settings=settings)
    except GitFailed as error:
        raise _local_changes_or(error, branch=branch) from error


def _local_changes_or(error: GitFailed, *, branch: str) -> Exception:
    output = str(error.details.get("output", ""))
    if "would be overwritten" not in output:
        return error
    files = [line.strip() for line in output.splitlines() if line.startswith("\t")]
    return GitLocalChanges(details={"branch": branch, "files": files})


def _unmerged_files(directory: Path, *, settings: GitSettings) -> list[str]:
    result = run_git(["diff", "--name-only", "--diff-filter=U", "-z"], cwd=directory, settings=settings, check=False)
    return sorted({name for name in result.stdout.split("\0") if name})


def repository_push(
    *,
    directory: Path,
    branch: str | None,
    message: str,
    settings: GitSettings,
    credentials: GitCredentials | None,
    remote_url: str | None = None,
) -> dict[str, Any]:
    """Commit everything and push it to origin, or to `remote_url` when given (origin is left as it
    is). On `branch` when named (switched to, or created from HEAD, keeping uncommitted work); else on
    the branch the working copy is on, which is never changed behind the caller's back."""
    require_repository(directory)
    if not remote_url:
        require_origin(directory, settings=settings)
    if branch:
        _switch_or_create(directory, branch, settings=settings)
    target = branch or current_branch(directory, settings=settings)
    if not target:
        problem = "The working copy is on no branch (a detached HEAD): name the branch to push to."
        raise InvalidInput(problem, details={"fields": {"branch": [problem]}})
    committed = commit_all(directory, message, settings=settings)
    if not head_commit(directory, settings=settings):
        raise Conflict("Nothing to push: the repository has no commits and no changes.", code="nothing_to_push")
    _push(directory, target, settings=settings, credentials=credentials, remote_url=remote_url)
    return {
        "message": "pushed",
        "branch": target,
        "remote": remote_url or origin_url(directory, settings=settings),
        "committed": committed,
        "commit": head_commit(directory, settings=settings),
    }


def repository_pull(
    *, directory: Path, branch: str, settings: GitSettings, credentials: GitCredentials | None
) -> dict[str, Any]:
    """Merge origin's `branch` into HEAD; a conflict is undone and reported with the files (409)."""
    require_repository(directory)
    require_origin(directory, settings=settings)
    require_branch_on_remote(fetch_branch(directory, branch, settings=settings, credentials=credentials), branch)
    before = head_commit(directory, settings=settings)
    tracking = remote_tracking_ref(branch)
    arguments = ["merge", "--no-edit", "--no-verify", "--allow-unrelated-histories", tracking]
    result = run_git(arguments, cwd=directory, settings=settings, check=False)
    if result.returncode != 0:
        conflicts = _unmerged_files(directory, settings=settings)
        if conflicts:
            run_git(["merge", "--abort"], cwd=directory, settings=settings, check=False)
            raise GitMergeConflict(
                f"Pulling {branch} conflicts in {len(conflicts)} file(s); nothing was changed. "
                "Resolve by editing those files and pushing, or push to another branch.",
                details={"branch": branch, "conflictingFiles": conflicts},
            )
        failure = GitFailed(
            f"git merge failed: {(result.stderr or result.stdout).strip()[-500:]}",
            details={"operation": "merge", "output": (result.stderr or result.stdout)[-2000:]},
        )
        raise _local_changes_or(failure, branch=branch)
    after = head_commit(directory, settings=settings)
    return {"message": "pulled", "branch": branch, "updated": after != before, "commit": after}


def repository_synchronize(
    *,
    directory: Path,
    branch: str | None,
    message: str,
    settings: GitSettings,
    credentials: GitCredentials | None,
) -> dict[str, Any]:
    """Commit everything, rebase onto origin's branch (when it exists), push. Conflicts → 409."""
    require_repository(directory)
    require_origin(directory, settings=settings)
    target = branch or current_branch(directory, settings=settings) or "main"
    committed = commit_all(directory, message, settings=settings)
    if fetch_branch(directory, target, settings=settings, credentials=credentials) and head_commit(
        directory, settings=settings
    ):
        rebase = run_git(
            ["rebase", "--no-verify", remote_tracking_ref(target)], cwd=directory, settings=settings, check=False
        )
        if rebase.returncode != 0:
            conflicts = _unmerged_files(directory, settings=settings)
            run_git(["rebase", "--abort"], cwd=directory, settings=settings, check=False)
            raise GitMergeConflict(
                f"Your commits conflict with {target} on the remote in {len(conflicts)} file(s); "
                "your work is committed locally and nothing was pushed.",
                details={"branch": target, "conflictingFiles": conflicts},
            )
    if not head_commit(directory, settings=settings):
        raise Conflict("Nothing to push: the repository has no commits and no changes.", code="nothing_to_push")
    _push(directory, target, settings=settings, credentials=credentials)
    return {
        "message": "synchronized",
        "branch": target,
        "committed": committed,
        "commit": head_commit(directory, settings=settings),
    }


def branch_create(
    *, directory: Path, branch: str, settings: GitSettings, credentials: GitCredentials | None
) -> dict[str, Any]:
    """Create `branch` at HEAD and switch to it; published to origin when there is one and a commit."""
    require_repository(directory)
    if local_branch_exists(directory, branch, settings=settings):
        raise Conflict(f"Branch {branch!r} already exists.", code="branch_exists", details={"branchName": branch})
    run_git(["switch", f"--create={branch}"], cwd=directory, settings=settings)
    pushed = False
    if origin_url(directory, settings=settings) and head_commit(directory, settings=settings):
        _push(directory, branch, settings=settings, credentials=credentials)
        pushed = True
    return {"message": "branch created", "branchName": branch, "pushed": pushed}


def remote_configure(
    *, directory: Path, url: str, branch: str, settings: GitSettings, credentials: GitCredentials | None
) -> dict[str, Any]:
    """Point origin at `url` (initialising the repository if needed) and try to fetch `branch`.

    The URL is stored exactly as given (credentials are refused upstream of here), so no token
    ever lands in `.git/config`.
    """
    if not is_repository(directory):
        run_git(["init", "--quiet", f"--initial-branch={branch}"], cwd=directory, settings=settings)
    run_git(["config", f"remote.{ORIGIN}.url", url], cwd=directory, settings=settings)
    run_git(
        ["config", "--replace-all", f"remote.{ORIGIN}.fetch", f"+refs/heads/*:refs/remotes/{ORIGIN}/*"],
        cwd=directory,
        settings=settings,
    )
    response: dict[str, Any] = {"message": "remote configured", "remote": url, "branch": branch, "fetched": False}
    try:
        response["fetched"] = fetch_branch(directory, branch, settings=settings, credentials=credentials)
    except ApplicationError as error:
        response["fetchError"] = error.message  # best effort: the remote may be empty or not yet reachable
    return response
