"""The image map: which container images run as which local commands (format in README.md).

Pure parsing and matching; the file is re-read when it changes so a user can add a mapping and
watch a pod in ImagePullBackOff recover, as it would once an image is pushed.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

# Docker reference grammar (distribution/reference), reduced to what validation needs.
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_DOMAIN = r"(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?)"
_TAG = r"[\w][\w.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"
_REFERENCE = re.compile(rf"^(?:{_DOMAIN}/)?{_COMPONENT}(?:/{_COMPONENT})*(?::{_TAG})?(?:@{_DIGEST})?$")


class ImageMapError(ValueError):
    """The image map file is malformed."""


@dataclass(frozen=True)
class ImageEntry:
    """How one image runs locally. ``command`` forces the argv; ``entrypoint``/``cmd`` act like the
    image's ENTRYPOINT/CMD, so the container's command/args override them as in Docker."""

    pattern: str
    command: tuple[str, ...] | None = None
    keep_args: bool = False
    entrypoint: tuple[str, ...] = ()
    cmd: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    working_dir: str | None = None
    inherit_env: bool = False


def is_valid_image_name(image: str) -> bool:
    return bool(image) and len(image) <= 4096 and _REFERENCE.match(image) is not None


def invalid_image_message(image: str) -> str:
    detail = "repository name must be lowercase" if image.lower() != image else "invalid reference format"
    return f'Failed to apply default image tag "{image}": couldn\'t parse image name "{image}": {detail}'


def normalize_image(image: str) -> str:
    """Add the implicit ``:latest`` tag, as a runtime does before pulling."""
    last = image.rsplit("/", 1)[-1]
    if "@" in last or ":" in last:
        return image
    return f"{image}:latest"


def _string_list(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ImageMapError(f"{where} must be a list of strings")
    return tuple(value)


def parse_entry(pattern: str, raw: Any) -> ImageEntry:
    """One mapping; a bare list is shorthand for ``{"command": [...], "keepArgs": true}``."""
    if isinstance(raw, list):
        return ImageEntry(pattern=pattern, command=_string_list(raw, pattern), keep_args=True)
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ImageMapError(f"images[{pattern!r}] must be a mapping or a list")
    known = {"command", "keepArgs", "entrypoint", "cmd", "env", "workingDir", "inheritEnv"}
    unknown = set(raw) - known
    if unknown:
        raise ImageMapError(f"images[{pattern!r}] has unknown keys: {sorted(unknown)}")
    env = raw.get("env", {}) if raw.get("env") is not None else {}
    if not isinstance(env, dict):
        raise ImageMapError(f"images[{pattern!r}].env must be a mapping")
    command = raw.get("command")
    return ImageEntry(
        pattern=pattern,
        command=_string_list(command, f"{pattern}.command") if command is not None else None,
        keep_args=bool(raw.get("keepArgs", False)),
        entrypoint=_string_list(raw.get("entrypoint", []), f"{pattern}.entrypoint"),
        cmd=_string_list(raw.get("cmd", []), f"{pattern}.cmd"),
        env={str(key): str(value) for key, value in env.items()},
        working_dir=raw.get("workingDir"),
        inherit_env=bool(raw.get("inheritEnv", False)),
    )


@dataclass(frozen=True)
class ImageMap:
    entries: tuple[ImageEntry, ...] = ()

    @classmethod
    def from_document(cls, document: Any) -> ImageMap:
        if document is None:
            return cls()
        if not isinstance(document, dict) or not isinstance(document.get("images", {}), dict):
            raise ImageMapError('the image map must be a mapping with an "images" mapping')
        images = document.get("images") or {}
        return cls(tuple(parse_entry(str(pattern), raw) for pattern, raw in images.items()))

    def resolve(self, image: str) -> ImageEntry | None:
        """Exact matches (with or without the implicit tag) win; then globs in file order."""
        candidates = (image, normalize_image(image))
        for entry in self.entries:
            if entry.pattern in candidates or normalize_image(entry.pattern) in candidates:
                return entry
        for entry in self.entries:
            if any(fnmatch.fnmatchcase(candidate, entry.pattern) for candidate in candidates):
                return entry
        return None


def container_argv(entry: ImageEntry, command: list[str] | None, args: list[str] | None) -> list[str]:
    """The argv a container runs, with kube's command/args-over-image rules."""
    if entry.command is not None:
        return [*entry.command, *(args or [])] if entry.keep_args else list(entry.command)
    if command:
        return [*command, *(args or [])]
    return [*entry.entrypoint, *(args if args else entry.cmd)]


class ImageMapFile:
    """The image map behind a file path, re-parsed when its modification time changes."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._stamp: tuple[int, int] | None = None
        self._map = ImageMap()
        self.error: str | None = None

    def current(self) -> ImageMap:
        if self.path is None:
            return self._map
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            self._map, self._stamp, self.error = ImageMap(), None, f"image map {self.path} not found"
            return self._map
        stamp = (stat.st_mtime_ns, stat.st_size)
        if stamp != self._stamp:
            self._stamp = stamp
            try:
                self._map = ImageMap.from_document(yaml.safe_load(self.path.read_text()))
                self.error = None
            except (yaml.YAMLError, ImageMapError) as exc:
                # Keep the last good map: a half-saved edit must not fail every running pod.
                self.error = f"image map {self.path}: {exc}"
        return self._map
