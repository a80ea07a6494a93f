from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from gitops.testing import GitServer
from workspaces.testing import TEST_CONTENT_TOKEN as CONTENT_TOKEN
from workspaces.testing import ContentClient, make_workspace


@pytest.fixture
def workspace(tmp_path: Path, settings, git_server: GitServer) -> Path:
    """A workspace root served by the in-process content routes, trusting the test git server."""
    root = make_workspace(tmp_path / "workspace")
    settings.ROOT_URLCONF = "workspaces.urls"
    settings.WORKSPACE_ROOT = root
    settings.CONTENT_TOKEN = CONTENT_TOKEN
    settings.CONTENT_TOKEN_FILE = ""
    settings.CONTENT_GIT_TOKEN = ""
    settings.GIT_SSL_CA_FILE = str(git_server.ca_path)
    settings.AMBIENT_ALLOW_FILE_GIT_URLS = False
    return root


@pytest.fixture
def content(workspace: Path, git_server: GitServer) -> ContentClient:
    """Authenticated with the content token and carrying the git server's token."""
    return ContentClient(token=CONTENT_TOKEN, git_token=git_server.token)


@pytest.fixture
def cloned(content: ContentClient, git_repository: Callable[..., str]) -> Iterator[Callable[..., tuple[str, str]]]:
    """`cloned(files)` → (repo name on the server, url): a repository cloned into repos/<name>."""

    def clone(files: dict[str, str] | None = None) -> tuple[str, str]:
        url = git_repository(files or {"README.md": "hello\n"})
        response = content.post("/repos/clone", {"url": url})
        assert response.status_code == 200, response.content
        name = response.json()["name"]
        return name, url

    yield clone
