"""What `make run` starts, as commands for honcho's process manager."""

from __future__ import annotations

import os
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

from django.core.management import get_commands


@dataclass(frozen=True)
class EmbeddedPorts:
    api_host: str
    api_port: int
    localkube_port: int


def localkube_command(*, state_dir: Path, port: int, tokens_file: Path, image_map: Path | None) -> list[str]:
    command = [
        sys.executable,
        "-m",
        "localkube",
        "serve",
        "--port",
        str(port),
        "--state-dir",
        str(state_dir),
        "--tokens",
        str(tokens_file),
    ]
    if image_map is not None:
        command += ["--image-map", str(image_map)]
    return command


def control_plane_commands(*, ports: EmbeddedPorts, state_dir: Path) -> dict[str, str]:
    """api, worker, beat and (once the reconciler provides it) the watcher."""
    python = shlex.quote(sys.executable)
    commands = {
        "api": f"{python} -m daphne -b {ports.api_host} -p {ports.api_port} ambient.asgi:application",
        # One worker process per core is plenty for a laptop; beat is separate: never `worker -B`.
        "worker": f"{python} -m celery -A ambient worker --loglevel INFO --concurrency 2",
        "beat": (
            f"{python} -m celery -A ambient beat --loglevel INFO "
            f"--schedule {shlex.quote(str(state_dir / 'celerybeat-schedule'))}"
        ),
    }
    if "watch_sessions" in get_commands():
        commands["watcher"] = f"{python} manage.py watch_sessions"
    return commands


def child_environment(*, kubeconfig: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["KUBECONFIG"] = str(kubeconfig)
    env.setdefault("DJANGO_SETTINGS_MODULE", "ambient.settings.local")
    env["PYTHONUNBUFFERED"] = "1"
    return env
