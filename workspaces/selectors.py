"""Reads of the workspace: directory listings and files to stream."""

from __future__ import annotations

import mimetypes
import os
import stat
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from ambient.exceptions import InvalidInput, NotFound
from workspaces.paths import relative_to_root, resolve


@dataclass(frozen=True)
class WorkspaceFile:
    path: Path
    size: int
    content_type: str

    def open(self) -> BinaryIO:
        """Opened without following a final symlink, so one swapped in after the check fails."""
        return os.fdopen(os.open(self.path, os.O_RDONLY | os.O_NOFOLLOW), "rb")


def _item(path: Path, *, root: Path) -> dict[str, Any]:
    info = path.lstat()
    return {
        "name": path.name,
        "path": relative_to_root(path, root=root),
        "isDir": stat.S_ISDIR(path.stat().st_mode) if path.exists() else False,
        "size": info.st_size,
        "modifiedAt": datetime.fromtimestamp(info.st_mtime, tz=UTC).isoformat().replace("+00:00", "Z"),
    }


def workspace_list(*, path: str, root: Path) -> dict[str, Any]:
    """A directory's entries (a file gives a one-item list), sorted by name."""
    target = resolve(path, root=root)
    if not target.exists():
        raise NotFound(f"Nothing at {path!r} in the workspace.", details={"path": path})
    if not target.is_dir():
        return {"items": [_item(target, root=root)]}
    return {"items": [_item(entry, root=root) for entry in sorted(target.iterdir(), key=lambda entry: entry.name)]}


def workspace_file(*, path: str, root: Path) -> WorkspaceFile:
    target = resolve(path, root=root)
    if not target.exists():
        raise NotFound(f"No file at {path!r} in the workspace.", details={"path": path})
    if target.is_dir():
        raise InvalidInput(f"{path!r} is a directory; list it with /workspace/list.", code="is_directory")
    content_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    return WorkspaceFile(path=target, size=target.stat().st_size, content_type=content_type)
