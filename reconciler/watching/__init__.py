"""The session watcher: list+watch AgenticSessions and their Jobs/Pods, enqueue session keys.

Run it with ``manage.py watch_sessions``; ``SessionWatcher`` is the whole process minus Django.
"""

from reconciler.watching.config import WatcherConfig
from reconciler.watching.election import LeaseElector
from reconciler.watching.informer import ResourceWatch
from reconciler.watching.liveness import Liveness
from reconciler.watching.probes import serve_probes
from reconciler.watching.resources import JOBS, PODS, SESSIONS, WATCHED_RESOURCES, WatchedResource
from reconciler.watching.runner import SessionWatcher

__all__ = (
    "JOBS",
    "PODS",
    "SESSIONS",
    "WATCHED_RESOURCES",
    "LeaseElector",
    "Liveness",
    "ResourceWatch",
    "SessionWatcher",
    "WatchedResource",
    "WatcherConfig",
    "serve_probes",
)
