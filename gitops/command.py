"""Running `git`: argument lists (never a shell), a bounded time, a minimal environment.

Credentials reach git only through GIT_ASKPASS, as environment variables of that one child
process; they are never written to `.git/config`, never on a command line and never logged (any
echo of the token in git's output is masked before it leaves this module).
"""

from __future__ import annotations

import logging
import os
import signal
import stat
import subprocess
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from gitops.errors import (
    GitAuthenticationFailed,
    GitBranchNotFound,
    GitFailed,
    GitPushRejected,
    GitRemoteUnavailable,
    GitRepositoryNotFound,
    GitTimeout,
)

logger = logging.getLogger(__name__)

MASK = "***"
DEFAULT_USERNAME = "x-access-token"  # what GitHub expects with an installation token or PAT
MAX_ERROR_OUTPUT = 2000
# Settings every git call runs with. Command-line config outranks the repository's own, so a
# workspace file written by the agent or a user (hooks, fsmonitor, credential helpers) cannot make
# this service run a program.
HARDENING_CONFIG: tuple[str, ...] = (
    "core.hooksPath=/dev/null",
    "core.fsmonitor=false",
    "credential.helper=",
    "protocol.ext.allow=never",
    "submodule.recurse=false",
    "safe.directory=*",
    "advice.detachedHead=false",
    "init.defaultBranch=main",
)
_ENVIRONMENT_PASSED_THROUGH = ("PATH", "HOME", "TMPDIR", "LANG")
_ASKPASS_SCRIPT = """#!/bin/sh
case "$1" in
  Username*|username*) printf '%s\\n' "$AMBIENT_GIT_USERNAME" ;;
  *) printf '%s\\n' "$AMBIENT_GIT_PASSWORD" ;;
esac
"""
_askpass_lock = threading.Lock()
_askpass_path: Path | None = None


@dataclass(frozen=True)
class GitCredentials:
    token: str = field(repr=False)
    username: str = DEFAULT_USERNAME


@dataclass(frozen=True)
class GitSettings:
    """Everything the git layer needs from configuration (built from Django settings by callers)."""

    user_name: str = "Ambient Code Bot"
    user_email: str = "bot@ambient-code.local"
    local_timeout_seconds: float = 30.0
    # Under the api's own per-operation timeouts (CONTENT_SERVICE_GIT/_CLONE_TIMEOUT_SECONDS, 120/300 s),
    # so the caller hears git's 504 rather than its own timeout.
    network_timeout_seconds: float = 110.0
    clone_timeout_seconds: float = 290.0
    allow_file_urls: bool = False
    ca_file: str = ""


@dataclass(frozen=True)
class GitResult:
    returncode: int
    stdout: str
    stderr: str


def askpass_program() -> Path:
    """A tiny script that answers git's prompts from its environment, written once per process."""
    global _askpass_path
    with _askpass_lock:
        if _askpass_path is None or not _askpass_path.exists():
            directory = Path(tempfile.mkdtemp(prefix="ambient-askpass-"))
            path = directory / "askpass.sh"
            path.write_text(_ASKPASS_SCRIPT)
            path.chmod(stat.S_IRWXU)
            _askpass_path = path
        return _askpass_path


def git_environment(settings: GitSettings, credentials: GitCredentials | None) -> dict[str, str]:
    environment = {name: os.environ[name] for name in _ENVIRONMENT_PASSED_THROUGH if name in os.environ}
    protocols = "https:ssh:file" if settings.allow_file_urls else "https:ssh"
    environment.update(
        {
            "LC_ALL": "C",  # stable messages: failures are classified by their text
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_ALLOW_PROTOCOL": protocols,
            "GIT_SSH_COMMAND": "ssh -o BatchMode=yes -o StrictHostKeyChecking=accept-new",
            "GIT_AUTHOR_NAME": settings.user_name,
            "GIT_AUTHOR_EMAIL": settings.user_email,
            "GIT_COMMITTER_NAME": settings.user_name,
            "GIT_COMMITTER_EMAIL": settings.user_email,
        }
    )
    if settings.ca_file:
        environment["GIT_SSL_CAINFO"] = settings.ca_file
    if credentials is not None:
        environment["GIT_ASKPASS"] = str(askpass_program())
        environment["AMBIENT_GIT_USERNAME"] = credentials.username
        environment["AMBIENT_GIT_PASSWORD"] = credentials.token
    return environment


