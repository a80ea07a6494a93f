"""Owner-only state: the embedded mode keeps session keys, tokens and every Secret on disk, and
the host may have other users, so its directories are 0700 and its files 0600."""

from __future__ import annotations

import os
from pathlib import Path

PRIVATE_DIRECTORY_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
# What every process of the embedded stack creates files with: nothing for group or others.
PRIVATE_UMASK = 0o077


def private_directory(path: Path) -> Path:
    """Create `path` (and parents) if missing and make it owner-only, also when it already existed."""
    path.mkdir(mode=PRIVATE_DIRECTORY_MODE, parents=True, exist_ok=True)
    path.chmod(PRIVATE_DIRECTORY_MODE)
    return path


def private_file(path: Path) -> Path:
    """Create `path` empty if missing, never readable by others even for an instant; tighten it if present."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT, PRIVATE_FILE_MODE)
    try:
        os.fchmod(descriptor, PRIVATE_FILE_MODE)
    finally:
        os.close(descriptor)
    return path


def private_write(path: Path, text: str) -> Path:
    """Replace `path` with `text`, owner-only from the first byte."""
    temporary = path.with_name(f".{path.name}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE_MODE)
    with os.fdopen(descriptor, "w") as handle:
        os.fchmod(handle.fileno(), PRIVATE_FILE_MODE)
        handle.write(text)
    temporary.replace(path)
    return path


def tighten_existing(paths: list[Path]) -> None:
    """Owner-only modes for files an older checkout created with the default umask."""
    for path in paths:
        if path.is_file() and not path.is_symlink():
            path.chmod(PRIVATE_FILE_MODE)
