"""Workspace listing, file reads (streamed, typed) and writes (binary-safe, atomic, bounded)."""

from __future__ import annotations

import os
from pathlib import Path

from workspaces.testing import ContentClient


def test_put_then_get_round_trips_binary(content: ContentClient, workspace: Path) -> None:
    payload = bytes(range(256)) * 64 + b"\0\r\n\xff"
    response = content.put_file("artifacts/deep/er/blob.bin", payload)
    assert response.status_code == 200, response.content
    assert response.json() == {"message": "written", "path": "artifacts/deep/er/blob.bin", "size": len(payload)}
    assert (workspace / "artifacts/deep/er/blob.bin").read_bytes() == payload
    fetched = content.get("/workspace/file", {"path": "artifacts/deep/er/blob.bin"})
    assert fetched.status_code == 200
    assert b"".join(fetched.streaming_content) == payload
    assert fetched["Content-Type"] == "application/octet-stream"


def test_get_guesses_the_content_type_and_404s(content: ContentClient, workspace: Path) -> None:
    (workspace / "artifacts/page.html").write_text("<p>hi</p>")
    assert content.get("/workspace/file", {"path": "artifacts/page.html"})["Content-Type"].startswith("text/html")
    missing = content.get("/workspace/file", {"path": "artifacts/none.txt"})
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    directory = content.get("/workspace/file", {"path": "artifacts"})
    assert directory.status_code == 400 and directory.json()["code"] == "is_directory"


def test_list_directory_and_single_file(content: ContentClient, workspace: Path) -> None:
    (workspace / "artifacts/b.txt").write_text("bb")
    (workspace / "artifacts/a").mkdir()
    items = content.get("/workspace/list", {"path": "artifacts"}).json()["items"]
    assert [(item["name"], item["path"], item["isDir"]) for item in items] == [
        ("a", "artifacts/a", True),
        ("b.txt", "artifacts/b.txt", False),
    ]
    assert items[1]["size"] == 2 and items[1]["modifiedAt"].endswith("Z")
    single = content.get("/workspace/list", {"path": "artifacts/b.txt"}).json()["items"]
    assert [item["name"] for item in single] == ["b.txt"]
    root = content.get("/workspace/list").json()["items"]
    assert {"repos", "workflows", "artifacts", ".ambient"} <= {item["name"] for item in root}
    assert content.get("/workspace/list", {"path": "nowhere"}).status_code == 404


def test_overwrite_replaces_and_leaves_no_temporary_files(content: ContentClient, workspace: Path) -> None:
    content.put_file("artifacts/f.txt", b"first version, longer")
    content.put_file("artifacts/f.txt", b"second")
    assert (workspace / "artifacts/f.txt").read_bytes() == b"second"
    assert os.listdir(workspace / "artifacts") == ["f.txt"]


def test_too_large_is_413_and_nothing_is_written(content: ContentClient, workspace: Path, settings) -> None:
    settings.CONTENT_MAX_FILE_BYTES = 1000
    response = content.put_file("artifacts/big.bin", b"x" * 1001)
    assert response.status_code == 413 and response.json()["code"] == "payload_too_large"
    assert response.json()["details"]["maxBytes"] == 1000
    assert not (workspace / "artifacts/big.bin").exists()
    assert os.listdir(workspace / "artifacts") == []
    assert content.put_file("artifacts/ok.bin", b"x" * 1000).status_code == 200


def test_json_body_too_large_is_413(content: ContentClient, settings) -> None:
    settings.CONTENT_MAX_JSON_BYTES = 100
    response = content.post("/repos/clone", {"url": "https://example.com/" + "a" * 200})
    assert response.status_code == 413


def test_writing_a_directory_or_the_root_is_400(content: ContentClient) -> None:
    assert content.put_file("artifacts", b"x").status_code == 400
    assert content.put_file("", b"x").status_code == 400


def test_symlinks_that_stay_inside_are_followed(content: ContentClient, workspace: Path) -> None:
    (workspace / "artifacts/report.md").write_text("report")
    (workspace / "artifacts/latest.md").symlink_to("report.md")
    (workspace / "artifacts/linked-dir").symlink_to(workspace / "repos")
    got = content.get("/workspace/file", {"path": "artifacts/latest.md"})
    assert b"".join(got.streaming_content) == b"report"
    assert content.get("/workspace/list", {"path": "artifacts/linked-dir"}).status_code == 200
    written = content.put_file("artifacts/latest.md", b"new")
    assert written.status_code == 200 and written.json()["path"] == "artifacts/report.md"
    assert (workspace / "artifacts/report.md").read_bytes() == b"new"
