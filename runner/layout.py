"""Where the agent works: the workspace's repos, the active workflow and its `.ambient/ambient.json`.

The layout is read from the workspace itself, not only from the environment, because repos and
workflows change while the pod runs (the content service clones them, then raises the SDK
restart flag) and a pod's environment never changes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from runner.config import RunnerConfig

REPOS_DIR = "repos"
WORKFLOWS_DIR = "workflows"
ARTIFACTS_DIR = "artifacts"
CONTROL_DIR = ".ambient"
# Written by the content service when it activates a workflow: JSON whose `name` is the directory
# under workflows/.
ACTIVE_WORKFLOW_FILE = "active-workflow.json"
WORKFLOW_CONFIG = ".ambient/ambient.json"


class OutsideWorkspace(ValueError):
    """A path an agent command named resolves outside the workspace."""


def repo_name(url: str) -> str:
    """The directory a clone of `url` gets: its last path segment without `.git`."""
    tail = url.rstrip("/").replace(":", "/").rsplit("/", 1)[-1]
    return tail.removesuffix(".git")


def _directories(parent: Path) -> list[Path]:
    if not parent.is_dir():
        return []
    return sorted(child for child in parent.iterdir() if child.is_dir() and not child.name.startswith("."))


def confined(root: Path, relative: str) -> Path:
    """`relative` under `root`, refusing absolute paths, `..` and symlinks that lead out."""
    if not relative or Path(relative).is_absolute():
        raise OutsideWorkspace(f"{relative!r}: give a path relative to the workspace")
    base = root.resolve()
    target = (base / relative).resolve()
    if target != base and base not in target.parents:
        raise OutsideWorkspace(f"{relative!r} leads outside the workspace")
    return target


@dataclass(frozen=True)
class Layout:
    """One snapshot of the workspace: the agent is (re)built from it."""

    workspace: Path
    cwd: Path
    add_dirs: list[Path] = field(default_factory=list)
    workflow: Path | None = None
    workflow_config: dict[str, Any] = field(default_factory=dict)

    @property
    def artifacts(self) -> Path:
        return self.workspace / ARTIFACTS_DIR

    @property
    def control(self) -> Path:
        return self.workspace / CONTROL_DIR

    @property
    def system_prompt(self) -> str:
        return str(self.workflow_config.get("systemPrompt") or "")

    @property
    def startup_prompt(self) -> str:
        return str(self.workflow_config.get("startupPrompt") or "")


def _active_workflow(config: RunnerConfig, workspace: Path) -> Path | None:
    workflows = workspace / WORKFLOWS_DIR
    record = _read_json(workspace / CONTROL_DIR / ACTIVE_WORKFLOW_FILE)
    name = record.get("name")
    if isinstance(name, str) and name and "/" not in name and (workflows / name).is_dir():
        return workflows / name
    if config.workflow_git_url:
        named = workflows / repo_name(config.workflow_git_url)
        if named.is_dir():
            return named
    # As the content service's metadata route decides: the first workflow with Claude commands.
    present = _directories(workflows)
    with_commands = [directory for directory in present if (directory / ".claude").is_dir()]
    if with_commands:
        return with_commands[0]
    return present[0] if len(present) == 1 else None


def _main_repo(config: RunnerConfig, repos: list[Path]) -> Path | None:
    if not repos:
        return None
    wanted = config.repos[config.main_repo_index] if 0 <= config.main_repo_index < len(config.repos) else {}
    url = str(wanted.get("url") or (wanted.get("input") or {}).get("url") or "")
    name = str(wanted.get("name") or (repo_name(url) if url else ""))
    for repo in repos:
        if repo.name == name:
            return repo
    return repos[0]


def _read_json(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return document if isinstance(document, dict) else {}


def _workflow_config(workflow: Path | None) -> dict[str, Any]:
    return _read_json(workflow / WORKFLOW_CONFIG) if workflow is not None else {}


def layout_read(config: RunnerConfig) -> Layout:
    """cwd: the active workflow, else the main repo, else artifacts/; every other directory is added."""
    workspace = config.workspace
    repos = _directories(workspace / REPOS_DIR)
    workflow = _active_workflow(config, workspace)
    main = _main_repo(config, repos)
    artifacts = workspace / ARTIFACTS_DIR
    artifacts.mkdir(parents=True, exist_ok=True)
    cwd = workflow or main or artifacts
    add_dirs = [repo for repo in repos if repo != cwd]
    if cwd != artifacts:
        add_dirs.append(artifacts)
    return Layout(
        workspace=workspace,
        cwd=cwd,
        add_dirs=add_dirs,
        workflow=workflow,
        workflow_config=_workflow_config(workflow),
    )
