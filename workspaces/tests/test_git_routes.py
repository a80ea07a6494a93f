"""Every git operation through the content routes, against the real smart-HTTP git server."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from gitops.testing import GitServer
from workspaces.testing import ContentClient


def server_name(url: str) -> str:
    return url.rsplit("/", 1)[-1].removesuffix(".git")


def test_status_and_diff_count_files_and_lines(
    content: ContentClient, workspace: Path, cloned: Callable[..., tuple[str, str]]
) -> None:
    name, url = cloned({"keep.txt": "one\ntwo\n", "gone.txt": "x\n"})
    clean = content.get(f"/repos/{name}/git/status").json()
    assert clean["initialized"] is True and clean["hasChanges"] is False
    assert clean["branch"] == "main" and clean["remoteUrl"] == url
    repo = workspace / "repos" / name
    (repo / "keep.txt").write_text("one\nTWO\nthree\n")
    (repo / "gone.txt").unlink()
    (repo / "new").mkdir()
    (repo / "new/file.txt").write_text("a\nb\nc")  # no final newline: still 3 lines
    (repo / "blob.bin").write_bytes(b"\0\1\2")
    status = content.get(f"/repos/{name}/git/status").json()
    assert status == {
        "initialized": True,
        "hasChanges": True,
        "branch": "main",
        "remoteUrl": url,
        "filesAdded": 2,
        "filesRemoved": 1,
        "uncommittedFiles": 4,
        "totalAdded": 2 + 3,
        "totalRemoved": 1 + 1,
    }
    diff = content.get(f"/repos/{name}/git/diff").json()
    assert diff == {"files": {"added": 2, "removed": 1}, "total_added": 5, "total_removed": 2}
    # The same through the path-based route.
    assert content.get("/git/diff", {"path": f"repos/{name}"}).json() == diff


def test_status_of_a_plain_directory_is_not_initialized(content: ContentClient) -> None:
    body = content.get("/git/status", {"path": "artifacts"}).json()
    assert body["initialized"] is False and body["hasChanges"] is False


def test_push_commits_and_publishes(
    content: ContentClient, workspace: Path, git_server: GitServer, cloned: Callable[..., tuple[str, str]]
) -> None:
    name, url = cloned()
    (workspace / "repos" / name / "result.md").write_text("done\n")
    response = content.post(f"/repos/{name}/git/push", {"branch": "main", "message": "add result"})
    assert response.status_code == 200, response.content
    assert response.json()["committed"] is True
    assert git_server.read_file(server_name(url), "result.md") == b"done\n"
    assert git_server.head(server_name(url)) == response.json()["commit"]


def test_push_to_a_new_branch_and_a_rejected_push(
    content: ContentClient, workspace: Path, git_server: GitServer, cloned: Callable[..., tuple[str, str]]
) -> None:
    name, url = cloned()
    (workspace / "repos" / name / "x.txt").write_text("x\n")
    assert content.post(f"/repos/{name}/git/push", {"branch": "ambient/s1"}).status_code == 200
    assert "ambient/s1" in git_server.branches(server_name(url))
    git_server.commit(server_name(url), {"remote.txt": "r\n"}, branch="ambient/s1")
    (workspace / "repos" / name / "y.txt").write_text("y\n")
    rejected = content.post(f"/repos/{name}/git/push", {"branch": "ambient/s1"})
    assert rejected.status_code == 409 and rejected.json()["code"] == "git_push_rejected"


def test_push_to_another_remote_leaves_origin_alone(
    content: ContentClient,
    workspace: Path,
    git_server: GitServer,
    cloned: Callable[..., tuple[str, str]],
    git_repository: Callable[..., str],
) -> None:
    name, url = cloned()
    output = git_repository()
    (workspace / "repos" / name / "out.txt").write_text("out\n")
    response = content.post(f"/repos/{name}/git/push", {"branch": "ambient/s", "remoteUrl": output})
    assert response.status_code == 200, response.content
    assert response.json()["remote"] == output
    assert git_server.read_file(server_name(output), "out.txt", branch="ambient/s") == b"out\n"
    assert "ambient/s" not in git_server.branches(server_name(url))
    assert content.get(f"/repos/{name}/git/status").json()["remoteUrl"] == url
    assert content.post("/repos/clone", {"url": url, "name": name}).status_code == 200  # still idempotent


def test_pull_merges_remote_changes(
    content: ContentClient, workspace: Path, git_server: GitServer, cloned: Callable[..., tuple[str, str]]
) -> None:
    name, url = cloned()
    git_server.commit(server_name(url), {"from-remote.txt": "hi\n"})
    response = content.post(f"/repos/{name}/git/pull", {"branch": "main"})
    assert response.status_code == 200 and response.json()["updated"] is True
    assert (workspace / "repos" / name / "from-remote.txt").read_text() == "hi\n"


def test_pull_with_a_conflict_is_409_listing_files_and_changes_nothing(
    content: ContentClient, workspace: Path, git_server: GitServer, cloned: Callable[..., tuple[str, str]]
) -> None:
    name, url = cloned({"shared.txt": "base\n", "other.txt": "o\n"})
    repo = workspace / "repos" / name
    (repo / "shared.txt").write_text("local\n")
    content.post(f"/repos/{name}/git/push", {"branch": "work"})  # commit locally on a branch of our own
    git_server.commit(server_name(url), {"shared.txt": "remote\n"})
    before = content.get(f"/repos/{name}/git/status").json()
    response = content.post(f"/repos/{name}/git/pull", {"branch": "main"})
    assert response.status_code == 409, response.content
    assert response.json()["code"] == "git_merge_conflict"
    assert response.json()["details"]["conflictingFiles"] == ["shared.txt"]
    assert (repo / "shared.txt").read_text() == "local\n"
    assert content.get(f"/repos/{name}/git/status").json() == before


def test_pull_blocked_by_uncommitted_changes_is_409(
    content: ContentClient, workspace: Path, git_server: GitServer, cloned: Callable[..., tuple[str, str]]
) -> None:
    name, url = cloned({"shared.txt": "base\n"})
    (workspace / "repos" / name / "shared.txt").write_text("uncommitted\n")
    git_server.commit(server_name(url), {"shared.txt": "remote\n"})
    response = content.post(f"/repos/{name}/git/pull", {"branch": "main"})
    assert response.status_code == 409 and response.json()["code"] == "git_local_changes"
    assert response.json()["details"]["files"] == ["shared.txt"]


def test_create_and_list_branches(
    content: ContentClient, git_server: GitServer, cloned: Callable[..., tuple[str, str]]
) -> None:
    name, url = cloned()
    git_server.commit(server_name(url), {"f": "f"}, branch="remote-only")
    created = content.post(f"/repos/{name}/git/create-branch", {"branchName": "feature/x"})
    assert created.status_code == 200 and created.json() == {
        "message": "branch created",
        "branchName": "feature/x",
        "pushed": True,
    }
    assert "feature/x" in git_server.branches(server_name(url))
    again = content.post(f"/repos/{name}/git/create-branch", {"branchName": "feature/x"})
    assert again.status_code == 409
    listed = content.get(f"/repos/{name}/git/list-branches").json()
    assert listed["current"] == "feature/x"
    assert {"main", "feature/x", "remote-only"} <= set(listed["branches"])
    assert "remote-only" in listed["remoteBranches"]


def test_configure_remote_on_artifacts_then_push_and_synchronize(
    content: ContentClient, workspace: Path, git_server: GitServer, git_repository: Callable[..., str]
) -> None:
    url = git_repository()  # empty repository
    (workspace / "artifacts/report.md").write_text("v1\n")
    configured = content.post("/git/configure-remote", {"path": "artifacts", "remoteUrl": url, "branch": "main"})
    assert configured.status_code == 200, configured.content
    assert configured.json()["remote"] == url and configured.json()["fetched"] is False
    assert git_server.token not in (workspace / "artifacts/.git/config").read_text()
    pushed = content.post("/git/push", {"path": "artifacts", "branch": "main", "message": "first"})
    assert pushed.status_code == 200, pushed.content
    assert git_server.read_file(server_name(url), "report.md") == b"v1\n"

    git_server.commit(server_name(url), {"remote-note.md": "from someone else\n"})
    (workspace / "artifacts/report.md").write_text("v2\n")
    synced = content.post("/git/synchronize", {"path": "artifacts", "message": "sync"})
    assert synced.status_code == 200, synced.content
    assert synced.json()["branch"] == "main" and synced.json()["committed"] is True
    assert git_server.read_file(server_name(url), "report.md") == b"v2\n"
    assert (workspace / "artifacts/remote-note.md").exists()


def test_synchronize_conflict_is_409_and_keeps_the_local_commit(
    content: ContentClient, workspace: Path, git_server: GitServer, cloned: Callable[..., tuple[str, str]]
) -> None:
    name, url = cloned({"shared.txt": "base\n"})
    (workspace / "repos" / name / "shared.txt").write_text("mine\n")
    git_server.commit(server_name(url), {"shared.txt": "theirs\n"})
    response = content.post(f"/repos/{name}/git/synchronize", {"branch": "main"})
    assert response.status_code == 409 and response.json()["details"]["conflictingFiles"] == ["shared.txt"]
    assert (workspace / "repos" / name / "shared.txt").read_text() == "mine\n"
    assert content.get(f"/repos/{name}/git/status").json()["hasChanges"] is False


def test_merge_status(
    content: ContentClient, workspace: Path, git_server: GitServer, cloned: Callable[..., tuple[str, str]]
) -> None:
    name, url = cloned({"shared.txt": "base\n", "a.txt": "a\n"})
    clean = content.get(f"/repos/{name}/git/merge-status", {"branch": "main"}).json()
    assert clean == {
        "canMergeClean": True,
        "localChanges": 0,
        "remoteCommitsAhead": 0,
        "conflictingFiles": [],
        "remoteBranchExists": True,
    }
    git_server.commit(server_name(url), {"shared.txt": "theirs\n"})
    git_server.commit(server_name(url), {"b.txt": "b\n"})
    (workspace / "repos" / name / "shared.txt").write_text("mine\n")
    content.post(f"/repos/{name}/git/push", {"branch": "mine"})
    (workspace / "repos" / name / "dirty.txt").write_text("d\n")
    status = content.get(f"/repos/{name}/git/merge-status", {"branch": "main"}).json()
    assert status == {
        "canMergeClean": False,
        "localChanges": 1,
        "remoteCommitsAhead": 2,
        "conflictingFiles": ["shared.txt"],
        "remoteBranchExists": True,
    }
    missing = content.get(f"/repos/{name}/git/merge-status", {"branch": "nope"}).json()
    assert missing["remoteBranchExists"] is False and missing["canMergeClean"] is True


@pytest.mark.parametrize(
    ("method", "operation"),
    [("get", "push"), ("post", "status"), ("get", "rm-rf"), ("post", "gc")],
)
def test_unknown_operation_for_the_method_is_404(
    content: ContentClient, cloned: Callable[..., tuple[str, str]], method: str, operation: str
) -> None:
    name, _ = cloned()
    response = getattr(content, method)(f"/repos/{name}/git/{operation}")
    assert response.status_code == 404 and response.json()["code"] == "unknown_operation"


def test_git_on_a_missing_repo_or_directory(content: ContentClient) -> None:
    assert content.post("/repos/nothing/git/push", {}).status_code == 404
    assert content.get("/repos/nothing/git/status").json()["initialized"] is False
    no_remote = content.post("/git/push", {"path": "artifacts"})
    assert no_remote.status_code == 409 and no_remote.json()["code"] == "git_not_initialized"
