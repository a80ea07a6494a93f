"""The active workflow's metadata: Claude commands and agents (YAML front-matter) and its config."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from workspaces.constants import (
    ACTIVE_WORKFLOW_FILE,
    DEFAULT_ARTIFACTS_DIRECTORY,
    MAX_METADATA_FILE_BYTES,
    WORKFLOW_AGENTS_DIRECTORY,
    WORKFLOW_COMMANDS_DIRECTORY,
    WORKFLOW_CONFIG_FILE,
    WORKFLOWS_DIRECTORY,
)
from workspaces.paths import is_inside, resolve


def workflow_metadata(*, root: Path) -> dict[str, Any]:
    """`{commands, agents, config, workflow}`; empty lists when no workflow is active."""
    directory, record = _active_workflow(root)
    if directory is None:
        return {"commands": [], "agents": [], "config": {"artifactsDir": DEFAULT_ARTIFACTS_DIRECTORY}, "workflow": None}
    commands = [
        {
            "id": stem,
            "name": _text(front.get("displayName") or front.get("name")) or stem,
            "description": _text(front.get("description")),
            "slashCommand": "/" + stem.rsplit(".", 1)[-1],
            "icon": _text(front.get("icon")) or None,
        }
        for stem, front in _documents(directory, WORKFLOW_COMMANDS_DIRECTORY)
    ]
    agents = [
        {
            "id": stem,
            "name": _text(front.get("name") or front.get("displayName")) or stem,
            "description": _text(front.get("description")),
            "tools": _tools(front.get("tools")),
        }
        for stem, front in _documents(directory, WORKFLOW_AGENTS_DIRECTORY)
    ]
    return {"commands": commands, "agents": agents, "config": _config(directory), "workflow": record}


def _active_workflow(root: Path) -> tuple[Path | None, dict[str, Any] | None]:
    """The directory named by the activation record, else the first workflow with a `.claude/`."""
    record = _read_json(resolve(ACTIVE_WORKFLOW_FILE, root=root))
    workflows = resolve(WORKFLOWS_DIRECTORY, root=root)
    if isinstance(record, dict) and isinstance(record.get("name"), str):
        candidate = (workflows / record["name"]).resolve()
        if is_inside(candidate, workflows) and candidate.is_dir():
            return candidate, record
    if workflows.is_dir():
        for entry in sorted(workflows.iterdir(), key=lambda entry: entry.name):
            if (
                not entry.name.startswith(".")
                and (entry / ".claude").is_dir()
                and is_inside(entry.resolve(), workflows)
            ):
                return entry.resolve(), None
    return None, None


def _documents(directory: Path, relative: str) -> list[tuple[str, dict[str, Any]]]:
    folder = (directory / relative).resolve()
    if not is_inside(folder, directory) or not folder.is_dir():
        return []
    documents = []
    for path in sorted(folder.glob("*.md")):
        if path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_METADATA_FILE_BYTES:
            continue
        documents.append((path.stem, front_matter(path.read_text(errors="replace"))))
    return documents


def front_matter(text: str) -> dict[str, Any]:
    """The YAML between a leading `---` line and the next one ({} when absent or not a mapping)."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        return {}
    for index, line in enumerate(lines[1:], start=1):
        if line.strip() == "---":
            try:
                parsed = yaml.safe_load("\n".join(lines[1:index]))
            except yaml.YAMLError:
                return {}
            return parsed if isinstance(parsed, dict) else {}
    return {}


def _config(directory: Path) -> dict[str, Any]:
    path = (directory / WORKFLOW_CONFIG_FILE).resolve()
    config = _read_json(path) if is_inside(path, directory) else None
    if not isinstance(config, dict):
        config = {}
    return {
        "name": _text(config.get("name")),
        "description": _text(config.get("description")),
        "systemPrompt": _text(config.get("systemPrompt")),
        "artifactsDir": _text(config.get("artifactsDir")) or DEFAULT_ARTIFACTS_DIRECTORY,
    }


def _read_json(path: Path) -> Any:
    try:
        if not path.is_file() or path.stat().st_size > MAX_METADATA_FILE_BYTES:
            return None
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ("" if value is None else str(value))


def _tools(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(_text(item) for item in value)
    return _text(value)
