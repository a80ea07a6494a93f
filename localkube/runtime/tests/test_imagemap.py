"""Image map parsing and resolution."""

from __future__ import annotations

from pathlib import Path

import pytest

from localkube.runtime.imagemap import (
    ImageMap,
    ImageMapError,
    ImageMapFile,
    container_argv,
    invalid_image_message,
    is_valid_image_name,
    normalize_image,
    parse_entry,
)

MAP = ImageMap.from_document(
    {
        "images": {
            "quay.io/ambient_code/*:latest": {"command": ["{python}", "-m", "glob"], "keepArgs": True},
            "quay.io/ambient_code/runner:latest": {"command": ["{python}", "-m", "runner"]},
            "busybox": {"entrypoint": ["sh", "-c"], "cmd": ["echo default"]},
            "python:3.11*": {},
        }
    }
)


@pytest.mark.parametrize(
    ("image", "pattern"),
    [
        ("quay.io/ambient_code/runner:latest", "quay.io/ambient_code/runner:latest"),  # exact beats glob
        ("quay.io/ambient_code/runner", "quay.io/ambient_code/runner:latest"),  # implicit :latest
        ("quay.io/ambient_code/content:latest", "quay.io/ambient_code/*:latest"),
        ("busybox:latest", "busybox"),
        ("python:3.11-slim", "python:3.11*"),
    ],
)
def test_resolve_matches(image: str, pattern: str) -> None:
    entry = MAP.resolve(image)
    assert entry is not None and entry.pattern == pattern


@pytest.mark.parametrize("image", ["quay.io/ambient_code/content:v1", "nginx", "busybox:1.36"])
def test_resolve_unmapped(image: str) -> None:
    assert MAP.resolve(image) is None


@pytest.mark.parametrize(
    ("entry_name", "command", "args", "expected"),
    [
        (
            "quay.io/ambient_code/content:latest",
            ["ignored"],
            ["--port", "8080"],
            ["{python}", "-m", "glob", "--port", "8080"],
        ),
        ("quay.io/ambient_code/runner:latest", None, ["dropped"], ["{python}", "-m", "runner"]),
        ("busybox", None, None, ["sh", "-c", "echo default"]),
        ("busybox", None, ["echo hi"], ["sh", "-c", "echo hi"]),
        ("busybox", ["cat"], None, ["cat"]),  # a command replaces ENTRYPOINT and drops CMD
        ("python:3.11", ["python", "-c"], ["print(1)"], ["python", "-c", "print(1)"]),
    ],
)
def test_container_argv(
    entry_name: str, command: list[str] | None, args: list[str] | None, expected: list[str]
) -> None:
    entry = MAP.resolve(entry_name)
    assert entry is not None
    assert container_argv(entry, command, args) == expected


def test_list_shorthand_keeps_args() -> None:
    entry = parse_entry("x", ["run"])
    assert entry.command == ("run",) and entry.keep_args


@pytest.mark.parametrize(
    "document", [{"images": []}, {"images": {"x": {"bogus": 1}}}, {"images": {"x": {"env": []}}}, []]
)
def test_invalid_documents(document: object) -> None:
    with pytest.raises(ImageMapError):
        ImageMap.from_document(document)


@pytest.mark.parametrize(
    ("image", "valid"),
    [
        ("nginx", True),
        ("quay.io/ambient_code/vteam_backend:latest", True),
        ("localhost:5000/a/b:v1.2", True),
        ("a@sha256:" + "0" * 64, True),
        ("Nginx", False),
        ("bad image", False),
        ("", False),
        ("a:", False),
    ],
)
def test_image_name_validation(image: str, valid: bool) -> None:
    assert is_valid_image_name(image) is valid


def test_invalid_image_message_mentions_lowercase() -> None:
    assert "must be lowercase" in invalid_image_message("Nginx")


def test_normalize_image() -> None:
    assert normalize_image("a/b") == "a/b:latest"
    assert normalize_image("host:5000/a") == "host:5000/a:latest"
    assert normalize_image("a:1") == "a:1"


def test_file_reload_and_bad_edit_keeps_last_good(tmp_path: Path) -> None:
    path = tmp_path / "images.yaml"
    source = ImageMapFile(path)
    assert source.current().resolve("x") is None and source.error
    path.write_text('images:\n  "x": ["run"]\n')
    assert source.current().resolve("x") is not None
    path.write_text("images: [unclosed\n")
    assert source.current().resolve("x") is not None
    assert source.error
