"""Reading the chart, the Dockerfiles and the README the way the packaging tests need.

Templated chart files are read as text, never rendered: only Helm renders them truthfully. The
plain-YAML files (Chart.yaml, values.yaml, CRDs, the RBAC manifests `install_crds` applies) are
parsed.
"""

from __future__ import annotations

import fnmatch
import json
import re
import subprocess
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
CHART = REPO_ROOT / "helm" / "ambient"
TEMPLATES = CHART / "templates"
DOCKERFILE = REPO_ROOT / "docker" / "Dockerfile"
RUNNER_DOCKERFILE = REPO_ROOT / "docker" / "runner.Dockerfile"


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def load_yaml_documents(path: Path) -> list[dict[str, Any]]:
    return [document for document in yaml.safe_load_all(path.read_text()) if document]


def values() -> dict[str, Any]:
    return load_yaml(CHART / "values.yaml")


def template_texts() -> dict[str, str]:
    return {path.name: path.read_text() for path in sorted(TEMPLATES.iterdir()) if path.is_file()}


# The control plane's settings modules (the chart runs `production`, built on `base`); `content`
# is the sidecar's, whose environment the reconciler sets in each Job pod.
CONTROL_PLANE_SETTINGS = ("env", "base", "reconciler", "production")


def settings_environment_names(modules: tuple[str, ...] | None = None) -> set[str]:
    """Every variable the settings modules (all, or the named ones) read through django-environ."""
    pattern = re.compile(r"\benv(?:\.[a-z_]+)?\(\s*\"([A-Z][A-Z0-9_]*)\"")
    names: set[str] = set()
    for path in (REPO_ROOT / "ambient" / "settings").glob("*.py"):
        if modules is None or path.stem in modules:
            names.update(pattern.findall(path.read_text()))
    return names


def env_example_names() -> set[str]:
    return set(re.findall(r"^#?\s?([A-Z][A-Z0-9_]+)=", (REPO_ROOT / ".env.example").read_text(), re.MULTILINE))


def readme_commands() -> dict[str, list[str]]:
    """The README's "Processes" table: process name → argv."""
    text = (REPO_ROOT / "README.md").read_text()
    section = text.split("## Processes", 1)[1].split("\n## ", 1)[0]
    commands: dict[str, list[str]] = {}
    for process, command in re.findall(r"^\| (\w+) \| `([^`]+)` \|", section, re.MULTILINE):
        commands[process] = command.split()
    return commands


def dockerfile_cmd(path: Path) -> list[str]:
    """The exec-form CMD of the final stage."""
    commands = re.findall(r"^CMD (\[.*\])\s*$", path.read_text(), re.MULTILINE)
    return json.loads(commands[-1])


def template_command(name: str, substitutions: dict[str, str]) -> list[str]:
    """A Deployment's `command:` exec list, with its few value references replaced by their defaults."""
    text = (TEMPLATES / name).read_text()
    line = re.search(r"^\s+command: (\[.*\])\s*$", text, re.MULTILINE)
    assert line is not None, f"{name} has no exec-form command"
    command = line.group(1)
    for reference, value in substitutions.items():
        command = command.replace(reference, value)
    return json.loads(command)


def docker_ignored(path: str, patterns: list[str]) -> bool:
    """Docker's .dockerignore rule: the last pattern matching the path or a parent decides."""
    ignored = False
    parts = path.split("/")
    prefixes = ["/".join(parts[: index + 1]) for index in range(len(parts))]
    for raw in patterns:
        negated = raw.startswith("!")
        pattern = raw[1:] if negated else raw
        pattern = pattern.rstrip("/")
        regex = _docker_pattern(pattern)
        if any(regex.fullmatch(prefix) for prefix in prefixes):
            ignored = not negated
    return ignored


def _docker_pattern(pattern: str) -> re.Pattern[str]:
    # `**` spans directories; other wildcards stay inside one path segment (Go filepath.Match).
    pieces = [fnmatch.translate(piece)[4:-3] if piece != "**" else ".*" for piece in pattern.split("/")]
    expression = ""
    for index, piece in enumerate(pieces):
        if piece == ".*":
            expression += "(?:.*/)?" if index < len(pieces) - 1 else ".*"
        else:
            expression += piece.replace(".*", "[^/]*") + ("/" if index < len(pieces) - 1 else "")
    return re.compile(expression)


def dockerignore_patterns() -> list[str]:
    lines = (REPO_ROOT / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def tracked_files() -> list[str]:
    output = subprocess.run(["git", "ls-files"], cwd=REPO_ROOT, capture_output=True, text=True, check=True).stdout
    return output.splitlines()
