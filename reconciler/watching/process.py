"""The watcher process body, shared by ``python -m reconciler.watching`` and ``manage.py watch_sessions``.

It needs Django's settings but not its app registry: ``manage.py watch_sessions`` re-executes
itself as ``python -m reconciler.watching``, which reads the settings without ``django.setup()``,
so the watcher does not keep the API's apps (admin, DRF, Channels, the ASGI server, the schema) in memory —
about 45 MB of its resident set.
"""

from __future__ import annotations

import argparse
import logging
import signal
from types import FrameType

logger = logging.getLogger(__name__)

MODULE = "reconciler.watching"


def add_arguments(parser: argparse.ArgumentParser, *, default_metrics_port: int) -> None:
    parser.add_argument(
        "--namespace",
        action="append",
        dest="namespaces",
        default=None,
        help="Watch only this namespace (repeatable). Default: WATCH_NAMESPACES, else all namespaces.",
    )
    parser.add_argument(
        "--metrics-port",
        type=int,
        default=default_metrics_port,
        help="Serve /metrics and /healthz (liveness) on this port; 0 disables. Default: WATCH_METRICS_PORT.",
    )


def argv_for(namespaces: list[str] | None, metrics_port: int) -> list[str]:
    """The options of ``add_arguments`` as a command line, to hand them on to the lean process."""
    argv = [f"--namespace={namespace}" for namespace in namespaces or ()]
    return [*argv, f"--metrics-port={metrics_port}"]


def run_watcher(namespaces: list[str] | None, metrics_port: int) -> None:
    """Lead, watch and enqueue until SIGTERM or SIGINT."""
    from django.conf import settings  # noqa: PLC0415 - read once the caller chose how to load them

    from ambient.kube import control_plane_gateway  # noqa: PLC0415
    from reconciler import metrics  # noqa: PLC0415
    from reconciler.queueing import enqueue, enqueue_first_sight  # noqa: PLC0415
    from reconciler.queueing.depth import broker_queue_depth  # noqa: PLC0415
    from reconciler.watching import Liveness, SessionWatcher, WatcherConfig, serve_probes  # noqa: PLC0415

    config = WatcherConfig(
        namespaces=tuple(namespaces or settings.WATCH_NAMESPACES),
        lease_namespace=settings.CONTROL_PLANE_NAMESPACE,
        lease_name=settings.WATCH_LEASE_NAME,
        lease_duration_seconds=settings.WATCH_LEASE_DURATION,
        lease_renew_interval=settings.WATCH_LEASE_RENEW_INTERVAL,
        connect_timeout=settings.KUBE_REQUEST_TIMEOUT,
        read_timeout=settings.WATCH_READ_TIMEOUT,
    )
    liveness = Liveness()
    watcher = SessionWatcher(
        config, control_plane_gateway, enqueue, enqueue_first_sight=enqueue_first_sight, liveness=liveness
    )
    probes = None
    if metrics_port:
        metrics.QUEUE_DEPTH.set_function(broker_queue_depth)
        probes = serve_probes(metrics_port, liveness, settings.WATCH_LIVENESS_MAX_AGE)

    def on_signal(signum: int, frame: FrameType | None) -> None:
        logger.info("watcher received %s; shutting down", signal.Signals(signum).name)
        watcher.stop()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    logger.info(
        "watcher %s starting (namespaces: %s, lease %s/%s)",
        config.identity,
        ", ".join(config.namespaces) or "all",
        config.lease_namespace,
        config.lease_name,
    )
    try:
        watcher.run()
    finally:
        if probes is not None:
            probes.shutdown()
