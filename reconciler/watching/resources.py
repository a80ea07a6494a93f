"""What the watcher lists and watches, and which session an object's change concerns."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ambient.contract import LABEL_SESSION, PLURAL
from ambient.kube import JOB, POD, SESSION, Resource

KubeObject = dict[str, Any]


def _own_key(obj: KubeObject) -> str | None:
    metadata = obj.get("metadata") or {}
    namespace, name = metadata.get("namespace"), metadata.get("name")
    return f"{namespace}/{name}" if namespace and name else None


def _awaits_first_sight(obj: KubeObject) -> bool:
    """A session no pass has stamped a phase on yet (and not being deleted): its task goes on the
    first-sight queue, which workers take first, so a burst of creates shows every phase soon."""
    return not (obj.get("status") or {}).get("phase") and not (obj.get("metadata") or {}).get("deletionTimestamp")


def _labelled_session_key(obj: KubeObject) -> str | None:
    # A child carries its session's name as a label value, always in the session's namespace.
    metadata = obj.get("metadata") or {}
    namespace = metadata.get("namespace")
    session = (metadata.get("labels") or {}).get(LABEL_SESSION)
    if not namespace or not session or "/" in session:
        return None
    return f"{namespace}/{session}"


@dataclass(frozen=True)
class WatchedResource:
    name: str  # metric label and log name
    kind: Resource
    session_key: Callable[[KubeObject], str | None]
    label_selector: str | None = None
    # Relisting a session resource enqueues every session, not just the changed ones (rule: on start
    # and on every relist, enqueue everything), so a relist also acts as a resync.
    enqueue_all_on_relist: bool = False
    # An update that changed only status is not enqueued (see predicates.py): for sessions, whose
    # status only the reconciler writes. A child's status (Job conditions, pod phase) is news.
    skip_status_only_updates: bool = False
    # Which objects' keys go on the first-sight queue (None: none do; only sessions have a first sight).
    awaits_first_sight: Callable[[KubeObject], bool] | None = None


SESSIONS = WatchedResource(
    name=PLURAL,
    kind=SESSION,
    session_key=_own_key,
    enqueue_all_on_relist=True,
    skip_status_only_updates=True,
    awaits_first_sight=_awaits_first_sight,
)
JOBS = WatchedResource(
    name="jobs",
    kind=JOB,
    session_key=_labelled_session_key,
    label_selector=LABEL_SESSION,
)
PODS = WatchedResource(name="pods", kind=POD, session_key=_labelled_session_key, label_selector=LABEL_SESSION)
WATCHED_RESOURCES: tuple[WatchedResource, ...] = (SESSIONS, JOBS, PODS)


def object_key(obj: KubeObject) -> str | None:
    """Identity of the watched object itself (not of its session), for the relist diff."""
    return _own_key(obj)


def resource_version(obj: KubeObject) -> str | None:
    value = (obj.get("metadata") or {}).get("resourceVersion")
    return str(value) if value else None
