"""Hostile inputs against the content service: each is refused with a 4xx, nothing is written
outside the workspace, and neither the content token nor the git token reaches a log line or a
response body."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from ambient.contract import GIT_TOKEN_HEADER
from gitops.testing import GitServer
from workspaces.testing import TEST_CONTENT_TOKEN, ContentClient

URL_SECRET = "ghp_SECRETinTheUrl0123456789"
GOOD_URL = "https://127.0.0.1:9/repo.git"  # never reached: every case fails validation first


@dataclass(frozen=True)
class Case:
    name: str
    method: str  # "get", "post", "put", "delete"
    path: str  # may contain {outside}
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


CORPUS = [
    # Workspace files: traversal, encodings, absolute paths, symlinks, NUL/control characters, sizes.
    Case("put-dotdot", "put", "/workspace/file?path=../outside/pwned"),
    Case("put-nested-dotdot", "put", "/workspace/file?path=artifacts/../../outside/pwned"),
    Case("put-absolute", "put", "/workspace/file?path=/etc/ambient-pwned"),
    Case("put-absolute-outside", "put", "/workspace/file?path={outside}/pwned"),
    Case("put-encoded-dotdot", "put", "/workspace/file?path=%2e%2e/outside/pwned"),
    Case("put-double-encoded", "put", "/workspace/file?path=%252e%252e%252foutside%252fpwned"),
    Case("put-encoded-slash", "put", "/workspace/file?path=artifacts%252f..%252f..%252fpwned"),
    Case("put-backslash", "put", "/workspace/file?path=..%5c..%5coutside%5cpwned"),
    Case("put-tilde", "put", "/workspace/file?path=~/pwned"),
    Case("put-symlink-escape", "put", "/workspace/file?path=artifacts/escape/pwned"),
    Case("put-symlink-file-escape", "put", "/workspace/file?path=artifacts/linked-file"),
    Case("put-nul", "put", "/workspace/file?path=artifacts/evil%00.txt"),
    Case("put-newline", "put", "/workspace/file?path=artifacts/evil%0a.txt"),
    Case("put-huge-path", "put", "/workspace/file?path=" + "a/" * 2100 + "f"),
    Case("put-huge-part", "put", "/workspace/file?path=artifacts/" + "x" * 300),
    Case("put-git-hook", "put", "/workspace/file?path=artifacts/.git/hooks/pre-commit"),
    Case("put-git-config-case", "put", "/workspace/file?path=artifacts/.GIT/config"),
    Case("put-through-link-into-git", "put", "/workspace/file?path=artifacts/gitlink/config"),
    Case("get-symlink-escape", "get", "/workspace/file?path=artifacts/escape/secret.txt"),
    Case("get-symlink-etc", "get", "/workspace/file?path=artifacts/etc-link/passwd"),
    Case("get-dotdot", "get", "/workspace/file?path=../outside/secret.txt"),
    Case("list-dotdot", "get", "/workspace/list?path=.."),
    Case("list-absolute", "get", "/workspace/list?path=/"),
    Case("list-symlink-escape", "get", "/workspace/list?path=artifacts/escape"),
    # Clones: option injection, transport helpers, local files, credentials in URLs, bad names.
    Case("clone-upload-pack", "post", "/repos/clone", {"url": "--upload-pack=touch {outside}/pwned"}),
    Case("clone-upload-pack-nospace", "post", "/repos/clone", {"url": "--upload-pack=id"}),
    Case("clone-ext-sh", "post", "/repos/clone", {"url": "ext::sh -c touch% {outside}/pwned"}),
    Case("clone-ext-nospace", "post", "/repos/clone", {"url": "ext::id"}),
    Case("clone-file-etc", "post", "/repos/clone", {"url": "file:///etc"}),
    Case("clone-local-path", "post", "/repos/clone", {"url": "/etc"}),
    Case("clone-plain-http", "post", "/repos/clone", {"url": "http://127.0.0.1:9/repo.git"}),
    Case("clone-token-in-url", "post", "/repos/clone", {"url": f"https://x-access-token:{URL_SECRET}@127.0.0.1/r.git"}),
    Case("clone-user-token-in-url", "post", "/repos/clone", {"url": f"https://{URL_SECRET}@127.0.0.1/r.git"}),
    Case("clone-ssh-proxycommand", "post", "/repos/clone", {"url": "ssh://-oProxyCommand=id/x"}),
    Case("clone-scp-option-host", "post", "/repos/clone", {"url": "git@-oProxyCommand=id:x"}),
    Case("clone-newline-url", "post", "/repos/clone", {"url": GOOD_URL + "\n--upload-pack=id"}),
    Case("clone-name-dotdot", "post", "/repos/clone", {"url": GOOD_URL, "name": "../outside"}),
    Case("clone-name-option", "post", "/repos/clone", {"url": GOOD_URL, "name": "-rf"}),
    Case("clone-name-slash", "post", "/repos/clone", {"url": GOOD_URL, "name": "a/b"}),
    Case("clone-branch-newline", "post", "/repos/clone", {"url": GOOD_URL, "branch": "main\nevil"}),
    Case("clone-branch-option", "post", "/repos/clone", {"url": GOOD_URL, "branch": "--upload-pack=id"}),
    Case("clone-branch-dotdot", "post", "/repos/clone", {"url": GOOD_URL, "branch": "a/../../b"}),
    Case("clone-not-an-object", "post", "/repos/clone", ["https://example.com/r.git"]),
    Case("remove-dotdot", "delete", "/repos/.."),
    Case("remove-encoded-dotdot", "delete", "/repos/%2e%2e"),
    Case("remove-option", "delete", "/repos/-rf"),
    # Workflows: sub-paths that leave the clone or read as options.
    Case("workflow-path-dotdot", "post", "/workflows/clone", {"gitUrl": GOOD_URL, "path": "../../outside"}),
    Case("workflow-path-absolute", "post", "/workflows/clone", {"gitUrl": GOOD_URL, "path": "/etc"}),
    Case("workflow-path-option", "post", "/workflows/clone", {"gitUrl": GOOD_URL, "path": "--help"}),
    Case("workflow-ext", "post", "/workflows/clone", {"gitUrl": "ext::sh -c id"}),
    # Git operations: paths, URLs, branch names, messages, credentials headers.
    Case("git-path-dotdot", "post", "/git/push", {"path": "../outside"}),
    Case("git-path-symlink", "get", "/git/status?path=artifacts/escape"),
    Case("git-path-control", "post", "/git/configure-remote", {"path": ".ambient", "remoteUrl": GOOD_URL}),
    Case("git-path-root", "post", "/git/configure-remote", {"path": "", "remoteUrl": GOOD_URL}),
    Case("git-remote-ext", "post", "/git/configure-remote", {"path": "artifacts", "remoteUrl": "ext::sh -c id"}),
    Case("git-remote-file", "post", "/git/configure-remote", {"path": "artifacts", "remoteUrl": "file:///etc"}),
    Case(
        "git-remote-token",
        "post",
        "/git/configure-remote",
        {"path": "artifacts", "remoteUrl": f"https://u:{URL_SECRET}@127.0.0.1/r.git"},
    ),
    Case("git-branch-newline", "post", "/git/create-branch", {"path": "artifacts", "branchName": "x\ny"}),
    Case("git-branch-option", "post", "/git/create-branch", {"path": "artifacts", "branchName": "-D"}),
    Case("git-branch-shell", "post", "/git/push", {"path": "artifacts", "branch": "main; rm -rf /"}),
    Case("git-branch-reflog", "post", "/git/pull", {"path": "artifacts", "branch": "main@{1}"}),
    Case("git-merge-branch-dotdot", "get", "/git/merge-status?path=artifacts&branch=..%2f..%2fx"),
    Case("git-message-nul", "post", "/git/push", {"path": "artifacts", "message": "a\0b"}),
    Case(
        "git-token-header-injection", "post", "/git/push", {"path": "artifacts"}, {GIT_TOKEN_HEADER: "t\r\nX-Evil: 1"}
    ),
    Case("git-repo-name-dotdot", "post", "/repos/..%2f..%2foutside/git/push", {}),
]


def test_the_corpus_is_large_enough() -> None:
    assert len(CORPUS) >= 30
    assert len({case.name for case in CORPUS}) == len(CORPUS)


@pytest.fixture
def hostile_layout(workspace: Path, tmp_path: Path) -> Path:
    """A directory beside the workspace, reachable through symlinks planted inside it."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("outside secret")
    (workspace / "artifacts/escape").symlink_to(outside)
    (workspace / "artifacts/etc-link").symlink_to("/etc")
    (workspace / "artifacts/linked-file").symlink_to(outside / "secret.txt")
    (workspace / "repos/r/.git").mkdir(parents=True)
    (workspace / "artifacts/gitlink").symlink_to(workspace / "repos/r/.git")
    return outside


