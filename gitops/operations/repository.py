"""Small reads every operation shares: is this a repository, its branch, HEAD, origin, changes."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from gitops.command import GitCredentials, GitSettings, run_git
from gitops.errors import GitBranchNotFound, GitNotRepository

ORIGIN = "origin"
# Bytes read from an untracked file to decide it is binary (git uses the same NUL heuristic).
BINARY_SNIFF_BYTES = 8000


@dataclass
class WorkingTreeChanges:
    """`git status` entries plus line counts against HEAD (untracked files counted whole)."""

    entries: list[tuple[str, str]] = field(default_factory=list)  # (two-letter status, path)
    files_added: int = 0
    files_removed: int = 0
    lines_added: int = 0
    lines_removed: int = 0


def is_repository(directory: Path) -> bool:
    return directory.is_dir() and (directory / ".git").exists()


def require_repository(directory: Path) -> None:
    if not is_repository(directory):
        raise GitNotRepository(details={"path": directory.name})


def current_branch(directory: Path, *, settings: GitSettings) -> str:
    """The checked-out branch ("" when HEAD is detached); works on an unborn branch too."""
    result = run_git(["symbolic-ref", "--quiet", "--short", "HEAD"], cwd=directory, settings=settings, check=False)
    return result.stdout.strip() if result.returncode == 0 else ""


def head_commit(directory: Path, *, settings: GitSettings) -> str:
    result = run_git(["rev-parse", "--verify", "--quiet", "HEAD"], cwd=directory, settings=settings, check=False)
    return result.stdout.strip() if result.returncode == 0 else ""


def origin_url(directory: Path, *, settings: GitSettings) -> str:
    result = run_git(["config", "--get", f"remote.{ORIGIN}.url"], cwd=directory, settings=settings, check=False)
    return result.stdout.strip() if result.returncode == 0 else ""


def require_origin(directory: Path, *, settings: GitSettings) -> str:
    url = origin_url(directory, settings=settings)
    if not url:
        raise GitNotRepository(
            "This repository has no remote; configure one with configure-remote first.",
            code="git_no_remote",
            details={"path": directory.name},
        )
    return url


def local_branch_exists(directory: Path, branch: str, *, settings: GitSettings) -> bool:
    result = run_git(
        ["show-ref", "--verify", "--quiet", f"refs/heads/{branch}"], cwd=directory, settings=settings, check=False
    )
    return result.returncode == 0


def remote_tracking_ref(branch: str) -> str:
    return f"refs/remotes/{ORIGIN}/{branch}"


def fetch_branch(directory: Path, branch: str, *, settings: GitSettings, credentials: GitCredentials | None) -> bool:
    """Fetch one branch of origin into its tracking ref; False when the remote has no such branch."""
    try:
        run_git(
            ["fetch", "--no-tags", "--", ORIGIN, f"+refs/heads/{branch}:{remote_tracking_ref(branch)}"],
            cwd=directory,
            settings=settings,
            credentials=credentials,
            network=True,
        )
    except GitBranchNotFound:
        return False
    return True


def commit_all(directory: Path, message: str, *, settings: GitSettings) -> bool:
    """Stage everything and commit; False when there was nothing to commit."""
    run_git(["add", "--all"], cwd=directory, settings=settings)
    staged = run_git(["diff", "--cached", "--quiet"], cwd=directory, settings=settings, check=False)
    if staged.returncode == 0:
        return False
    # The message goes through stdin, so no value can be read as an option.
    run_git(["commit", "--no-verify", "--file=-"], cwd=directory, settings=settings, input_text=message)
    return True


def working_tree_changes(directory: Path, *, settings: GitSettings) -> WorkingTreeChanges:
    changes = WorkingTreeChanges()
    status = run_git(["status", "--porcelain=v1", "-z", "--untracked-files=all"], cwd=directory, settings=settings)
    fields = status.stdout.split("\0")
    index = 0
    untracked: list[str] = []
    while index < len(fields):
        entry = fields[index]
        index += 1
        if len(entry) < 4:
            continue
        code, path = entry[:2], entry[3:]
        if "R" in code or "C" in code:
            index += 1  # the rename's original path follows
        changes.entries.append((code, path))
        if code == "??":
            untracked.append(path)
            changes.files_added += 1
        elif "A" in code:
            changes.files_added += 1
        elif "D" in code:
            changes.files_removed += 1
    base = head_commit(directory, settings=settings) or empty_tree(directory, settings=settings)
    numstat = run_git(
        ["diff", "--no-ext-diff", "--no-renames", "--numstat", "-z", base], cwd=directory, settings=settings
    )
    for line in numstat.stdout.split("\0"):
        columns = line.split("\t")
        if len(columns) >= 2 and columns[0].isdigit() and columns[1].isdigit():
            changes.lines_added += int(columns[0])
            changes.lines_removed += int(columns[1])
    for path in untracked:
        changes.lines_added += count_lines(directory / path)
    return changes


def empty_tree(directory: Path, *, settings: GitSettings) -> str:
    result = run_git(["hash-object", "-t", "tree", "/dev/null"], cwd=directory, settings=settings)
    return result.stdout.strip()


def count_lines(path: Path) -> int:
    """Lines in a text file as git counts them (0 for binary files and anything unreadable)."""
    try:
        if path.is_symlink() or not path.is_file():
            return 0
        with path.open("rb") as handle:
            head = handle.read(BINARY_SNIFF_BYTES)
            if b"\0" in head:
                return 0
            lines = head.count(b"\n")
            last = head[-1:]
            while chunk := handle.read(1 << 20):
                lines += chunk.count(b"\n")
                last = chunk[-1:]
    except OSError:
        return 0
    return lines + (1 if last and last != b"\n" else 0)


def require_branch_on_remote(exists: bool, branch: str) -> None:
    if not exists:
        raise GitBranchNotFound(f"The git remote has no branch {branch!r}.", details={"branch": branch})
