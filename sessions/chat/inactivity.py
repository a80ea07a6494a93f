"""Inactivity auto-stop: Running sessions with no chat for `spec.inactivityTimeout` seconds are stopped.

The stop is the same intent a user's stop writes (desired-phase Stopped), with stop-reason
`inactivity`; the reconciler then ends the session Stopped with `stoppedReason: inactivity` and
Ready=False/InactivityTimeout. Beat runs the sweep (sessions.tasks.stop_inactive_sessions).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.utils import timezone

from ambient.contract import (
    ANNOTATION_DESIRED_PHASE,
    ANNOTATION_START_REQUESTED_AT,
    ANNOTATION_STOP_REASON,
    ANNOTATION_STOP_REQUESTED_AT,
    ConditionReason,
    DesiredPhase,
    Phase,
    StoppedReason,
)
from ambient.exceptions import ApplicationError
from ambient.kube import EVENT, NAMESPACE, SESSION, control_plane_gateway
from reconciler.services.history import NORMAL, event_body
from reconciler.timestamps import format_time, parse_time
from sessions.api_constants import ANNOTATION_PROJECT_INACTIVITY_TIMEOUT, MANAGED_SELECTOR
from sessions.chat.selectors import chat_last_activity_by_session
from sessions.chat.services import chat_threads_delete_orphans
from sessions.services.writes import session_write

logger = logging.getLogger(__name__)

KubeObject = dict[str, Any]
SessionKey = tuple[str, str, str]


class NoLongerDue(Exception):
    """The session changed between the sweep's read and the write (it chatted, stopped or was asked to)."""


def inactivity_timeout_of(spec: Mapping[str, Any], default: int) -> int:
    """Seconds of silence allowed: spec.inactivityTimeout, else the platform default; 0 means never."""
    value = spec.get("inactivityTimeout")
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return default


def session_key(session: Mapping[str, Any]) -> SessionKey:
    metadata = session.get("metadata") or {}
    return str(metadata.get("namespace")), str(metadata.get("name")), str(metadata.get("uid") or "")


def quiet_since(session: Mapping[str, Any], last_chat: datetime | None) -> datetime | None:
    """The later of the last chat message and the start of the current run (a restart counts as activity)."""
    status = session.get("status") or {}
    metadata = session.get("metadata") or {}
    started = parse_time(status.get("startTime")) or parse_time(metadata.get("creationTimestamp"))
    moments = [moment for moment in (last_chat, started) if moment is not None]
    return max(moments) if moments else None


def inactivity_due(session: Mapping[str, Any], last_chat: datetime | None, *, now: datetime, default: int) -> bool:
    """A Running session with no pending intent, quiet for at least its inactivity timeout."""
    if (session.get("status") or {}).get("phase") != Phase.RUNNING:
        return False
    if ((session.get("metadata") or {}).get("annotations") or {}).get(ANNOTATION_DESIRED_PHASE):
        return False
    timeout = inactivity_timeout_of(session.get("spec") or {}, default)
    since = quiet_since(session, last_chat)
    if timeout == 0 or since is None:
        return False
    return (now - since).total_seconds() >= timeout


def project_inactivity_defaults(namespaces: list[KubeObject]) -> dict[str, int]:
    """Each managed project's own default for spec.inactivityTimeout (its namespace annotation, when
    that is a whole number ≥ 0)."""
    defaults = {}
    for namespace in namespaces:
        metadata = namespace.get("metadata") or {}
        value = str((metadata.get("annotations") or {}).get(ANNOTATION_PROJECT_INACTIVITY_TIMEOUT, "")).strip()
        if value.isdigit():
            defaults[str(metadata.get("name"))] = int(value)
    return defaults


def inactivity_default_for(namespace: str) -> int:
    """spec.inactivityTimeout absent: the project's annotation, else SESSION_DEFAULT_INACTIVITY_TIMEOUT_SECONDS."""
    found = control_plane_gateway().get(NAMESPACE, None, namespace)
    defaults = project_inactivity_defaults([found] if found else [])
    return defaults.get(namespace, settings.SESSION_DEFAULT_INACTIVITY_TIMEOUT_SECONDS)


def session_stop_for_inactivity(*, namespace: str, name: str, now: datetime) -> KubeObject | None:
    """Write the stop intent (reason inactivity) with the control plane's identity, after checking the
    fresh object and the chat again; None when the session is no longer due."""
    gateway = control_plane_gateway()
    default = inactivity_default_for(namespace)

    def decide(current: KubeObject) -> tuple[str, KubeObject]:
        last_chat = chat_last_activity_by_session().get(session_key(current))
        if not inactivity_due(current, last_chat, now=now, default=default):
            raise NoLongerDue
        annotations: dict[str, str | None] = {
            ANNOTATION_DESIRED_PHASE: DesiredPhase.STOPPED.value,
            ANNOTATION_STOP_REQUESTED_AT: format_time(now),
            ANNOTATION_STOP_REASON: StoppedReason.INACTIVITY.value,
            ANNOTATION_START_REQUESTED_AT: None,
        }
        return "patch", {"metadata": {"annotations": annotations}}

    try:
        stopped = session_write(gateway=gateway, namespace=namespace, name=name, decide=decide)
    except NoLongerDue:
        return None
    timeout = inactivity_timeout_of(stopped.get("spec") or {}, default)
    message = f"No chat activity for {timeout} s (spec.inactivityTimeout): stopping the session"
    try:
        body = event_body(
            stopped, type_=NORMAL, reason=ConditionReason.INACTIVITY_TIMEOUT.value, message=message, now=now
        )
        gateway.create(EVENT, namespace, body)
    except ApplicationError:
        logger.warning("could not record the inactivity Event for %s/%s", namespace, name)
    return stopped


def sessions_stop_inactive(*, now: datetime | None = None) -> list[str]:
    """Stop every Running session that has been quiet too long; also drop the chat of sessions that no
    longer exist (deleted with kubectl). Returns the `namespace/name` of each session stopped."""
    moment = now or datetime.now(UTC)
    gateway = control_plane_gateway()
    listed_at = timezone.now()
    sessions = gateway.list(SESSION)
    project_defaults = project_inactivity_defaults(gateway.list(NAMESPACE, label_selector=MANAGED_SELECTOR))
    last_chat = chat_last_activity_by_session()
    chat_threads_delete_orphans(live={session_key(session) for session in sessions}, listed_at=listed_at)
    stopped = []
    for session in sessions:
        key = session_key(session)
        default = project_defaults.get(key[0], settings.SESSION_DEFAULT_INACTIVITY_TIMEOUT_SECONDS)
        if not inactivity_due(session, last_chat.get(key), now=moment, default=default):
            continue
        try:
            if session_stop_for_inactivity(namespace=key[0], name=key[1], now=moment) is not None:
                stopped.append(f"{key[0]}/{key[1]}")
        except ApplicationError:
            logger.warning("could not stop inactive session %s/%s; the next sweep retries", key[0], key[1])
    return stopped
