"""Selectors for the beat tasks: which session keys are due for a look (reads only, never writes).

Beat never reconciles itself; it enqueues keys through the coalescing queue, so a periodic sweep
and a watch event for the same session still make one task.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ambient.contract import (
    ANNOTATION_TOKEN_REFRESHED_AT,
    APP_RUNNER_TOKEN,
    LABEL_APP,
    LABEL_SESSION_OWNER,
    Phase,
)
from ambient.kube import SESSION, KubeGateway
from reconciler.config import ReconcilerConfig
from reconciler.manifests import Kind, active_deadline_seconds
from reconciler.timestamps import parse_time, seconds_between


def _key(session: Mapping[str, Any]) -> str:
    return f"{session['metadata']['namespace']}/{session['metadata']['name']}"


def _phase(session: Mapping[str, Any]) -> str | None:
    return (session.get("status") or {}).get("phase")


def session_keys_all(cluster: KubeGateway) -> list[str]:
    return [_key(session) for session in cluster.list(SESSION)]


def session_keys_token_stale(cluster: KubeGateway, config: ReconcilerConfig, now: datetime) -> list[str]:
    """Running sessions whose runner token Secret was refreshed longer ago than the refresh age."""
    running = {_key(session) for session in cluster.list(SESSION) if _phase(session) == Phase.RUNNING}
    keys = []
    for secret in cluster.list(Kind.SECRET, None, label_selector=f"{LABEL_APP}={APP_RUNNER_TOKEN}"):
        metadata = secret.get("metadata") or {}
        owner = (metadata.get("labels") or {}).get(LABEL_SESSION_OWNER)
        key = f"{metadata.get('namespace')}/{owner}"
        if not owner or key not in running:
            continue
        refreshed = parse_time((metadata.get("annotations") or {}).get(ANNOTATION_TOKEN_REFRESHED_AT))
        if refreshed is None or seconds_between(refreshed, now) >= config.token_refresh_age_seconds:
            keys.append(key)
    return keys


def session_keys_past_deadline(cluster: KubeGateway, config: ReconcilerConfig, now: datetime) -> list[str]:
    """Creating sessions past the creation deadline and Running ones past their timeout.

    Measured from status.startTime, which precedes the Job, so this may enqueue a little early;
    the reconcile measures from the Job and decides.
    """
    keys = []
    for session in cluster.list(SESSION):
        phase = _phase(session)
        started = parse_time((session.get("status") or {}).get("startTime"))
        if started is None or phase not in (Phase.CREATING, Phase.RUNNING):
            continue
        age = seconds_between(started, now)
        limit = (
            config.creation_deadline_seconds
            if phase == Phase.CREATING
            else active_deadline_seconds(session.get("spec") or {}, config)
        )
        if limit is not None and age >= limit:  # None: the session has no time limit
            keys.append(_key(session))
    return keys
