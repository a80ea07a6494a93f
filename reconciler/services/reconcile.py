"""One reconcile pass of one session: read, decide (pure), act, write status once, record.

Order matters: actions run before the status write, so a status such as Completed (after which
nothing acts again) is only recorded once the Job deletion it implies has been accepted. A
converged session makes no write call at all, so a quiet cluster stays quiet.

A decision that asks to come back at once (first sight, which only stamps Pending and the start
time the Job is built from) is followed in the same call by the next pass, decided on the session
its status write returned: no trip through the queue and no second read of the CR, which is what
a burst of new sessions waits for most. Unless other new sessions wait for their first sight
(``others_await_first_sight``): then the thread goes to them and the creating pass to the queue,
so a burst of creates gets every phase first and builds the runs after.
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
from reconciler.services.content_sync import content_sync_finish
from reconciler.services.created_children import NO_CHILDREN, snapshot_after_creation, touches_secondary_children
from reconciler.services.execute import Execution, actions_execute
from reconciler.services.observe import session_observe

logger = logging.getLogger(__name__)

# After losing a race on the CR, look again almost at once: the newer state is already there.
CONFLICT_REQUEUE_SECONDS = 0.5
# Passes one call may chain (each asked to come back at once); only first sight asks today.
CHAINED_PASSES_MAX = 3
# The outcome's reason when first sight left the next pass to the queue.
FIRST_SIGHT_DEFERRED = "first_sight_deferred"


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
    others_await_first_sight: Callable[[], bool] = lambda: False,
    now: datetime | None = None,
    cluster: KubeGateway | None = None,
    config: ReconcilerConfig | None = None,
) -> ReconcileOutcome:
    """Read the session and run passes on it: one, or first sight and the pass it asks for at once.

    ``others_await_first_sight`` is asked after a first sight: when it says yes the call ends there
    with ``requeue_after=0.0`` (reason ``FIRST_SIGHT_DEFERRED``), so the task requeues the key.
    """
    cluster = cluster or control_plane_gateway()
    config = config or reconciler_config_from_settings()
    stages: dict[str, float] = {}
    started = time.monotonic()
    session: Mapping[str, Any] | None = cluster.get(SESSION, namespace, name)
    stages["read"] = time.monotonic() - started
    outcome = ReconcileOutcome(reason="gone", stages=stages)
    for _ in range(CHAINED_PASSES_MAX):
        if session is None or session["metadata"].get("deletionTimestamp"):
            # Deleted: ownerReferences let the garbage collector take every child.
            return ReconcileOutcome(reason="gone", stages=stages)
        first_sight = not (session.get("status") or {}).get("phase")
        outcome, session = _pass(cluster, session, config, now or datetime.now(UTC), lease_lost, stages)
        if outcome.requeue_after != 0.0 or outcome.reason != "applied":
            break
        if first_sight and others_await_first_sight():
            # Each new session's phase waits for a thread: leave the creating pass (~15 requests)
            # to the default queue, behind the first sights, rather than make them wait for it.
            outcome = ReconcileOutcome(requeue_after=0.0, reason=FIRST_SIGHT_DEFERRED)
            break
    return ReconcileOutcome(outcome.requeue_after, outcome.failed, outcome.reason, stages)


def _pass(
    cluster: KubeGateway,
    session: Mapping[str, Any],
    config: ReconcilerConfig,
    now: datetime,
    lease_lost: Callable[[], bool],
    stages: dict[str, float],
) -> tuple[ReconcileOutcome, Mapping[str, Any] | None]:
    """One pass on the session read (or last written); the outcome and the session as it now is."""
    reading = time.monotonic()
    observed = session_observe(cluster, session, config, recheck_seconds=recheck_seconds())
    decided = time.monotonic()
    _add(stages, "read", decided - reading)
    decision = decide(observed, config, now)
    _add(stages, "decide", time.monotonic() - decided)
    if decision.is_noop:
        for warning in decision.warnings:
            logger.warning("%s/%s: %s", observed.metadata.get("namespace"), observed.name, warning)
        return ReconcileOutcome(requeue_after=decision.requeue_after, reason="noop"), session
    if touches_secondary_children(decision.actions):
        # Whatever the actions do to those children, the next pass reads them again.
        children_memo().forget(str(session["metadata"].get("uid") or ""))
    writing = time.monotonic()
    written: Mapping[str, Any] | None = None
    try:
        outcome, written = _apply(cluster, observed, decision, config, now, lease_lost)
    except session_writes.SessionGone:
        outcome = ReconcileOutcome(reason="gone")
    except session_writes.ConflictRetriesExhausted:
        outcome = ReconcileOutcome(requeue_after=CONFLICT_REQUEUE_SECONDS, reason="conflict")
    _add(stages, "write", time.monotonic() - writing)
    return outcome, written


def _add(stages: dict[str, float], stage: str, seconds: float) -> None:
    stages[stage] = stages.get(stage, 0.0) + seconds


def _apply(
    cluster: KubeGateway,
    observed: Observed,
    decision: Decision,
    config: ReconcilerConfig,
    now: datetime,
    lease_lost: Callable[[], bool],
) -> tuple[ReconcileOutcome, Mapping[str, Any] | None]:
    """The outcome, and the session as our last write returned it (as read when nothing was written;
    None when the pass stopped short)."""
    if lease_lost():
        return ReconcileOutcome(requeue_after=0.0, reason="lease_lost"), None
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
        return ReconcileOutcome(failed=True, reason=type(execution.failed).__name__), None
    if lease_lost():
        return ReconcileOutcome(requeue_after=0.0, reason="lease_lost"), None
    content_failed = False
    if execution.content is not None:
        # The repos/workflow actions ran: restart the SDK if the workspace changed, and record it all.
        decision, content_failed = content_sync_finish(observed, decision, execution.content, now)
    patch = _own_generation_caught_up(observed, decision, execution.session)
    try:
        _status_commit(cluster, execution, decision, patch, observed.generation, now)
    except Conflict:
        return ReconcileOutcome(requeue_after=CONFLICT_REQUEUE_SECONDS, reason="conflict"), None
    for warning in decision.warnings:
        _warning_event(cluster, execution.session, warning, now)
    _remember_children(observed, decision, execution, now)
    if content_failed:
        # A clone failed (recorded in the status above): back off before trying again.
        return ReconcileOutcome(failed=True, reason="content_sync_failed"), execution.session
    return ReconcileOutcome(requeue_after=decision.requeue_after, reason="applied"), execution.session


def _remember_children(observed: Observed, decision: Decision, execution: Execution, now: datetime) -> None:
    """What a pass knows of the secondary children without reading them. First sight: none yet (the
    session is new; a same-named leftover of an earlier session answers the create with
    AlreadyExists, which counts as present, as a read would have), so the pass that creates them
    skips six reads — unless secrets are copied, whose keys the Job is built from. The pass that
    made the run (Pending → Creating): every one, so the passes that follow while the pod comes up
    read only the session, its Job and its pods."""
    before, after = observed.status.get("phase"), decision.status.get("phase")
    uid = str(observed.metadata.get("uid") or "")
    if not before and after == Phase.PENDING.value and not execution.config.copied_secrets:
        children_memo().remember(uid, NO_CHILDREN, recheck_seconds())
    elif before == Phase.PENDING.value and after == Phase.CREATING.value:
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
