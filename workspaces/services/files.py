"""Writing workspace files: streamed to a temporary file beside the target, then renamed into place."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ambient.exceptions import InvalidInput, PayloadTooLarge
from workspaces.paths import path_parts, relative_to_root, resolve

CHUNK_BYTES = 1 << 20


def workspace_file_write(
    *, path: str, read: Callable[[int], bytes], root: Path, max_bytes: int, declared_length: int | None
) -> dict[str, Any]:
    """Write the request body to `path` (binary-safe, parents created); 413 past `max_bytes`."""
    if not path_parts(path):
        raise InvalidInput("Name a file inside the workspace.", code="invalid_path")
    _refuse_git_internals(path, path)
    if declared_length is not None and declared_length > max_bytes:
        raise _too_large(max_bytes)
    target = resolve(path, root=root)
    _refuse_git_internals(relative_to_root(target, root=root), path)
    if target.is_dir():
        raise InvalidInput(f"{path!r} is a directory.", code="is_directory")
    target.parent.mkdir(parents=True, exist_ok=True)
    # The parent may have been created through a symlink the agent placed meanwhile: check again.
    target = resolve(path, root=root)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{target.name[:50]}.", suffix=".upload", dir=target.parent)
    written = 0
    try:
        with os.fdopen(descriptor, "wb") as handle:
            while chunk := read(CHUNK_BYTES):
                written += len(chunk)
                if written > max_bytes:
                    raise _too_large(max_bytes)
                handle.write(chunk)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return {"message": "written", "path": relative_to_root(target, root=root), "size": written}


def _refuse_git_internals(candidate: str, path: str) -> None:
    # Git's own files (config, hooks) decide what git runs; only the git routes change them.
    if any(part.lower() == ".git" for part in path_parts(candidate)):
        raise InvalidInput(
            "Files inside a .git directory cannot be written through the workspace API; use the git routes.",
            code="invalid_path",
            details={"path": path[:200]},
        )


def _too_large(max_bytes: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"The file is larger than this workspace accepts ({max_bytes} bytes); send a smaller file.",
        details={"maxBytes": max_bytes},
    )
