"""One git operation at a time per directory, across the server's threads and worker processes."""

from __future__ import annotations

import fcntl
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from workspaces.constants import LOCK_DIRECTORY
from workspaces.paths import resolve


@contextmanager
def directory_lock(directory: Path, *, root: Path) -> Iterator[None]:
    locks = resolve(LOCK_DIRECTORY, root=root)  # .ambient may be a symlink the agent placed
    locks.mkdir(parents=True, exist_ok=True)
    name = hashlib.sha256(str(directory).encode()).hexdigest()[:32]
    with (locks / f"{name}.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
