"""Reads of the session API: sessions (one, a filtered page), projects, a session's Kubernetes objects."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from ambient.contract import (
    CONTAINER_CONTENT,
    Phase,
    job_name,
    pvc_name,
    service_name,
    session_selector,
)
from ambient.exceptions import NotFound
from ambient.kube import JOB, NAMESPACE, POD, PVC, SERVICE, AccessCheck, control_plane_gateway
from sessions.access_cache import ExpiringCache
from sessions.api_constants import (
    ANNOTATION_PROJECT_DISPLAY_NAME,
    MANAGED_LABEL,
    MANAGED_LABEL_VALUE,
    MANAGED_SELECTOR,
)
from sessions.auth import Caller
from sessions.resource import phase_of, presented

KubeObject = dict[str, Any]
Project = dict[str, Any]

# Which namespaces are managed projects; only "yes" is kept, so a new project works at once and one
# that lost its label stops being served within a TTL.
_managed_cache: ExpiringCache[bool] = ExpiringCache(ttl_seconds=settings.SESSION_API_ACCESS_CACHE_SECONDS)


@dataclass(frozen=True)
class SessionPage:
    items: list[KubeObject]
    total_count: int
    limit: int
    offset: int

    @property
    def has_more(self) -> bool:
        return self.offset + len(self.items) < self.total_count

    def as_dict(self) -> dict[str, Any]:
        return {
            "items": self.items,
            "totalCount": self.total_count,
            "limit": self.limit,
            "offset": self.offset,
            "hasMore": self.has_more,
        }


# --- Sessions --------------------------------------------------------------------------------------


def session_get(*, caller: Caller, namespace: str, name: str) -> KubeObject:
    return presented(caller.gateway().session_get(namespace=namespace, name=name))


def session_matches(session: KubeObject, *, search: str = "", phase: Phase | None = None) -> bool:
    """`search` is a case-insensitive substring of name, displayName or initialPrompt."""
    if phase is not None and phase_of(session) != phase:
        return False
    if not search:
        return True
    spec = session.get("spec") or {}
    needle = search.casefold()
    haystack = (
        str((session.get("metadata") or {}).get("name") or ""),
        str(spec.get("displayName") or ""),
        str(spec.get("initialPrompt") or ""),
    )
    return any(needle in text.casefold() for text in haystack)


def newest_first(sessions: Iterable[KubeObject]) -> list[KubeObject]:
    # RFC 3339 UTC timestamps sort as text; the name breaks ties (second resolution) deterministically.
    def key(session: KubeObject) -> tuple[str, str]:
        metadata = session.get("metadata") or {}
        return (str(metadata.get("creationTimestamp") or ""), str(metadata.get("name") or ""))

    return sorted(sessions, key=key, reverse=True)


def session_page(
    sessions: Iterable[KubeObject], *, limit: int, offset: int, search: str = "", phase: Phase | None = None
) -> SessionPage:
    matching = newest_first(session for session in sessions if session_matches(session, search=search, phase=phase))
    window = [presented(session) for session in matching[offset : offset + limit]]
    return SessionPage(items=window, total_count=len(matching), limit=limit, offset=offset)


def session_list(
    *, caller: Caller, namespace: str, limit: int, offset: int, search: str = "", phase: Phase | None = None
) -> SessionPage:
    """A page of the project's sessions, newest first; filters apply before paging."""
    sessions = caller.gateway().session_list(namespace=namespace)
    return session_page(sessions, limit=limit, offset=offset, search=search, phase=phase)


# --- A session's Kubernetes objects ----------------------------------------------------------------


def _container_state(status: KubeObject) -> dict[str, Any]:
    state = status.get("state") or {}
    for key, label in (("running", "Running"), ("terminated", "Terminated"), ("waiting", "Waiting")):
        if key in state:
            detail = state[key] or {}
            return {
                "name": status.get("name", ""),
                "state": label,
                "exitCode": detail.get("exitCode") if key == "terminated" else None,
                "reason": str(detail.get("reason") or ""),
                "ready": bool(status.get("ready")),
            }
    return {"name": status.get("name", ""), "state": "Unknown", "exitCode": None, "reason": "", "ready": False}


def _pod_summary(pod: KubeObject) -> dict[str, Any]:
    status = pod.get("status") or {}
    metadata = pod.get("metadata") or {}
    statuses = list(status.get("initContainerStatuses") or []) + list(status.get("containerStatuses") or [])
    return {
        "name": metadata.get("name", ""),
        "phase": "Terminating" if metadata.get("deletionTimestamp") else str(status.get("phase") or "Unknown"),
        "containers": [_container_state(container) for container in statuses],
    }


