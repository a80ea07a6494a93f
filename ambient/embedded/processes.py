"""What `make run` starts, as supervisord programs: Redis, localkube, then the control plane."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.management import get_commands

from ambient.embedded.redis_server import PrivateRedis, redis_command
from ambient.embedded.supervision import Program
from reconciler import embedded_images

DEFAULT_API_HOST = "127.0.0.1"
DEFAULT_API_PORT = 8000
DEFAULT_LOCALKUBE_PORT = 6443
DEFAULT_REDIS_PORT = 6380
LOCALKUBE_HOST = "127.0.0.1"
CONTROL_PLANE_PROGRAMS = ("worker", "beat", "watcher", "api")


@dataclass(frozen=True)
class EmbeddedPorts:
    api_host: str
    api_port: int
    localkube_port: int
    redis_port: int = DEFAULT_REDIS_PORT


def localkube_command(*, state_dir: Path, port: int, tokens_file: Path, image_map: Path | None) -> list[str]:
    command = [
        sys.executable,
        "-m",
        "localkube",
        "serve",
        "--host",
        LOCALKUBE_HOST,
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
        runner_image=settings.RECONCILER_RUNNER_IMAGE,
        content_image=settings.RECONCILER_CONTENT_IMAGE,
        runner_env=embedded_images.agent_environment(os.environ),
    )
    return embedded_images.write_image_map(path, document)


def control_plane_commands(*, ports: EmbeddedPorts, state_dir: Path) -> dict[str, list[str]]:
    """api, worker, beat and (once the reconciler provides it) the watcher."""
    python = sys.executable
    commands = {
        # uvicorn (ambient.asgi_server), as in the image, with query-string secrets masked in its log.
        "api": [
            python,
            "-m",
            "ambient.asgi_server",
            "-b",
            ports.api_host,
            "-p",
            str(ports.api_port),
            "ambient.asgi:application",
        ],
        # Threads: reconciles wait on I/O, and one process keeps the metrics in one registry.
        # No gossip/mingle: they only matter for multi-host fleets and misbehave on broker restarts.
        # Beat is its own process: never `worker -B`.
        "worker": [
            *(python, "-m", "celery", "-A", "ambient", "worker", "--loglevel", "INFO"),
            *("--pool", "threads", "--concurrency", "4", "--without-gossip", "--without-mingle"),
        ],
        "beat": [
            *(python, "-m", "celery", "-A", "ambient", "beat", "--loglevel", "INFO"),
            *("--schedule", str(state_dir / "celerybeat-schedule")),
        ],
    }
    if "watch_sessions" in get_commands():
        commands["watcher"] = [python, "manage.py", "watch_sessions"]
    return commands


def programs(*, ports: EmbeddedPorts, state_dir: Path, localkube: list[str], redis: PrivateRedis) -> list[Program]:
    """Every supervised process; supervisord starts them by priority and stops them in reverse."""
    infrastructure = [
        Program("redis", redis_command(redis), priority=10, autostart=True, start_seconds=1),
        Program("localkube", localkube, priority=20, autostart=True, start_seconds=2),
    ]
    commands = control_plane_commands(ports=ports, state_dir=state_dir)
    control_plane = [
        Program(
            name, commands[name], priority=30 + index, autostart=False, start_seconds=settings.EMBEDDED_START_SECONDS
        )
        for index, name in enumerate(CONTROL_PLANE_PROGRAMS)
        if name in commands
    ]
    return infrastructure + control_plane


def runner_url_settings(*, api_host: str, api_port: int) -> dict[str, str]:
    """Where runners reach this api: its chat WebSocket and REST base (reconciler URL templates)."""
    host = "127.0.0.1" if api_host in {"0.0.0.0", "", "::"} else api_host  # noqa: S104 - a bind-all address is not reachable
    base = f"{host}:{api_port}"
    return {
        "RECONCILER_WEBSOCKET_URL_TEMPLATE": f"ws://{base}/api/projects/{{namespace}}/agentic-sessions/{{session}}/ws",
        "RECONCILER_BACKEND_API_URL_TEMPLATE": f"http://{base}/api",
    }


def child_environment(
    *, kubeconfig: Path, image_map: Path, redis_url: str = "", ports: EmbeddedPorts | None = None
) -> dict[str, str]:
    env = dict(os.environ)
    if ports is not None:
        for name, value in runner_url_settings(api_host=ports.api_host, api_port=ports.api_port).items():
            env.setdefault(name, value)
    env["KUBECONFIG"] = str(kubeconfig)
    env["EMBEDDED_IMAGE_MAP"] = str(image_map)
    if redis_url:
        # Celery's broker, the Channels layer and the reconcile queue: the same Redis as production.
        env["REDIS_URL"] = redis_url
    # The content sidecar binds the host port localkube allocated instead of 0.0.0.0:8080.
    env.setdefault("RECONCILER_CONTENT_COMMAND", embedded_images.content_command_setting())
    env.setdefault("DJANGO_SETTINGS_MODULE", "ambient.settings.local")
    env["PYTHONUNBUFFERED"] = "1"
    return env
