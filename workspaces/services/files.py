"""Writing workspace files: streamed to a temporary file beside the target, then renamed into place."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ambient.exceptions import InvalidInput, PayloadTooLarge
from workspaces.constants import OVERSIZE_DRAIN_BYTES, OVERSIZE_DRAIN_SECONDS
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
                    break
                handle.write(chunk)
        if written > max_bytes:
            raise _too_large(max_bytes)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        if written > max_bytes:
            _drain(read)
        raise
    return {"message": "written", "path": relative_to_root(target, root=root), "size": written}


def _drain(read: Callable[[int], bytes]) -> None:
    """Read and drop the rest of a body found too large (bounded), like a server's lingering close.

    A proxy in front (the api, the API server's service proxy) is still sending it; answering and
    closing mid-body makes that proxy's write fail (broken pipe) before it reads the 413, so the
    caller would see a 503 instead of the reason.
    """
    deadline = time.monotonic() + OVERSIZE_DRAIN_SECONDS
    dropped = 0
    while dropped < OVERSIZE_DRAIN_BYTES and time.monotonic() < deadline:
        try:
            chunk = read(CHUNK_BYTES)
        except Exception:  # the sender went away or broke the framing: the 413 is still the answer
            return
        if not chunk:
            return
        dropped += len(chunk)


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
