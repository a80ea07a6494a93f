"""What `make run` starts, as commands for honcho's process manager."""

from __future__ import annotations

import os
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.management import get_commands

from reconciler import embedded_images


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


def image_map_write(*, path: Path) -> Path:
    """Which local command localkube runs for the runner and content images of this checkout."""
    path.parent.mkdir(parents=True, exist_ok=True)
    document = embedded_images.image_map(
        runner_image=settings.RECONCILER_RUNNER_IMAGE, content_image=settings.RECONCILER_CONTENT_IMAGE
    )
    return embedded_images.write_image_map(path, document)


def control_plane_commands(*, ports: EmbeddedPorts, state_dir: Path) -> dict[str, str]:
    """api, worker, beat and (once the reconciler provides it) the watcher."""
    python = shlex.quote(sys.executable)
    commands = {
        "api": f"{python} -m daphne -b {ports.api_host} -p {ports.api_port} ambient.asgi:application",
        # Threads: reconciles wait on I/O, and one process keeps the metrics in one registry.
        # No gossip/mingle: they only matter for multi-host fleets and misbehave on broker restarts.
        # Beat is its own process: never `worker -B`.
        "worker": (
            f"{python} -m celery -A ambient worker --loglevel INFO --pool threads --concurrency 4 "
            "--without-gossip --without-mingle"
        ),
        "beat": (
            f"{python} -m celery -A ambient beat --loglevel INFO "
            f"--schedule {shlex.quote(str(state_dir / 'celerybeat-schedule'))}"
        ),
    }
    if "watch_sessions" in get_commands():
        commands["watcher"] = f"{python} manage.py watch_sessions"
    return commands


def child_environment(*, kubeconfig: Path, image_map: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["KUBECONFIG"] = str(kubeconfig)
    env["EMBEDDED_IMAGE_MAP"] = str(image_map)
    # The content sidecar binds the host port localkube allocated instead of 0.0.0.0:8080.
    env.setdefault("RECONCILER_CONTENT_COMMAND", embedded_images.content_command_setting())
    env.setdefault("DJANGO_SETTINGS_MODULE", "ambient.settings.local")
    env["PYTHONUNBUFFERED"] = "1"
    return env