def _job_status(job: KubeObject) -> str:
    status = job.get("status") or {}
    for condition in status.get("conditions") or ():
        if condition.get("status") == "True" and condition.get("type") in ("Complete", "Failed"):
            return "Succeeded" if condition["type"] == "Complete" else "Failed"
    return "Active" if status.get("active") else "Unknown"


def session_k8s_resources(*, caller: Caller, namespace: str, name: str) -> dict[str, Any]:
    """The session's Job, pods (container states, exit codes, waiting reasons), PVC and content Service."""
    gateway = caller.gateway()
    session = gateway.session_get(namespace=namespace, name=name)
    job_object_name = str((session.get("status") or {}).get("jobName") or job_name(name))
    job = gateway.get(JOB, namespace, job_object_name)
    pods = [_pod_summary(pod) for pod in gateway.list(POD, namespace, label_selector=session_selector(name))]
    pvc = gateway.get(PVC, namespace, pvc_name(name))
    service = gateway.get(SERVICE, namespace, service_name(name))
    content_ready = any(
        container["name"] == CONTAINER_CONTENT and container["ready"] for pod in pods for container in pod["containers"]
    )
    resources: dict[str, Any] = {
        "jobName": job_object_name,
        "jobExists": job is not None,
        "pods": pods,
        "pvcName": pvc_name(name),
        "pvcExists": pvc is not None,
        "serviceName": service_name(name),
        "serviceExists": service is not None,
        "contentServiceReady": service is not None and content_ready,
    }
    if job is not None:
        resources["jobStatus"] = _job_status(job)
        resources["jobConditions"] = list((job.get("status") or {}).get("conditions") or [])
    if pvc is not None:
        size = ((pvc.get("status") or {}).get("capacity") or {}).get("storage") or (
            ((pvc.get("spec") or {}).get("resources") or {}).get("requests") or {}
        ).get("storage")
        if size:
            resources["pvcSize"] = str(size)
    return resources


# --- Projects --------------------------------------------------------------------------------------


def project_from_namespace(namespace: KubeObject) -> Project:
    metadata = namespace.get("metadata") or {}
    annotations = dict(metadata.get("annotations") or {})
    return {
        "name": metadata.get("name", ""),
        "displayName": annotations.get(ANNOTATION_PROJECT_DISPLAY_NAME) or metadata.get("name", ""),
        "labels": dict(metadata.get("labels") or {}),
        "annotations": annotations,
        "creationTimestamp": metadata.get("creationTimestamp"),
        "status": str((namespace.get("status") or {}).get("phase") or "Active"),
    }


def _is_managed(namespace: KubeObject) -> bool:
    labels = (namespace.get("metadata") or {}).get("labels") or {}
    return labels.get(MANAGED_LABEL) == MANAGED_LABEL_VALUE


def project_list(*, caller: Caller) -> list[Project]:
    """Managed namespaces in which the caller may list sessions (the control plane lists namespaces)."""
    namespaces = control_plane_gateway().list(NAMESPACE, label_selector=MANAGED_SELECTOR)
    visible = [
        namespace
        for namespace in namespaces
        if caller.can(AccessCheck(namespace=namespace["metadata"]["name"], verb="list"))
    ]
    return sorted((project_from_namespace(namespace) for namespace in visible), key=lambda project: project["name"])


def project_is_managed(name: str) -> bool:
    """Whether namespace `name` exists and is labelled as an Ambient project (the control plane looks)."""

    def look() -> bool:
        try:
            return _is_managed(control_plane_gateway().read(NAMESPACE, None, name))
        except NotFound:
            return False

    return _managed_cache.get_or_compute(name, look, keep=bool)


def project_require_managed(name: str) -> None:
    """Session routes serve managed projects only, for every caller (staff included)."""
    if not project_is_managed(name):
        raise NotFound(f"Project {name!r} does not exist or is not an Ambient project.", code="project_not_found")


def forget_managed_projects() -> None:
    """Tests: drop the cached answers."""
    _managed_cache.clear()


def project_get(*, caller: Caller, name: str) -> Project:
    try:
        namespace = control_plane_gateway().read(NAMESPACE, None, name)
    except NotFound:
        namespace = None
    if namespace is None or not _is_managed(namespace):
        raise NotFound(f"Project {name!r} does not exist or is not an Ambient project.", code="project_not_found")
    caller.require(
        AccessCheck(namespace=name, verb="list"),
        f"You cannot access project {name!r}: ask a project admin to bind you to a project role.",
    )
    return project_from_namespace(namespace)
