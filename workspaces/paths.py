"""Workspace-relative paths → real paths that are guaranteed to stay inside the workspace.

Refused with 400: absolute paths, `..`, NUL and control characters, backslashes, still-encoded
separators or dots (`%2e`, `%2f`, `%5c`, `%00`: paths are decoded exactly once), over-long paths
or parts, and anything whose real path (symlinks resolved) leaves the workspace root.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from ambient.exceptions import InvalidInput
from workspaces.constants import MAX_PATH_LENGTH, MAX_PATH_PART_BYTES

_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
_ENCODED_SEPARATORS = re.compile(r"%(2e|2f|5c|00)", re.IGNORECASE)


def path_problem(relative: str) -> str | None:
    """What is wrong with a workspace-relative path, or None ("" is the workspace root)."""
    if len(relative) > MAX_PATH_LENGTH:
        return f"A path may be at most {MAX_PATH_LENGTH} characters."
    if _CONTROL_CHARACTERS.search(relative):
        return "A path may not contain NUL or control characters."
    if "\\" in relative:
        return "Use '/' to separate path parts (backslashes are refused)."
    if _ENCODED_SEPARATORS.search(relative):
        return "Send the path decoded once ('%2e', '%2f', '%5c' and '%00' are refused)."
    if relative.startswith("/") or relative.startswith("~"):
        return "Use a path relative to the workspace (no leading '/' or '~')."
    parts = path_parts(relative)
    if ".." in parts:
        return "A path may not contain '..'."
    if any(len(part.encode()) > MAX_PATH_PART_BYTES for part in parts):
        return f"A path part may be at most {MAX_PATH_PART_BYTES} bytes."
    return None


def path_parts(relative: str) -> list[str]:
    return [part for part in relative.split("/") if part not in {"", "."}]


def is_inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def resolve(relative: str, *, root: Path, follow_final: bool = True) -> Path:
    """The real path for `relative` under `root`, refusing anything that would leave it.

    With `follow_final=False` the last part is not resolved (to remove or replace a symlink
    itself), but every directory above it still is.
    """
    problem = path_problem(relative)
    if problem:
        raise InvalidInput(problem, code="invalid_path", details={"path": relative[:200]})
    real_root = Path(os.path.realpath(root))
    parts = path_parts(relative)
    candidate = real_root.joinpath(*parts)
    if not parts:
        return real_root
    if follow_final:
        real = Path(os.path.realpath(candidate))
    else:
        real = Path(os.path.realpath(candidate.parent)) / candidate.name
    if not is_inside(real, real_root):
        raise InvalidInput(
            "The path leads outside the workspace (through a symlink); use a path inside it.",
            code="path_outside_workspace",
            details={"path": relative[:200]},
        )
    return real


def relative_to_root(path: Path, *, root: Path) -> str:
    return path.relative_to(Path(os.path.realpath(root))).as_posix()
