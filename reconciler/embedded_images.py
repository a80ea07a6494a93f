"""The image map for embedded mode (`make run`) and the end-to-end tests: which local command
localkube runs for the runner and content images (format: localkube/runtime/README.md).

The content image serves two containers: the init container (its own `sh -c mkdir …` command
must run as given) and the content sidecar. So the map only supplies the image's environment
and working directory, and the sidecar's command comes from RECONCILER_CONTENT_COMMAND, which in
embedded mode binds the host port localkube allocated (`{port:8080}`) instead of 0.0.0.0:8080.
"""

from __future__ import annotations

import sys
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


def image_map(
    *,
    runner_image: str,
    content_image: str,
    runner_command: list[str] | None = None,
    python: str | None = None,
) -> dict[str, Any]:
    """Runner → `runner_command` (default: this checkout's runner package); content → this checkout."""
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
                "env": environment,
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
