"""Read-only views of a working directory: status, diff summary, branches, merge preview."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from gitops.command import GitCredentials, GitSettings, run_git
from gitops.operations.repository import (
    ORIGIN,
    current_branch,
    fetch_branch,
    head_commit,
    is_repository,
    origin_url,
    remote_tracking_ref,
    require_repository,
    working_tree_changes,
)


def repository_status(*, directory: Path, settings: GitSettings) -> dict[str, Any]:
    """Whether it is a repository, its branch and remote, and what is uncommitted (files and lines)."""
    if not is_repository(directory):
        return {
            "initialized": False,
            "hasChanges": False,
            "branch": "",
            "remoteUrl": "",
            "filesAdded": 0,
            "filesRemoved": 0,
            "uncommittedFiles": 0,
            "totalAdded": 0,
            "totalRemoved": 0,
        }
    changes = working_tree_changes(directory, settings=settings)
    return {
        "initialized": True,
        "hasChanges": bool(changes.entries),
        "branch": current_branch(directory, settings=settings),
        "remoteUrl": origin_url(directory, settings=settings),
        "filesAdded": changes.files_added,
        "filesRemoved": changes.files_removed,
        "uncommittedFiles": len(changes.entries),
        "totalAdded": changes.lines_added,
        "totalRemoved": changes.lines_removed,
    }


def repository_diff(*, directory: Path, settings: GitSettings) -> dict[str, Any]:
    """Uncommitted work against HEAD: new and deleted files, and lines (untracked files included)."""
    require_repository(directory)
    changes = working_tree_changes(directory, settings=settings)
    return {
        "files": {"added": changes.files_added, "removed": changes.files_removed},
        "total_added": changes.lines_added,
        "total_removed": changes.lines_removed,
    }


def repository_branches(
    *, directory: Path, settings: GitSettings, credentials: GitCredentials | None
) -> dict[str, Any]:
    """Local branches and, when there is an origin, the remote's heads."""
    require_repository(directory)
    local = run_git(["for-each-ref", "--format=%(refname:short)", "refs/heads"], cwd=directory, settings=settings)
    branches = {line for line in local.stdout.splitlines() if line}
    remote: list[str] = []
    if origin_url(directory, settings=settings):
        heads = run_git(
            ["ls-remote", "--heads", "--", ORIGIN],
            cwd=directory,
            settings=settings,
            credentials=credentials,
            network=True,
        )
        for line in heads.stdout.splitlines():
            _, _, ref = line.partition("\t")
            if ref.startswith("refs/heads/"):
                remote.append(ref.removeprefix("refs/heads/"))
    return {
        "branches": sorted(branches | set(remote)),
        "remoteBranches": sorted(remote),
        "current": current_branch(directory, settings=settings),
    }


def working_copy_commit(directory: Path, *, settings: GitSettings) -> str:
    """A commit (child of HEAD, on no branch) holding the working copy as it is: staged, unstaged and
    untracked changes (ignored files left out), so a dry merge sees what a pull or synchronize would.

    Like `git stash create`, which leaves untracked files out, it changes no ref, file or the index:
    the working copy is staged into a scratch index. The objects it writes are unreferenced and go
    with the next gc.
    """
    with tempfile.TemporaryDirectory(prefix="merge-status-") as scratch:
        index = Path(scratch) / "index"
        real_index = run_git(["rev-parse", "--git-path", "index"], cwd=directory, settings=settings).stdout.strip()
        source = directory / real_index
        if source.is_file():
            shutil.copyfile(source, index)  # its file stats spare `add` re-reading unchanged files
        else:
            run_git(["read-tree", "HEAD"], cwd=directory, settings=settings, index_file=index)
        run_git(["add", "--all"], cwd=directory, settings=settings, index_file=index)
        tree = run_git(["write-tree"], cwd=directory, settings=settings, index_file=index).stdout.strip()
    commit = run_git(
        ["commit-tree", tree, "-p", "HEAD", "-m", "uncommitted changes (merge-status)"],
        cwd=directory,
        settings=settings,
    )
    return commit.stdout.strip()


def repository_merge_status(
    *, directory: Path, branch: str, settings: GitSettings, credentials: GitCredentials | None
) -> dict[str, Any]:
    """Could `branch` of origin merge into the working copy cleanly? A dry merge with `git merge-tree`
    of HEAD plus every uncommitted change (working_copy_commit) against the fetched branch."""
    result: dict[str, Any] = {
        "canMergeClean": True,
        "localChanges": 0,
        "remoteCommitsAhead": 0,
        "conflictingFiles": [],
        "remoteBranchExists": False,
    }
    if not is_repository(directory):
        return result
    result["localChanges"] = len(working_tree_changes(directory, settings=settings).entries)
    if not origin_url(directory, settings=settings):
        return result
    if not fetch_branch(directory, branch, settings=settings, credentials=credentials):
        return result
    result["remoteBranchExists"] = True
    tracking = remote_tracking_ref(branch)
    head = head_commit(directory, settings=settings)
    ahead_range = f"HEAD..{tracking}" if head else tracking
    ahead = run_git(["rev-list", "--count", ahead_range, "--"], cwd=directory, settings=settings)
    result["remoteCommitsAhead"] = int(ahead.stdout.strip() or 0)
    if not head:
        return result
    local = working_copy_commit(directory, settings=settings) if result["localChanges"] else head
    merge = run_git(
        ["merge-tree", "--write-tree", "--name-only", "--no-messages", "-z", local, tracking],
        cwd=directory,
        settings=settings,
        check=False,
    )
    if merge.returncode == 1:
        # Output: the merged tree's id, then the conflicted paths.
        names = [name for name in merge.stdout.split("\0")[1:] if name]
        result["conflictingFiles"] = sorted(set(names))
        result["canMergeClean"] = False
    elif merge.returncode != 0:
        result["canMergeClean"] = False  # e.g. unrelated histories: a plain merge would refuse
    return result