def mask(text: str, credentials: GitCredentials | None) -> str:
    if credentials is not None and credentials.token:
        text = text.replace(credentials.token, MASK)
    return text


def run_git(
    arguments: Sequence[str],
    *,
    cwd: Path,
    settings: GitSettings,
    credentials: GitCredentials | None = None,
    network: bool = False,
    timeout: float | None = None,
    check: bool = True,
    input_text: str | None = None,
    index_file: Path | None = None,
) -> GitResult:
    """Run `git <arguments>` in `cwd`; raise a classified `ApplicationError` when it fails and `check`.

    `index_file` stands in for the repository's index (GIT_INDEX_FILE), so a read can stage the
    working copy without touching what the user staged."""
    command = ["git"]
    for entry in HARDENING_CONFIG:
        command += ["-c", entry]
    command += list(arguments)
    if timeout is None:
        timeout = settings.network_timeout_seconds if network else settings.local_timeout_seconds
    environment = git_environment(settings, credentials)
    if index_file is not None:
        environment["GIT_INDEX_FILE"] = str(index_file)
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env=environment,
        stdin=subprocess.PIPE if input_text is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
        start_new_session=True,  # so a timeout ends git's helpers (git-remote-https, ssh) too
    )
    try:
        stdout, stderr = process.communicate(input_text, timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        logger.warning("git %s timed out after %ss in %s", arguments[0], timeout, cwd.name)
        raise GitTimeout(
            f"git {arguments[0]} did not finish within {timeout:g} s; retry, or check the remote is reachable.",
            details={"operation": arguments[0]},
        ) from None
    result = GitResult(process.returncode, mask(stdout, credentials), mask(stderr, credentials))
    if check and result.returncode != 0:
        raise classify_failure(arguments[0], result)
    return result


def classify_failure(operation: str, result: GitResult) -> GitFailed | GitTimeout | Exception:
    """Turn git's (C-locale) error text into the error a caller can act on."""
    text = result.stderr.strip() or result.stdout.strip()
    excerpt = text[-MAX_ERROR_OUTPUT:]
    lowered = text.lower()
    details = {"operation": operation, "output": excerpt}
    summary = excerpt.splitlines()[-1] if excerpt else f"exit status {result.returncode}"
    if any(
        marker in lowered
        for marker in (
            "authentication failed",
            "could not read username",
            "could not read password",
            "access denied",
            "permission denied",
            "the requested url returned error: 401",
            "the requested url returned error: 403",
        )
    ):
        return GitAuthenticationFailed(details=details)
    if "[rejected]" in lowered or "non-fast-forward" in lowered or "fetch first" in lowered:
        return GitPushRejected(details=details)
    if "couldn't find remote ref" in lowered or ("remote branch" in lowered and "not found" in lowered):
        return GitBranchNotFound(f"The git remote has no such branch: {summary}", details=details)
    if (
        "repository not found" in lowered
        or "does not appear to be a git repository" in lowered
        or "the requested url returned error: 404" in lowered
        or ("repository '" in lowered and "' not found" in lowered)
    ):
        return GitRepositoryNotFound(details=details)
    if any(
        marker in lowered
        for marker in ("could not resolve host", "failed to connect", "connection refused", "unable to access")
    ):
        return GitRemoteUnavailable(f"The git remote could not be reached: {summary}", details=details)
    return GitFailed(f"git {operation} failed: {summary}", details=details)
