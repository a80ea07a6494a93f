"""`python -m ambient.asgi_server`: the API (HTTP + WebSocket) under uvicorn, as in production.

One command for `make run` and the container image: workers sized by `API_WORKERS`, in-flight
requests allowed `API_GRACEFUL_SHUTDOWN_SECONDS` to finish after SIGTERM, and uvicorn's own loggers
(the access log included) sent through the application's handlers, whose filter masks `?token=…`
and bearer tokens before anything is written.
"""

from __future__ import annotations

import argparse
import copy
import logging
import os
from typing import Any

import uvicorn

DEFAULT_APPLICATION = "ambient.asgi:application"
HTTP_PROTOCOL = "ambient.asgi_transport:CoalescingHttpToolsProtocol"


def lean_log_records() -> None:
    """Log records without the caller's frame, thread and process: the api writes one access line per
    request, and its formatters use none of these (Python's logging docs list these switches for this).
    They were about a fifth of the cost of each access line."""
    logging._srcfile = None  # the documented way to skip findCaller
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False


def uvicorn_logging(base: dict[str, Any]) -> dict[str, Any]:
    """The application's logging config, with uvicorn's loggers propagating to its handlers."""
    config = copy.deepcopy(base)
    loggers = config.setdefault("loggers", {})
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        loggers[name] = {"level": "INFO", "handlers": [], "propagate": True}
    return config


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m ambient.asgi_server", description=__doc__.splitlines()[0])
    parser.add_argument("application", nargs="?", default=DEFAULT_APPLICATION, help="ASGI application path.")
    parser.add_argument("-b", "--host", default="127.0.0.1", help="Address to listen on (0.0.0.0 in a pod).")
    parser.add_argument("-p", "--port", type=int, default=8000, help="TCP port to listen on.")
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="Worker processes (default: the API_WORKERS setting; one process needs no supervisor).",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    arguments = parse_arguments(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ambient.settings.local")
    from django.conf import settings

    workers = arguments.workers if arguments.workers is not None else settings.API_WORKERS
    uvicorn.run(
        arguments.application,
        host=arguments.host,
        port=arguments.port,
        workers=max(workers, 1),
        # Django's ASGI handler has no lifespan events; saying so keeps uvicorn from probing.
        lifespan="off",
        # httptools, with a response's header and body writes sent in one system call (ambient/asgi_transport.py).
        http=HTTP_PROTOCOL,
        ws="websockets",
        # Chat frames are small JSON: compressing each one cost about a quarter of the api's CPU per
        # message in bench/chat_bench.py (5.7 → 4.4 ms) and saved little.
        ws_per_message_deflate=False,
        log_config=uvicorn_logging(settings.LOGGING),
        timeout_graceful_shutdown=settings.API_GRACEFUL_SHUTDOWN_SECONDS,
        # The ingress or a proxy in front terminates TLS; only trust its forwarding headers.
        proxy_headers=True,
        forwarded_allow_ips=settings.API_FORWARDED_ALLOW_IPS,
        server_header=False,
    )


if __name__ in ("__main__", "__mp_main__"):
    # Here, not in main(): uvicorn's worker processes are spawned and import this module as __mp_main__.
    lean_log_records()
if __name__ == "__main__":
    main()
