"""``manage.py watch_sessions``: list+watch sessions and their Jobs/Pods, enqueue coalesced reconciles.

By the time a management command runs, ``django.setup()`` has loaded every app; the watcher needs
none of them, so the command re-executes itself as ``python -m reconciler.watching`` (same PID,
same options, same environment), which keeps its resident memory small. ``--in-process`` skips that.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from reconciler.watching.process import MODULE, add_arguments, argv_for, run_watcher

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Watch AgenticSessions and their Jobs/Pods; enqueue one coalesced reconcile per changed session."
    # The system checks import the API's whole URLconf (every view and serializer), which the watcher
    # never serves and re-executes away from at once: skipping them saves about 2 s of CPU per start.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        add_arguments(parser, default_metrics_port=settings.WATCH_METRICS_PORT)
        parser.add_argument(
            "--in-process",
            action="store_true",
            help="Run inside this process (with every Django app loaded) instead of re-executing lean.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["in_process"]:
            path = [str(settings.BASE_DIR), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
            os.environ["PYTHONPATH"] = os.pathsep.join(path)
            argv = [sys.executable, "-m", MODULE, *argv_for(options["namespaces"], options["metrics_port"])]
            sys.stdout.flush()
            sys.stderr.flush()
            try:
                os.execv(sys.executable, argv)  # noqa: S606 - our own interpreter and module
            except OSError:
                logger.exception("could not re-execute the watcher lean; running it in this process")
        run_watcher(options["namespaces"], options["metrics_port"])
