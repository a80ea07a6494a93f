"""Hostile inputs against the api's repo, workflow, workspace, git and GitHub actions, with the real content
service behind it: every one is refused with 4xx, nothing lands outside the workspace, and neither the
caller's token nor the content token appears in any log line."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from tests.api.support import sessions_url

pytestmark = [pytest.mark.localkube, pytest.mark.integration]

LONG = "a" * 5000
# (method, suffix under the session, query or body); bodies are JSON unless bytes (then a raw PUT).
CORPUS: list[tuple[str, str, Any]] = [
    # workspace listing
    ("get", "workspace", {"path": "../"}),
    ("get", "workspace", {"path": "../../etc"}),
    ("get", "workspace", {"path": "/etc"}),
    ("get", "workspace", {"path": "a/../../b"}),
    ("get", "workspace", {"path": "%2e%2e/%2e%2e"}),
    ("get", "workspace", {"path": "a\x00b"}),
    ("get", "workspace", {"path": "a\nb"}),
    ("get", "workspace", {"path": "-rf"}),
    ("get", "workspace", {"path": LONG}),
    ("get", "workspace", {"path": "escape"}),  # a symlink out of the workspace
    # workspace files (the path is in the URL)
    ("get", "workspace/../../etc/passwd", None),
    ("get", "workspace/%2e%2e/%2e%2e/etc/passwd", None),
    ("get", "workspace/..%2f..%2fetc%2fpasswd", None),
    ("get", "workspace/a%00b", None),
    ("get", "workspace/escape/secret.txt", None),
    ("put", "workspace/../outside.txt", b"x"),
    ("put", "workspace/escape/written.txt", b"x"),
    ("put", "workspace/%2e%2e/outside.txt", b"x"),
    # repos and workflow
    ("post", "repos", {"url": "ext::sh -c touch% /tmp/pwned"}),
    ("post", "repos", {"url": "--upload-pack=touch /tmp/pwned"}),
    ("post", "repos", {"url": "ssh://-oProxyCommand=touch/x"}),
    ("post", "repos", {"url": "git@-oProxyCommand=x:y"}),
    ("post", "repos", {"url": "https://user:ghp_secret@git.example.com/x.git"}),
    ("post", "repos", {"url": "https://git.example.com/x.git", "branch": "main\nfoo"}),
    ("post", "repos", {"url": "https://git.example.com/x.git", "branch": "--force"}),
    ("post", "repos", {"url": "https://git.example.com/x.git", "branch": "a..b"}),
    ("post", "repos", {"url": "https://git.example.com/x.git", "name": "../x"}),
    ("post", "repos", {"url": "https://git.example.com/x.git", "name": ".git"}),
    ("post", "workflow", {"gitUrl": "ext::sh -c id"}),
    ("post", "workflow", {"gitUrl": "https://git.example.com/w.git", "path": "../../x"}),
    ("post", "workflow", {"gitUrl": "https://git.example.com/w.git", "path": "-x"}),
    ("post", "workflow", {"gitUrl": "https://git.example.com/w.git", "branch": "@{-1}"}),
    # git on workspace directories
    ("get", "git/status", {"path": "../.."}),
    ("get", "git/merge-status", {"path": "artifacts", "branch": "--upload-pack=x"}),
    ("post", "git/create-branch", {"path": "artifacts", "branchName": "-D"}),
    ("post", "git/create-branch", {"path": "artifacts", "branchName": "a\nb"}),
    ("post", "git/configure-remote", {"path": "artifacts", "remoteUrl": "ext::sh -c id"}),
    ("post", "git/configure-remote", {"path": "artifacts", "remoteUrl": "https://x:ghp_secret@h.example.com/r"}),
    ("post", "git/push", {"path": "../../", "branch": "main"}),
    ("post", "git/push", {"path": "artifacts", "message": "m" * 20_000}),
    ("post", "git/synchronize", {"path": "escape"}),
    # GitHub
    ("post", "github/push", {"repo": "../x"}),
    ("post", "github/push", {"repo": "app", "branch": "-f"}),
    ("get", "github/diff", {"repo": "../../etc"}),
]


def test_hostile_inputs_are_refused(
    admin_client, admin_token, project, running_session, content_token, content_process, direct_route, tmp_path, caplog
):
    assert len(CORPUS) >= 30
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("secret")
    running_session(project, "s1", repos=[{"url": "https://git.example.com/org/app.git"}])
    token = content_token(project, "s1")
    process = content_process(token)
    direct_route(process)
    (process.workspace / "artifacts").mkdir(exist_ok=True)
    (process.workspace / "escape").symlink_to(outside, target_is_directory=True)
    before = sorted(path.name for path in outside.iterdir())
    caplog.set_level(logging.DEBUG)

    answers = []
    for method, suffix, data in CORPUS:
        url = sessions_url(project, "s1", suffix)
        if isinstance(data, bytes):
            response = admin_client.put(url, data, content_type="application/octet-stream")
        elif method == "get":
            response = admin_client.get(url, data or {})
        else:
            response = getattr(admin_client, method)(url, data, format="json")
        answers.append((method, suffix, repr(data)[:60], response.status_code))

    refused = [answer for answer in answers if not 400 <= answer[3] < 500]
    assert refused == [], refused
    assert sorted(path.name for path in outside.iterdir()) == before
    assert (outside / "secret.txt").read_text() == "secret"
    logged = caplog.text + Path(process.log.name).read_text(errors="replace")
    assert token not in logged
    assert admin_token not in logged
    assert "ghp_secret" not in logged