def snapshot(directory: Path) -> dict[str, tuple[int, float]]:
    found = {}
    for current, _, files in os.walk(directory):
        for name in files:
            path = Path(current) / name
            found[str(path)] = (path.lstat().st_size, path.lstat().st_mtime)
    return found


@pytest.mark.parametrize("case", CORPUS, ids=[case.name for case in CORPUS])
def test_hostile_input_is_refused(
    case: Case,
    content: ContentClient,
    workspace: Path,
    hostile_layout: Path,
    tmp_path: Path,
    git_server: GitServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    before_outside = snapshot(tmp_path / "outside")
    path = case.path.replace("{outside}", str(hostile_layout))
    body = case.body
    if isinstance(body, dict):
        body = {key: value.replace("{outside}", str(hostile_layout)) for key, value in body.items()}
    if case.method == "put":
        response = content.client.put(
            path, b"pwned", content_type="application/octet-stream", headers=content.headers(case.headers)
        )
    elif case.method == "post":
        response = content.post(path, body, headers=case.headers)
    elif case.method == "delete":
        response = content.delete(path, headers=case.headers)
    else:
        response = content.get(path, headers=case.headers)

    assert 400 <= response.status_code < 500, (response.status_code, getattr(response, "content", b""))
    assert response["Content-Type"] == "application/json", "every refusal is in the JSON error shape"
    assert response.json()["code"], response.json()
    assert snapshot(tmp_path / "outside") == before_outside
    assert not (hostile_layout / "pwned").exists()
    assert not Path("/etc/ambient-pwned").exists()
    assert (workspace / "artifacts/.git").exists() is False
    text = response.content.decode(errors="replace") if hasattr(response, "content") else ""
    for secret in (TEST_CONTENT_TOKEN, git_server.token, URL_SECRET, "outside secret"):
        assert secret not in text
        assert secret not in caplog.text
