"""The content token: required everywhere but /healthz, compared whole, read from the mounted file."""

from __future__ import annotations

from pathlib import Path

import pytest

from ambient.contract import CONTENT_TOKEN_HEADER
from workspaces.testing import TEST_CONTENT_TOKEN as CONTENT_TOKEN
from workspaces.testing import ContentClient

PROTECTED = [
    ("get", "/workspace/list"),
    ("get", "/workspace/file?path=artifacts/x"),
    ("post", "/repos/clone"),
    ("delete", "/repos/anything"),
    ("post", "/workflows/clone"),
    ("post", "/sdk/restart"),
    ("get", "/workflow/metadata"),
    ("get", "/git/status?path=artifacts"),
    ("post", "/git/push"),
    ("get", "/repos/x/git/status"),
]


def call(client: ContentClient, method: str, path: str) -> object:
    return getattr(client, method)(path)


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_no_token_is_401_with_a_challenge(workspace: Path, method: str, path: str) -> None:
    response = call(ContentClient(token=None), method, path)
    assert response.status_code == 401  # type: ignore[attr-defined]
    assert response["WWW-Authenticate"].startswith("Bearer")  # type: ignore[index]
    assert response.json()["code"] == "unauthenticated"  # type: ignore[attr-defined]


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_another_sessions_token_is_401(workspace: Path, method: str, path: str) -> None:
    response = call(ContentClient(token="content-token-of-another-session-987654"), method, path)
    assert response.status_code == 401  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "presented",
    [CONTENT_TOKEN + "x", CONTENT_TOKEN[:-1], CONTENT_TOKEN.upper(), "", " ", "é" * 10, "x" * 10_000],
)
def test_near_misses_are_401(workspace: Path, presented: str) -> None:
    response = ContentClient(token=None).get("/workspace/list", headers={"Authorization": f"Bearer {presented}"})
    assert response.status_code == 401


def test_healthz_needs_no_token(workspace: Path) -> None:
    assert ContentClient(token=None).get("/healthz").status_code == 200


def test_the_proxy_header_is_accepted(workspace: Path) -> None:
    response = ContentClient(token=None).get("/workspace/list", headers={CONTENT_TOKEN_HEADER: CONTENT_TOKEN})
    assert response.status_code == 200


def test_token_file_wins_and_is_reread(workspace: Path, tmp_path: Path, settings) -> None:
    token_file = tmp_path / "content-token"
    token_file.write_text("from-the-secret-1\n")
    settings.CONTENT_TOKEN_FILE = str(token_file)
    assert ContentClient(token="from-the-secret-1").get("/workspace/list").status_code == 200
    assert ContentClient(token=CONTENT_TOKEN).get("/workspace/list").status_code == 401
    token_file.write_text("rotated-2")
    assert ContentClient(token="rotated-2").get("/workspace/list").status_code == 200
    assert ContentClient(token="from-the-secret-1").get("/workspace/list").status_code == 401


def test_without_any_configured_token_everything_is_refused(workspace: Path, settings) -> None:
    settings.CONTENT_TOKEN = ""
    response = ContentClient(token="").get("/workspace/list", headers={"Authorization": "Bearer anything"})
    assert response.status_code == 401
    assert "no token configured" in response.json()["error"]
