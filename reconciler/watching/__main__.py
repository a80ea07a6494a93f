"""``python -m reconciler.watching``: the watcher without Django's app registry (see ``process``).

``manage.py watch_sessions`` execs this; it takes the same options.
"""

from __future__ import annotations

import argparse
import logging.config
import os

from reconciler.watching.process import add_arguments, run_watcher


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ambient.settings.local")
    from django.conf import settings  # noqa: PLC0415 - after the settings module is chosen

    if settings.LOGGING_CONFIG and settings.LOGGING:
        logging.config.dictConfig(settings.LOGGING)
    parser = argparse.ArgumentParser(
        prog="python -m reconciler.watching",
        description="Watch AgenticSessions and their Jobs/Pods; enqueue one coalesced reconcile per changed session.",
    )
    add_arguments(parser, default_metrics_port=settings.WATCH_METRICS_PORT)
    options = parser.parse_args()
    run_watcher(options.namespaces, options.metrics_port)


if __name__ == "__main__":
    main()
