"""How a bench that runs a reconciler against an in-process localkube sets Django up.

Imported before anything that needs settings; the node gets room for every live pod, since the
runner and content containers are `sleep` there (no Django per pod).
"""

from __future__ import annotations

import logging
import os

import django


def django_setup_for_bench() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ambient.settings.test")
    os.environ.setdefault("LOCALKUBE_NODE_CPU", "2000")
    os.environ.setdefault("LOCALKUBE_NODE_MEMORY", "8000Gi")
    os.environ.setdefault("LOCALKUBE_NODE_PODS", "5000")
    django.setup()
    logging.getLogger("localkube").setLevel(logging.WARNING)  # one line per request and token otherwise
