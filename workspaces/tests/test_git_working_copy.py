"""Git routes and the working copy as the user left it: a push without a branch stays on the current
branch, and merge-status counts uncommitted (and untracked) changes. Against the real git server."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

from gitops.testing import GitServer
from workspaces.testing import ContentClient


def server_name(url: str) -> str:
    return url.rsplit("/", 1)[-1].removesuffix(".git")


def local_git(repo: Path, *arguments: str) -> str:
    return subprocess.run(["git", *arguments], cwd=repo, capture_output=True, text=True, check=True).stdout.strip()


def test_push_without_a_branch_pushes_the_current_branch_and_stays_on_it(
    content: ContentClient, workspace: Path, git_server: GitServer, cloned: Callable[..., tuple[str, str]]
) -> None:
    name, url = cloned()
    repo = workspace / "repos" / name
    assert content.post(f"/repos/{name}/git/create-branch", {"branchName": "ambient/hello"}).status_code == 200
    main_before = git_server.head(server_name(url))
    (repo / "work.md").write_text("done\n")

    response = content.post("/git/push", {"path": f"repos/{name}", "message": "work"})

    assert response.status_code == 200, response.content
    assert response.json()["branch"] == "ambient/hello" and response.json()["committed"] is True
    assert git_server.read_file(server_name(url), "work.md", branch="ambient/hello") == b"done\n"
    assert git_server.head(server_name(url)) == main_before  # main on the remote untouched
    assert local_git(repo, "symbolic-ref", "--short", "HEAD") == "ambient/hello"
    assert "checkout: moving" not in local_git(repo, "reflog", "-n", "1")


def test_push_naming_a_branch_still_switches_to_it(
    content: ContentClient, workspace: Path, git_server: GitServer, cloned: Callable[..., tuple[str, str]]
) -> None:
    name, url = cloned()
    (workspace / "repos" / name / "x.txt").write_text("x\n")

    response = content.post(f"/repos/{name}/git/push", {"branch": "ambient/named"})

    assert response.status_code == 200 and response.json()["branch"] == "ambient/named"
    assert local_git(workspace / "repos" / name, "symbolic-ref", "--short", "HEAD") == "ambient/named"


def test_push_without_a_branch_on_a_detached_head_is_400_naming_branch(
    content: ContentClient, workspace: Path, git_server: GitServer, cloned: Callable[..., tuple[str, str]]
) -> None:
    name, url = cloned()
    repo = workspace / "repos" / name
    local_git(repo, "-c", "advice.detachedHead=false", "checkout", "--quiet", "--detach")
    (repo / "x.txt").write_text("x\n")
    before = git_server.branches(server_name(url))

    response = content.post(f"/repos/{name}/git/push", {})

    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid_input" and "branch" in response.json()["details"]["fields"]
    assert git_server.branches(server_name(url)) == before
    assert local_git(repo, "status", "--porcelain") == "?? x.txt"  # nothing committed


def test_merge_status_counts_an_uncommitted_change_that_conflicts(
    content: ContentClient, workspace: Path, git_server: GitServer, cloned: Callable[..., tuple[str, str]]
) -> None:
    name, url = cloned({"README.md": "base\n", "other.txt": "o\n"})
    repo = workspace / "repos" / name
    git_server.commit(server_name(url), {"README.md": "theirs\n"})
    (repo / "README.md").write_text("mine, not committed\n")

    status = content.get("/git/merge-status", {"path": f"repos/{name}", "branch": "main"}).json()

    assert status == {
        "canMergeClean": False,
        "localChanges": 1,
        "remoteCommitsAhead": 1,
        "conflictingFiles": ["README.md"],
        "remoteBranchExists": True,
    }
    # Read-only: the working copy, the index and the branch are as they were.
    assert (repo / "README.md").read_text() == "mine, not committed\n"
    assert local_git(repo, "status", "--porcelain") == "M README.md"
    assert local_git(repo, "stash", "list") == ""
    # synchronize agrees: it would conflict on the same file.
    synced = content.post(f"/repos/{name}/git/synchronize", {"branch": "main"})
    assert synced.status_code == 409 and synced.json()["details"]["conflictingFiles"] == ["README.md"]


def test_merge_status_counts_an_untracked_file_the_remote_adds_too(
    content: ContentClient, workspace: Path, git_server: GitServer, cloned: Callable[..., tuple[str, str]]
) -> None:
    name, url = cloned()
    git_server.commit(server_name(url), {"notes.md": "theirs\n"})
    (workspace / "repos" / name / "notes.md").write_text("mine\n")

    status = content.get(f"/repos/{name}/git/merge-status", {"branch": "main"}).json()

    assert status["canMergeClean"] is False and status["conflictingFiles"] == ["notes.md"]
    assert local_git(workspace / "repos" / name, "status", "--porcelain") == "?? notes.md"


def test_merge_status_with_uncommitted_changes_elsewhere_is_clean(
    content: ContentClient, workspace: Path, git_server: GitServer, cloned: Callable[..., tuple[str, str]]
) -> None:
    name, url = cloned({"README.md": "base\n", "other.txt": "o\n"})
    repo = workspace / "repos" / name
    git_server.commit(server_name(url), {"README.md": "theirs\n"})
    (repo / "other.txt").write_text("mine\n")
    (repo / "new.txt").write_text("new\n")

    status = content.get(f"/repos/{name}/git/merge-status", {"branch": "main"}).json()

    assert status == {
        "canMergeClean": True,
        "localChanges": 2,
        "remoteCommitsAhead": 1,
        "conflictingFiles": [],
        "remoteBranchExists": True,
    }
