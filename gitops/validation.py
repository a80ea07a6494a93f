"""What makes a git URL, branch, repository name or sub-path acceptable (pure, Django-free).

Each `*_problem` function returns a message saying what to fix, or None when the value is fine,
so the session API's serializers and the content service share one set of rules and phrasings.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

MAX_URL_LENGTH = 2048
MAX_BRANCH_LENGTH = 255
MAX_SUB_PATH_LENGTH = 1024

# Characters git refuses in a ref name (git check-ref-format), plus whitespace and control characters.
_BAD_REF_CHARACTERS = re.compile(r"[\x00-\x20\x7f~^:?*\[\\]")
_REPO_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,99}$")
_SCP_LIKE = re.compile(r"^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^:/][^:]*$")
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
# Plain http:// and git:// are refused: they carry code (and any credentials) unencrypted.
NETWORK_SCHEMES = frozenset({"https", "ssh"})


def git_url_problem(value: str, *, allow_file: bool = False) -> str | None:
    """https/ssh URLs and scp-like `git@host:path`; `file://` only when `allow_file`.

    Refused: option-like values (`--upload-pack=…`), transport helpers (`ext::…`), whitespace and
    control characters, and credentials inside the URL (they would end up in `.git/config`).
    """
    if not value:
        return "A git URL is required."
    if len(value) > MAX_URL_LENGTH:
        return f"A git URL may be at most {MAX_URL_LENGTH} characters."
    if value.startswith("-") or any(char.isspace() for char in value) or _CONTROL_CHARACTERS.search(value):
        return "Not a git URL (option-like values, whitespace and control characters are refused)."
    if "::" in value:
        return "Not a git URL (transport helpers such as ext:: are refused)."
    if _SCP_LIKE.match(value):
        user_and_host = value.split(":", 1)[0]
        if any(part.startswith("-") for part in user_and_host.split("@")):
            return "A git host or user may not start with '-' (it would read as an option)."
        return None
    parts = urlsplit(value)
    if (parts.hostname or "").startswith("-") or (parts.username or "").startswith("-"):
        return "A git host or user may not start with '-' (it would read as an option)."
    if parts.scheme == "file":
        if allow_file and parts.path and not parts.netloc:
            return None
        return "file:// URLs are not allowed on this server."
    if parts.scheme not in NETWORK_SCHEMES or not parts.hostname:
        # Name file:// too where it is accepted (embedded mode), so a local user learns the offline option.
        return f"Use an https://, ssh://{', file:///path' if allow_file else ''} or git@host:path URL."
    if parts.scheme == "https" and (parts.username or parts.password):
        return "Do not put credentials in the URL; send the token in the X-Git-Token header instead."
    if parts.password:
        return "Do not put a password in the URL."
    return None


def branch_problem(value: str) -> str | None:
    """A ref name git accepts (git check-ref-format), never one that reads as an option."""
    if not value:
        return "A branch name is required."
    if len(value) > MAX_BRANCH_LENGTH:
        return f"A branch name may be at most {MAX_BRANCH_LENGTH} characters."
    if value.startswith("-"):
        return "A branch may not start with '-' (it would read as a git option)."
    if (
        _BAD_REF_CHARACTERS.search(value)
        or ".." in value
        or "@{" in value
        or value == "@"
        or value.startswith("/")
        or value.endswith(("/", ".", ".lock"))
        or "//" in value
        or any(part.startswith(".") for part in value.split("/"))
    ):
        return "Not a git branch name (see git check-ref-format)."
    return None


def repo_name_problem(value: str) -> str | None:
    """A directory name under `repos/` or `workflows/`."""
    if value in {".", ".."} or not _REPO_NAME.match(value):
        return "Use 1-100 letters, digits, '.', '_' or '-', not starting with '.' or '-' (a directory name)."
    return None


def relative_path_problem(value: str) -> str | None:
    """A sub-path inside a repository: relative, no '..', no part that reads as an option."""
    if len(value) > MAX_SUB_PATH_LENGTH:
        return f"A path may be at most {MAX_SUB_PATH_LENGTH} characters."
    if _CONTROL_CHARACTERS.search(value):
        return "A path may not contain control characters."
    parts = [part for part in value.split("/") if part not in {"", "."}]
    if value.startswith("/") or ".." in parts:
        return "A path inside the repository (relative, no '..')."
    if any(part.startswith("-") for part in parts):
        return "A path part may not start with '-' (it would read as an option)."
    return None


def derive_repo_name(url: str) -> str:
    """The directory a URL clones into: its last path segment without `.git` (as `git clone` does)."""
    path = url.split(":", 1)[1] if _SCP_LIKE.match(url) else urlsplit(url).path
    name = path.rstrip("/").rsplit("/", 1)[-1]
    return name.removesuffix(".git")
