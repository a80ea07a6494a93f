"""`python -m ambient.asgi_server`: daphne's command line with a redacted access log.

Daphne writes each request's path with its query string; WebSocket clients pass their token as
`?token=…`, so the access log masks secrets the way the application's own log records do.
"""

from __future__ import annotations

from typing import Any

from daphne.access import AccessLogGenerator
from daphne.cli import CommandLineInterface
from daphne.server import Server

from ambient.logging import RedactedAccessLog


class RedactingServer(Server):
    def __init__(self, *args: Any, action_logger: Any = None, **kwargs: Any) -> None:
        if isinstance(action_logger, AccessLogGenerator) and not isinstance(action_logger, RedactedAccessLog):
            action_logger = RedactedAccessLog(action_logger.stream)
        super().__init__(*args, action_logger=action_logger, **kwargs)


class RedactingCommandLineInterface(CommandLineInterface):
    server_class = RedactingServer


if __name__ == "__main__":
    RedactingCommandLineInterface.entrypoint()
