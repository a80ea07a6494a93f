"""Fixtures around `gitops.testing.GitServer`; loaded for the whole suite from the root conftest.

`git_server`: one HTTPS smart-HTTP server per test run (token `git_server.token`);
`git_repository(files)`: a fresh bare repository on it, returning its URL.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator, Mapping

import pytest

from gitops.testing import GitServer


@pytest.fixture(scope="session")
def git_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GitServer]:
    server = GitServer(tmp_path_factory.mktemp("git-server"), token=f"git-{secrets.token_urlsafe(24)}").start()
    yield server
    server.stop()


@pytest.fixture
def git_repository(git_server: GitServer) -> Callable[..., str]:
    """`git_repository({"README.md": "hi"}, branch="main")` → the URL of a new repository."""

    def create(files: Mapping[str, str | bytes] | None = None, *, branch: str = "main", name: str | None = None) -> str:
        return git_server.create_repository(name or f"repo-{secrets.token_hex(4)}", files, branch=branch)

    return create
