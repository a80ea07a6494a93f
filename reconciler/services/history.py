"""Each condition transition becomes a row in the history table, and the transitions of one status
write one Kubernetes Event on the CR.

Recorded after the status write that made the transition real, and best effort: losing an Event
must not fail (and so repeat) a reconcile whose status is already written.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import DatabaseError, connection

from ambient.contract import API_VERSION, KIND, ConditionReason, ConditionStatus, ConditionType
from ambient.exceptions import ApplicationError
from ambient.kube import EVENT, KubeGateway
from reconciler.conditions import ConditionTransition
from reconciler.models import ConditionTransition as TransitionRow
from reconciler.timestamps import format_time

logger = logging.getLogger(__name__)

COMPONENT = "ambient-reconciler"
NORMAL, WARNING = "Normal", "Warning"
# False reasons that mean something went wrong (as opposed to "not yet" or "stopped on purpose").
WARNING_REASONS: frozenset[str] = frozenset(
    {
        ConditionReason.PROVISIONING_FAILED,
        ConditionReason.RUNNER_SECRET_MISSING,
        ConditionReason.TOKEN_PROVISION_FAILED,
        ConditionReason.CREATE_FAILED,
        ConditionReason.UNSCHEDULABLE,
        ConditionReason.RUNNER_EXIT,
        # The node or kubelet took the pod: the session restarts, but someone should know it happened.
        ConditionReason.INFRASTRUCTURE_LOST,
        ConditionReason.CLONE_FAILED,
        ConditionReason.CONTENT_SERVICE_UNAVAILABLE,
        ConditionReason.FAILED,
    }
)


def event_type(transition: ConditionTransition) -> str:
    if transition.type == ConditionType.FAILED and transition.new_status == ConditionStatus.TRUE:
        return WARNING
    if transition.new_status == ConditionStatus.FALSE and transition.reason in WARNING_REASONS:
        return WARNING
    return NORMAL


def _event_reason(transition: ConditionTransition) -> str:
    # Kubernetes Event reasons are CamelCase; a removed condition has no reason of its own.
    return transition.reason or f"{transition.type}Cleared"


def _event_message(transition: ConditionTransition) -> str:
    status = transition.new_status or "removed"
    detail = f": {transition.message}" if transition.message else ""
    return f"{transition.type} {transition.old_status or 'unset'} → {status}{detail}"[:1024]


def headline(transitions: tuple[ConditionTransition, ...]) -> ConditionTransition:
    """The flip that tells most: Failed turning True, then a Warning flip of Ready, then any other
    Warning flip, then Ready's, then the first."""

    def rank(transition: ConditionTransition) -> int:
        warning = event_type(transition) == WARNING
        if transition.type == ConditionType.FAILED and transition.new_status == ConditionStatus.TRUE:
            return 0
        if warning:
            return 1 if transition.type == ConditionType.READY else 2
        return 3 if transition.type == ConditionType.READY else 4

    return min(transitions, key=rank)  # min keeps the first of equal rank


def summary_event_body(
    session: Mapping[str, Any], transitions: tuple[ConditionTransition, ...], now: datetime
) -> dict[str, Any]:
    """One Event for the flips of one status write, as kube's recorder aggregates related events:
    the headline flip's reason, Warning if any flip is one, and every flip in the message. A new
    session's start used to post ten Events (one per flip) and now posts three, each one API call
    less for the server a burst of sessions waits on; every flip is still a history row."""
    warning = any(event_type(transition) == WARNING for transition in transitions)
    return event_body(
        session,
        type_=WARNING if warning else NORMAL,
        reason=_event_reason(headline(transitions)),
        message="; ".join(_event_message(transition) for transition in transitions),
        now=now,
    )


def event_body(session: Mapping[str, Any], *, type_: str, reason: str, message: str, now: datetime) -> dict[str, Any]:
    metadata = session["metadata"]
    stamp = format_time(now)
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": f"{metadata['name']}.{secrets.token_hex(8)}", "namespace": metadata["namespace"]},
        "involvedObject": {
            "apiVersion": API_VERSION,
            "kind": KIND,
            "name": metadata["name"],
            "namespace": metadata["namespace"],
            "uid": metadata.get("uid", ""),
            "resourceVersion": metadata.get("resourceVersion", ""),
        },
        "type": type_,
        "reason": reason,
        "message": message[:1024],
        "source": {"component": COMPONENT},
        "reportingComponent": COMPONENT,
        "firstTimestamp": stamp,
        "lastTimestamp": stamp,
        "count": 1,
    }


def transitions_record(
    cluster: KubeGateway,
    session: Mapping[str, Any],
    transitions: tuple[ConditionTransition, ...],
    *,
    generation: int,
    now: datetime,
) -> None:
    if not transitions:
        return
    metadata = session["metadata"]
    try:
        cluster.create(EVENT, str(metadata["namespace"]), summary_event_body(session, transitions, now))
    except ApplicationError:
        logger.warning("could not record Event for %s/%s %s", metadata["namespace"], metadata["name"], transitions)
    rows = [
        TransitionRow(
            namespace=str(metadata["namespace"]),
            session_name=str(metadata["name"]),
            session_uid=str(metadata.get("uid") or ""),
            condition_type=transition.type,
            status=transition.new_status or "",
            previous_status=transition.old_status or "",
            reason=transition.reason,
            message=transition.message,
            observed_generation=generation,
            transitioned_at=now,
        )
        for transition in transitions
    ]
    try:
        TransitionRow.objects.bulk_create(rows)
    except DatabaseError:
        logger.exception("could not append condition history for %s/%s", metadata["namespace"], metadata["name"])
        # The worker keeps its connection across tasks (CELERY_DB_REUSE_MAX): a broken one must not be
        # handed to the next pass.
        connection.close()
