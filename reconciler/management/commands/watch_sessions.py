"""``manage.py watch_sessions``: list+watch sessions and their Jobs/Pods, enqueue coalesced reconciles."""

from __future__ import annotations

import logging
import signal
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from ambient.kube import control_plane_client
from reconciler import metrics
from reconciler.queueing import enqueue
from reconciler.queueing.depth import broker_queue_depth
from reconciler.watching import Liveness, SessionWatcher, WatcherConfig, serve_probes

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Watch AgenticSessions and their Jobs/Pods; enqueue one coalesced reconcile per changed session."

    def add_arguments(self, parser: CommandParser) -> None:
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
            default=settings.WATCH_METRICS_PORT,
            help="Serve /metrics and /healthz (liveness) on this port; 0 disables. Default: WATCH_METRICS_PORT.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        config = WatcherConfig(
            namespaces=tuple(options["namespaces"] or settings.WATCH_NAMESPACES),
            lease_namespace=settings.CONTROL_PLANE_NAMESPACE,
            lease_name=settings.WATCH_LEASE_NAME,
            lease_duration_seconds=settings.WATCH_LEASE_DURATION,
            lease_renew_interval=settings.WATCH_LEASE_RENEW_INTERVAL,
            connect_timeout=settings.KUBE_REQUEST_TIMEOUT,
            read_timeout=settings.WATCH_READ_TIMEOUT,
        )
        liveness = Liveness()
        watcher = SessionWatcher(config, control_plane_client, enqueue, liveness=liveness)
        probes = None
        if options["metrics_port"]:
            metrics.QUEUE_DEPTH.set_function(broker_queue_depth)
            probes = serve_probes(options["metrics_port"], liveness, settings.WATCH_LIVENESS_MAX_AGE)

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
