"""Completed, Failed, Stopped: they move only on a start intent, and then back to Pending."""

from __future__ import annotations

from ambient.contract import ConditionReason, ConditionType, Phase
from reconciler.config import ReconcilerConfig
from reconciler.lifecycle.draft import StatusDraft
from reconciler.lifecycle.intent import Intent
from reconciler.lifecycle.observed import Decision
from reconciler.lifecycle.stopping import delete_run

# Conditions that describe one run; a new run starts without them.
RUN_CONDITIONS = (
    ConditionType.FAILED,
    ConditionType.RUNNER_STARTED,
    ConditionType.POD_SCHEDULED,
    ConditionType.JOB_CREATED,
    ConditionType.CONTENT_SERVICE_READY,
)


def decide_terminal(draft: StatusDraft, intent: Intent, config: ReconcilerConfig) -> Decision:
    if not intent.start:
        # No writes at all: not even an unknown or stale stop intent is touched.
        return draft.unchanged()
    reset_to_pending(draft, ConditionReason.INITIALIZING, "Starting the session again")
    # The intent stays until the new Job exists (LIFECYCLE.md); the Pending pass builds it.
    return draft.finish(delete_run(draft.observed), requeue_after=config.pending_requeue_seconds)


def reset_to_pending(draft: StatusDraft, reason: ConditionReason, message: str) -> None:
    """A new run: fresh startTime (also what the next Job is stamped with), run conditions reset.

    The PVC, reconciledRepos/Workflow and sdkRestartCount stay: the conversation continues.
    """
    draft.phase = Phase.PENDING
    draft.status["startTime"] = draft.now_text
    draft.pop("completionTime", "stoppedReason")
    for condition in RUN_CONDITIONS:
        draft.remove_condition(condition)
    draft.condition_false(ConditionType.READY, reason, message)
