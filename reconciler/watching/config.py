"""The watcher's knobs as plain values; the management command builds them from Django settings."""

from __future__ import annotations

import os
import secrets
import socket
from dataclasses import dataclass, field

from ambient.contract import DEFAULT_CONTROL_PLANE_NAMESPACE


def default_identity() -> str:
    """Unique per process, readable in ``kubectl get lease``: host, pid and a random suffix."""
    return f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"


@dataclass(frozen=True)
class WatcherConfig:
    # Empty: one watch per resource across all namespaces.
    namespaces: tuple[str, ...] = ()

    lease_namespace: str = DEFAULT_CONTROL_PLANE_NAMESPACE
    lease_name: str = "ambient-session-watcher"
    identity: str = field(default_factory=default_identity)
    lease_duration_seconds: int = 15
    lease_renew_interval: float = 5.0

    connect_timeout: float = 10.0
    # Socket read timeout: longer than the server's bookmark interval, so only a dead stream trips it.
    read_timeout: float = 90.0
    # The server ends each watch after a random 300–600 s, spreading reconnects of many watchers.
    watch_timeout_min: int = 300
    watch_timeout_max: int = 600
    list_page_size: int = 500

    backoff_initial: float = 0.8
    backoff_max: float = 30.0
    backoff_reset_after: float = 120.0

    @property
    def lease_renew_deadline(self) -> float:
        """A leader that could not renew for this long stops watching, before the lease can expire."""
        return self.lease_duration_seconds * 2 / 3
