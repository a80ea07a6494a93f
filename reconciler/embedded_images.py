"""The image map for embedded mode (`make run`) and the end-to-end tests: which local command
localkube runs for the runner and content images (format: localkube/runtime/README.md).

The content image serves two containers: the init container (its own `sh -c mkdir …` command
must run as given) and the content sidecar. So the map only supplies the image's environment
and working directory, and the sidecar's command comes from RECONCILER_CONTENT_COMMAND, which in
embedded mode binds the host port localkube allocated (`{port:8080}`) instead of 0.0.0.0:8080.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
# Settings the embedded processes (worker) need next to EMBEDDED_IMAGE_MAP.
EMBEDDED_CONTENT_COMMAND = (
    "{python}",
    "-m",
    "gunicorn",
    f"--config={REPO_ROOT / 'workspaces' / 'gunicorn.conf.py'}",
    "--bind=127.0.0.1:{port:8080}",
)


# What the runner's agent needs from the environment of `make run` to reach a model: with an API
# key (or a cloud provider's settings) there, embedded sessions run the claude backend; without,
# the offline echo backend. localkube passes only a short list of variables to a pod's processes,
# so these go into the runner image's environment in the map (an owner-only file).
AGENT_VARIABLE_PREFIXES = ("ANTHROPIC_", "CLAUDE_CODE_", "CLOUD_ML_", "VERTEX_")
AGENT_VARIABLES = ("AGENT_BACKEND", "GOOGLE_APPLICATION_CREDENTIALS")


def agent_environment(environ: Mapping[str, str]) -> dict[str, str]:
    return {
        name: value
        for name, value in environ.items()
        if value and (name.startswith(AGENT_VARIABLE_PREFIXES) or name in AGENT_VARIABLES)
    }


def image_map(
    *,
    runner_image: str,
    content_image: str,
    runner_command: list[str] | None = None,
    python: str | None = None,
    runner_env: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Runner → `runner_command` (default: this checkout's runner package); content → this checkout.

    `runner_env` is added to the runner image's environment (see `agent_environment`)."""
    python = python or sys.executable
    environment = {
        "PATH": f"{Path(python).parent}:/usr/local/bin:/usr/bin:/bin",
        "PYTHONPATH": str(REPO_ROOT),
        "PYTHONUNBUFFERED": "1",
    }
    return {
        "images": {
            runner_image: {
                "command": runner_command or ["{python}", "-m", "runner"],
                "env": {**environment, **(runner_env or {})},
                "workingDir": str(REPO_ROOT),
            },
            # Embedded mode clones local repositories (file://) so demos work offline.
            content_image: {
                "env": {**environment, "AMBIENT_ALLOW_FILE_GIT_URLS": "true"},
                "workingDir": str(REPO_ROOT),
            },
        }
    }


def write_image_map(path: Path, document: dict[str, Any]) -> Path:
    # Write-then-rename: localkube re-reads the file on change and must never see half of it.
    temporary = path.with_suffix(path.suffix + ".tmp")
    temporary.write_text(yaml.safe_dump(document, sort_keys=False))
    temporary.replace(path)
    return path


def content_command_setting() -> str:
    """The RECONCILER_CONTENT_COMMAND value (comma-separated) for embedded mode."""
    return ",".join(EMBEDDED_CONTENT_COMMAND)
