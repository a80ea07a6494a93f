"""The out-of-the-box workflow catalogue (action 34): read with git from `OOTB_WORKFLOWS_REPO` at
`OOTB_WORKFLOWS_BRANCH`, one workflow per directory under `OOTB_WORKFLOWS_PATH`, named by its
`.ambient/ambient.json`. Any git host works (a local repository too, so it works offline).

The catalogue is kept `OOTB_WORKFLOWS_CACHE_SECONDS` (~5 min); when a refresh fails the last good
catalogue is served (stale beats nothing), and only with none at all is the failure an error.
"""

from __future__ import annotations

import json
import logging
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from django.conf import settings

from ambient.exceptions import ApplicationError, Unavailable
from gitops.command import GitCredentials, GitSettings, run_git
from gitops.validation import branch_problem, git_url_problem, relative_path_problem

logger = logging.getLogger(__name__)

AMBIENT_JSON = Path(".ambient") / "ambient.json"
CODE_OOTB_UNAVAILABLE = "ootb_workflows_unavailable"
MAX_AMBIENT_JSON_BYTES = 64 * 1024
STALE_RETRY_SECONDS = 30.0

_lock = threading.Lock()
_cached: tuple[float, list[dict[str, Any]]] | None = None


def _git_settings() -> GitSettings:
    return GitSettings(
        allow_file_urls=bool(getattr(settings, "AMBIENT_ALLOW_FILE_GIT_URLS", False)),
        ca_file=str(getattr(settings, "GIT_SSL_CA_FILE", "") or ""),
        network_timeout_seconds=60.0,
    )


def _configuration_problem(repo: str, branch: str, path: str) -> str | None:
    allow_file = bool(getattr(settings, "AMBIENT_ALLOW_FILE_GIT_URLS", False))
    problem = git_url_problem(repo, allow_file=allow_file) or branch_problem(branch)
    if problem is None and path:
        problem = relative_path_problem(path)
    return problem


def _read_config(directory: Path) -> dict[str, Any]:
    config_path = directory / AMBIENT_JSON
    if not config_path.is_file() or config_path.is_symlink() or config_path.stat().st_size > MAX_AMBIENT_JSON_BYTES:
        return {}
    try:
        loaded = json.loads(config_path.read_text())
    except (ValueError, UnicodeDecodeError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


def workflows_discover(*, repo: str, branch: str, path: str) -> list[dict[str, Any]]:
    """Clone the catalogue's tip (shallow) and describe each workflow directory."""
    problem = _configuration_problem(repo, branch, path)
    if problem:
        raise Unavailable(f"OOTB_WORKFLOWS_REPO/_BRANCH/_PATH are not usable: {problem}", code=CODE_OOTB_UNAVAILABLE)
    with tempfile.TemporaryDirectory(prefix="ambient-ootb-") as scratch:
        checkout = Path(scratch) / "catalogue"
        run_git(
            ["clone", "--quiet", "--depth", "1", "--single-branch", "--branch", branch, "--", repo, str(checkout)],
            cwd=Path(scratch),
            settings=_git_settings(),
            credentials=GitCredentials(token=token) if (token := settings.OOTB_WORKFLOWS_GIT_TOKEN) else None,
            network=True,
        )
        root = (checkout / path) if path else checkout
        if not root.is_dir() or root.is_symlink():
            return []
        workflows = []
        for directory in sorted(entry for entry in root.iterdir() if entry.is_dir() and not entry.is_symlink()):
            if directory.name.startswith("."):
                continue
            config = _read_config(directory)
            workflows.append(
                {
                    "id": directory.name,
                    "name": str(config.get("name") or directory.name.replace("-", " ").title()),
                    "description": str(config.get("description") or ""),
                    "gitUrl": repo,
                    "branch": branch,
                    "path": f"{path.strip('/')}/{directory.name}" if path.strip("/") else directory.name,
                    "enabled": bool(config.get("enabled", True)),
                }
            )
        return workflows


def ootb_workflows() -> list[dict[str, Any]]:
    """The catalogue, fresh within the cache time; the last good one when a refresh fails."""
    global _cached
    with _lock:  # one refresh at a time; others wait and take its result
        if _cached is not None and time.monotonic() - _cached[0] < settings.OOTB_WORKFLOWS_CACHE_SECONDS:
            return _cached[1]
        try:
            workflows = workflows_discover(
                repo=settings.OOTB_WORKFLOWS_REPO,
                branch=settings.OOTB_WORKFLOWS_BRANCH,
                path=settings.OOTB_WORKFLOWS_PATH,
            )
        except ApplicationError as error:
            if _cached is not None:
                logger.warning("OOTB workflows refresh failed, serving the last catalogue: %s", error.message)
                # Try again after a short pause rather than on every request while the host is down.
                _cached = (time.monotonic() - settings.OOTB_WORKFLOWS_CACHE_SECONDS + STALE_RETRY_SECONDS, _cached[1])
                return _cached[1]
            raise Unavailable(
                f"The workflow catalogue could not be read: {error.message}", code=CODE_OOTB_UNAVAILABLE
            ) from error
        _cached = (time.monotonic(), workflows)
        return workflows


def forget_ootb_workflows() -> None:
    """Tests: the next call reads the repository again."""
    global _cached
    with _lock:
        _cached = None
