"""One reconcile pass of one session: read, decide (pure), act, write status once, record.

Order matters: actions run before the status write, so a status such as Completed (after which
nothing acts again) is only recorded once the Job deletion it implies has been accepted. A
converged session makes no write call at all, so a quiet cluster stays quiet.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ambient.contract import Phase
from ambient.exceptions import ApplicationError, Conflict
from ambient.kube import EVENT, SESSION, KubeGateway, control_plane_gateway
from reconciler.config import ReconcilerConfig
from reconciler.lifecycle import Decision, Observed, decide, decide_action_failure
from reconciler.services import history, session_writes
from reconciler.services.children_memo import children_memo, recheck_seconds
from reconciler.services.config import reconciler_config_from_settings
from reconciler.services.created_children import snapshot_after_creation, touches_secondary_children
from reconciler.services.execute import Execution, actions_execute
from reconciler.services.observe import session_observe

logger = logging.getLogger(__name__)

# After losing a race on the CR, look again almost at once: the newer state is already there.
CONFLICT_REQUEUE_SECONDS = 0.5


@dataclass(frozen=True)
class ReconcileOutcome:
    # Run again after this many seconds (None: only when something changes).
    requeue_after: float | None = None
    # An action failed: the task backs off exponentially instead of a plain requeue.
    failed: bool = False
    reason: str = ""
    # Seconds spent reading (the session and its children), deciding and writing (actions and
    # status), for the stage metrics; a stage the pass never reached is absent.
    stages: dict[str, float] = field(default_factory=dict)

    @property
    def wrote(self) -> bool:
        return "write" in self.stages


def session_reconcile(
    namespace: str,
    name: str,
    *,
    lease_lost: Callable[[], bool] = lambda: False,
    now: datetime | None = None,
    cluster: KubeGateway | None = None,
    config: ReconcilerConfig | None = None,
) -> ReconcileOutcome:
    cluster = cluster or control_plane_gateway()
    config = config or reconciler_config_from_settings()
    stages: dict[str, float] = {}
    started = time.monotonic()
    session = cluster.get(SESSION, namespace, name)
    if session is None or session["metadata"].get("deletionTimestamp"):
        # Deleted: ownerReferences let the garbage collector take every child.
        return ReconcileOutcome(reason="gone", stages={"read": time.monotonic() - started})
    now = now or datetime.now(UTC)
    observed = session_observe(cluster, session, config, recheck_seconds=recheck_seconds())
    decided = time.monotonic()
    stages["read"] = decided - started
    decision = decide(observed, config, now)
    stages["decide"] = time.monotonic() - decided
    if decision.is_noop:
        for warning in decision.warnings:
            logger.warning("%s/%s: %s", namespace, name, warning)
        return ReconcileOutcome(requeue_after=decision.requeue_after, reason="noop", stages=stages)
    if touches_secondary_children(decision.actions):
        # Whatever the actions do to those children, the next pass reads them again.
        children_memo().forget(str(session["metadata"].get("uid") or ""))
    writing = time.monotonic()
    try:
        outcome = _apply(cluster, observed, decision, config, now, lease_lost)
    except session_writes.SessionGone:
        outcome = ReconcileOutcome(reason="gone")
    except session_writes.ConflictRetriesExhausted:
        outcome = ReconcileOutcome(requeue_after=CONFLICT_REQUEUE_SECONDS, reason="conflict")
    stages["write"] = time.monotonic() - writing
    return ReconcileOutcome(outcome.requeue_after, outcome.failed, outcome.reason, stages)


def _apply(
    cluster: KubeGateway,
    observed: Observed,
    decision: Decision,
    config: ReconcilerConfig,
    now: datetime,
    lease_lost: Callable[[], bool],
) -> ReconcileOutcome:
    if lease_lost():
        return ReconcileOutcome(requeue_after=0.0, reason="lease_lost")
    execution = actions_execute(cluster, observed.session, decision.actions, config, now)
    if execution.failed is not None:
        logger.warning(
            "%s/%s: %s failed: %s",
            observed.metadata.get("namespace"),
            observed.name,
            type(execution.failed).__name__,
            execution.failure_message,
        )
        failure = decide_action_failure(observed, execution.failed, execution.failure_message, now)
        _status_commit(cluster, execution, failure, dict(failure.status_patch), observed.generation, now)
        return ReconcileOutcome(failed=True, reason=type(execution.failed).__name__)
    if lease_lost():
        return ReconcileOutcome(requeue_after=0.0, reason="lease_lost")
    patch = _own_generation_caught_up(observed, decision, execution.session)
    try:
        _status_commit(cluster, execution, decision, patch, observed.generation, now)
    except Conflict:
        return ReconcileOutcome(requeue_after=CONFLICT_REQUEUE_SECONDS, reason="conflict")
    for warning in decision.warnings:
        _warning_event(cluster, execution.session, warning, now)
    _remember_created_children(observed, decision, execution, now)
    return ReconcileOutcome(requeue_after=decision.requeue_after, reason="applied")


def _remember_created_children(observed: Observed, decision: Decision, execution: Execution, now: datetime) -> None:
    """The pass that made the run (Pending → Creating) knows every secondary child without reading:
    the passes that follow while the pod comes up read only the session, its Job and its pods."""
    if observed.status.get("phase") != Phase.PENDING.value or decision.status.get("phase") != Phase.CREATING.value:
        return
    uid = str(observed.metadata.get("uid") or "")
    children_memo().remember(uid, snapshot_after_creation(observed, execution.done, now), recheck_seconds())


def _status_commit(
    cluster: KubeGateway,
    execution: Execution,
    decision: Decision,
    patch: dict[str, Any],
    generation: int,
    now: datetime,
) -> None:
    if not patch:
        return
    written = session_writes.status_write(cluster, execution.session, patch)
    execution.session = written
    history.transitions_record(cluster, written, decision.transitions, generation=generation, now=now)


def _own_generation_caught_up(observed: Observed, decision: Decision, written: Mapping[str, Any]) -> dict[str, Any]:
    """Our own spec write (spec.interactive=true) bumps the generation; when the decision had fully
    handled the generation it read and the only spec change since is ours, that new generation is
    handled too — otherwise every Completed session would show a stale observedGeneration."""
    patch = dict(decision.status_patch)
    new_generation = int((written.get("metadata") or {}).get("generation") or observed.generation)
    if new_generation == observed.generation:
        return patch
    if decision.status.get("observedGeneration") != observed.generation:
        return patch
    expected_spec = {**dict(observed.spec), "interactive": True}
    if dict(written.get("spec") or {}) == expected_spec:
        patch["observedGeneration"] = new_generation
    return patch


def _warning_event(cluster: KubeGateway, session: Mapping[str, Any], message: str, now: datetime) -> None:
    metadata = session["metadata"]
    body = history.event_body(session, type_=history.WARNING, reason="ReconcileWarning", message=message, now=now)
    try:
        cluster.create(EVENT, str(metadata["namespace"]), body)
    except ApplicationError:
        logger.warning("%s/%s: %s", metadata["namespace"], metadata["name"], message)
