"""A busy port stops `make run` before anything starts, with one line saying how to pick another."""

from __future__ import annotations

import errno
import socket
from dataclasses import dataclass


@dataclass(frozen=True)
class WantedPort:
    role: str  # what listens there, e.g. "API"
    host: str
    port: int
    option: str  # the run_embedded option that moves it, e.g. "--port"
    make_variable: str  # the `make run` variable that moves it, e.g. "PORT"


class PortBusy(Exception):
    pass


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as probe:
        # SO_REUSEADDR: a socket lingering in TIME_WAIT does not stop a server from binding either.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            raise
    return True


def ensure_ports_free(wanted: list[WantedPort]) -> None:
    """Raise PortBusy naming the first busy port and how to move it."""
    for item in wanted:
        if not port_is_free(item.host, item.port):
            raise PortBusy(
                f"port {item.port} on {item.host} ({item.role}) is already in use; choose another with "
                f"`make run {item.make_variable}=<port>` or `manage.py run_embedded {item.option} <port>`"
            )
