from __future__ import annotations

import pytest

from gitops.validation import (
    branch_problem,
    derive_repo_name,
    git_url_problem,
    relative_path_problem,
    repo_name_problem,
)


@pytest.mark.parametrize(
    "url",
    [
        "https://github.com/o/r.git",
        "https://git.example.com:8443/group/sub/r",
        "ssh://git@github.com/o/r.git",
        "git@github.com:o/r.git",
        "deploy@host.example.com:path/to/r",
    ],
)
def test_accepted_urls(url: str) -> None:
    assert git_url_problem(url) is None


@pytest.mark.parametrize(
    "url",
    [
        "",
        "--upload-pack=touch /tmp/x",
        "-u",
        "ext::sh -c id",
        "ext::id",
        "fd::17",
        "file:///etc",
        "/etc/passwd",
        "../repo",
        "http://github.com/o/r.git",
        "git://github.com/o/r.git",
        "https://",
        "https://user:pass@github.com/o/r.git",
        "https://ghp_token@github.com/o/r.git",
        "ssh://u:p@host/r",
        "ssh://-oProxyCommand=id/x",
        "ssh://-user@host/x",
        "git@-oProxyCommand=id:x",
        "-git@host:x",
        "https://github.com/o/r.git\n--upload-pack=x",
        "https://github.com/o/r .git",
        "https://github.com/\x00",
        "https://github.com/" + "a" * 3000,
    ],
)
def test_refused_urls(url: str) -> None:
    assert git_url_problem(url) is not None


def test_wrong_scheme_message_names_file_urls_only_where_they_are_accepted() -> None:
    assert git_url_problem("http://example.com/r.git", allow_file=True) == (
        "Use an https://, ssh://, file:///path or git@host:path URL."
    )
    assert git_url_problem("http://example.com/r.git") == "Use an https://, ssh:// or git@host:path URL."


def test_file_urls_only_when_allowed() -> None:
    assert git_url_problem("file:///srv/git/r.git", allow_file=True) is None
    assert git_url_problem("file://host/srv/r.git", allow_file=True) is not None
    assert git_url_problem("file:///srv/git/r.git", allow_file=False) is not None


@pytest.mark.parametrize("branch", ["main", "feature/x", "ambient/session-1", "release-1.2", "a_b"])
def test_accepted_branches(branch: str) -> None:
    assert branch_problem(branch) is None


@pytest.mark.parametrize(
    "branch",
    [
        "",
        "-D",
        "--force",
        "a..b",
        "a b",
        "a\nb",
        "a\x00",
        "a~1",
        "a^",
        "a:b",
        "a?",
        "a*",
        "a[",
        "a\\b",
        "/a",
        "a/",
        "a.",
        "a.lock",
        "a//b",
        "@",
        "a@{1}",
        ".hidden",
        "x/.y",
        "a" * 300,
    ],
)
def test_refused_branches(branch: str) -> None:
    assert branch_problem(branch) is not None


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("repo", True),
        ("my.repo-1_x", True),
        ("..", False),
        (".git", False),
        ("-rf", False),
        ("a/b", False),
        ("", False),
        ("a" * 101, False),
    ],
)
def test_repo_names(name: str, ok: bool) -> None:
    assert (repo_name_problem(name) is None) is ok


@pytest.mark.parametrize(
    ("path", "ok"),
    [
        ("flows/review", True),
        ("a", True),
        ("./a", True),
        ("../a", False),
        ("/etc", False),
        ("a/--help", False),
        ("a\nb", False),
    ],
)
def test_relative_paths(path: str, ok: bool) -> None:
    assert (relative_path_problem(path) is None) is ok


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("https://github.com/o/repo.git", "repo"),
        ("https://github.com/o/repo/", "repo"),
        ("git@github.com:o/repo.git", "repo"),
        ("ssh://git@host/x/y/z", "z"),
        ("file:///srv/git/demo.git", "demo"),
    ],
)
def test_derive_repo_name(url: str, name: str) -> None:
    assert derive_repo_name(url) == name
