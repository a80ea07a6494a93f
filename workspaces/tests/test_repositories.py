"""Repos clone/remove, workflow clone and metadata, SDK restart — against the real git server."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from gitops.testing import GitServer
from workspaces.testing import ContentClient


def test_clone_uses_the_token_and_keeps_it_out_of_git_config(
    content: ContentClient, workspace: Path, git_server: GitServer, git_repository: Callable[..., str]
) -> None:
    url = git_repository({"README.md": "hello\n"}, name="alpha")
    response = content.post("/repos/clone", {"url": url})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["name"] == "alpha" and body["status"] == "cloned" and body["branch"] == "main"
    assert body["path"] == "repos/alpha"
    assert (workspace / "repos/alpha/README.md").read_text() == "hello\n"
    git_config = (workspace / "repos/alpha/.git/config").read_text()
    assert git_server.token not in git_config and url in git_config
    assert any(request.user and request.path.startswith("/alpha.git") for request in git_server.requests)


def test_clone_is_idempotent_and_switches_branch(
    content: ContentClient, workspace: Path, git_server: GitServer, git_repository: Callable[..., str]
) -> None:
    url = git_repository({"a.txt": "a\n"})
    name = url.rsplit("/", 1)[-1].removesuffix(".git")
    git_server.commit(name, {"b.txt": "b\n"}, branch="feature")
    assert content.post("/repos/clone", {"url": url, "name": "work"}).status_code == 200
    again = content.post("/repos/clone", {"url": url, "name": "work", "branch": "feature"})
    assert again.status_code == 200, again.content
    assert again.json()["status"] == "updated" and again.json()["branch"] == "feature"
    assert (workspace / "repos/work/b.txt").exists()


def test_clone_of_another_url_into_a_taken_name_is_409(
    content: ContentClient, git_repository: Callable[..., str]
) -> None:
    first, second = git_repository({"a": "1"}), git_repository({"b": "2"})
    assert content.post("/repos/clone", {"url": first, "name": "same"}).status_code == 200
    response = content.post("/repos/clone", {"url": second, "name": "same"})
    assert response.status_code == 409 and response.json()["code"] == "repo_name_taken"


def test_clone_failures_are_classified_and_leave_nothing(
    content: ContentClient, workspace: Path, git_server: GitServer
) -> None:
    missing = content.post("/repos/clone", {"url": git_server.url_for("does-not-exist")})
    assert missing.status_code == 404 and missing.json()["code"] == "git_repository_not_found"
    unauthenticated = ContentClient(token=content.token).post("/repos/clone", {"url": git_server.url_for("x")})
    assert unauthenticated.status_code == 403 and unauthenticated.json()["code"] == "git_auth_failed"
    wrong = ContentClient(token=content.token, git_token="wrong-token").post(
        "/repos/clone", {"url": git_server.url_for("x")}
    )
    assert wrong.status_code == 403
    assert "wrong-token" not in json.dumps(wrong.json())
    assert [path.name for path in (workspace / "repos").iterdir()] == []


def test_remove_repo(content: ContentClient, workspace: Path, cloned: Callable[..., tuple[str, str]]) -> None:
    name, _ = cloned()
    response = content.delete(f"/repos/{name}")
    assert response.status_code == 200 and response.json()["removed"] is True
    assert not (workspace / "repos" / name).exists()
    assert content.delete(f"/repos/{name}").json()["removed"] is False


WORKFLOW_FILES = {
    "flows/review/.claude/commands/review.start.md": (
        "---\ndisplayName: Start review\ndescription: Begin\nicon: 🔍\n---\nbody"
    ),
    "flows/review/.claude/commands/plain.md": "no front matter",
    "flows/review/.claude/commands/broken.md": "---\n: [unclosed\n---\n",
    "flows/review/.claude/agents/critic.md": "---\nname: Critic\ndescription: Finds faults\ntools: [Read, Grep]\n---\n",
    "flows/review/.ambient/ambient.json": json.dumps(
        {"name": "Review", "systemPrompt": "be kind", "artifactsDir": "out"}
    ),
    "flows/other/README.md": "other",
}


def test_workflow_clone_with_sub_path_activates_it_and_metadata_lists_commands(
    content: ContentClient, workspace: Path, git_repository: Callable[..., str]
) -> None:
    assert content.get("/workflow/metadata").json() == {
        "commands": [],
        "agents": [],
        "config": {"artifactsDir": "artifacts"},
        "workflow": None,
    }
    url = git_repository(WORKFLOW_FILES)
    response = content.post("/workflows/clone", {"gitUrl": url, "branch": "main", "path": "flows/review"})
    assert response.status_code == 200, response.content
    assert response.json()["name"] == "review" and response.json()["active"] is True
    assert (workspace / "workflows/review/.claude/agents/critic.md").exists()
    assert not (workspace / "workflows/review/README.md").exists()
    assert [entry.name for entry in (workspace / "workflows").iterdir()] == ["review"]

    metadata = content.get("/workflow/metadata").json()
    commands = {command["id"]: command for command in metadata["commands"]}
    assert commands["review.start"] == {
        "id": "review.start",
        "name": "Start review",
        "description": "Begin",
        "slashCommand": "/start",
        "icon": "🔍",
    }
    assert commands["plain"]["name"] == "plain" and commands["broken"]["name"] == "broken"
    assert metadata["agents"] == [
        {"id": "critic", "name": "Critic", "description": "Finds faults", "tools": "Read, Grep"}
    ]
    assert metadata["config"] == {"name": "Review", "description": "", "systemPrompt": "be kind", "artifactsDir": "out"}
    assert metadata["workflow"]["gitUrl"] == url


def test_workflow_clone_replaces_and_missing_sub_path_is_404(
    content: ContentClient, workspace: Path, git_repository: Callable[..., str]
) -> None:
    url = git_repository(WORKFLOW_FILES)
    assert content.post("/workflows/clone", {"gitUrl": url, "path": "flows/review"}).status_code == 200
    again = content.post("/workflows/clone", {"gitUrl": url, "path": "flows/review"})
    assert again.status_code == 200
    missing = content.post("/workflows/clone", {"gitUrl": url, "path": "flows/nope"})
    assert missing.status_code == 404
    assert (workspace / "workflows/review/.claude").is_dir()  # the previous copy survived
    assert sorted(entry.name for entry in (workspace / "workflows").iterdir()) == ["review"]


def test_sdk_restart_counts(content: ContentClient, workspace: Path) -> None:
    first = content.post("/sdk/restart").json()
    (workspace / ".ambient/sdk-restart-requested").unlink()  # the runner consumed the flag
    second = content.post("/sdk/restart").json()
    assert (first["count"], second["count"]) == (1, 2)
    flag = json.loads((workspace / ".ambient/sdk-restart-requested").read_text())
    assert flag["count"] == 2 and flag["requestedAt"] == second["requestedAt"]


def test_a_repository_named_clone_can_be_removed(
    content: ContentClient, workspace: Path, git_repository: Callable[..., str]
) -> None:
    url = git_repository({"a": "a"}, name="clone")
    assert content.post("/repos/clone", {"url": url}).json()["name"] == "clone"
    assert content.get("/repos/clone/git/status").json()["initialized"] is True
    assert content.delete("/repos/clone").json()["removed"] is True
    assert not (workspace / "repos/clone").exists()
