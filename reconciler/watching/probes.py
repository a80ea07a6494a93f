"""One HTTP port for the watcher: ``/metrics`` (Prometheus) and ``/healthz`` (liveness).

Liveness is HTTP, not a file: ``/healthz`` answers 503 once the watcher has not heard from the API
server (or, standby, checked its Lease) for ``max_age`` seconds, so a wedged stream gets the pod
restarted. The age is also exported as ``ambient_watcher_last_event_age_seconds``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import make_wsgi_app
from prometheus_client.exposition import ThreadingWSGIServer

from reconciler.watching.liveness import Liveness

StartResponse = Callable[..., Any]


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - signature of the base class
        pass  # probes every few seconds would drown the log


def probe_app(liveness: Liveness, max_age: float) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    metrics_app = make_wsgi_app()

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz":
            age = liveness.age()
            ok = age <= max_age
            body = f"{'ok' if ok else 'stale'}: last contact {age:.0f}s ago (limit {max_age:.0f}s)\n".encode()
            start_response("200 OK" if ok else "503 Service Unavailable", [("Content-Type", "text/plain")])
            return [body]
        return metrics_app(environ, start_response)

    return app


def serve_probes(port: int, liveness: Liveness, max_age: float, address: str = "0.0.0.0") -> WSGIServer:  # noqa: S104
    """Start serving in a daemon thread; ``shutdown()`` the returned server to stop."""
    server = make_server(address, port, probe_app(liveness, max_age), ThreadingWSGIServer, handler_class=_QuietHandler)
    threading.Thread(target=server.serve_forever, name="watcher-probes", daemon=True).start()
    return server
