"""decide(): one pure pass of the session state machine (LIFECYCLE.md), dispatched by phase."""

from __future__ import annotations

from datetime import datetime

from ambient.contract import TERMINAL_PHASES, ConditionReason, ConditionType, Phase
from reconciler.config import ReconcilerConfig
from reconciler.lifecycle.actions import Action
from reconciler.lifecycle.active import decide_active
from reconciler.lifecycle.draft import StatusDraft
from reconciler.lifecycle.intent import Intent, read_intent, unknown_intent_warning
from reconciler.lifecycle.observed import Decision, Observed
from reconciler.lifecycle.pending import decide_pending
from reconciler.lifecycle.stopping import decide_stopping
from reconciler.lifecycle.terminal import decide_terminal


def decide(observed: Observed, config: ReconcilerConfig, now: datetime) -> Decision:
    """Next status and actions for one session; same inputs, same output, no I/O."""
    draft = StatusDraft(observed, now)
    intent = read_intent(observed)
    phase = observed.status.get("phase")

    if not phase:
        return _first_sight(draft, config)
    if phase not in Phase.__members__.values():
        # Written by something else (an older controller); touching it could destroy evidence.
        return draft.unchanged(warnings=(f"Unknown phase {phase!r}; leaving the session alone",))
    if Phase(phase) in TERMINAL_PHASES:
        return decide_terminal(draft, intent, config)

    warnings = unknown_intent_warning(intent)
    decision = _decide_non_terminal(draft, Phase(phase), intent, config)
    if warnings:
        return Decision(
            status=decision.status,
            status_patch=decision.status_patch,
            actions=decision.actions,
            transitions=decision.transitions,
            requeue_after=decision.requeue_after,
            warnings=decision.warnings + warnings,
        )
    return decision


def _decide_non_terminal(draft: StatusDraft, phase: Phase, intent: Intent, config: ReconcilerConfig) -> Decision:
    if phase is Phase.PENDING:
        return decide_pending(draft, intent, config)
    if phase in (Phase.CREATING, Phase.RUNNING):
        return decide_active(draft, intent, config)
    return decide_stopping(draft, config)


def _first_sight(draft: StatusDraft, config: ReconcilerConfig) -> Decision:
    # Status only: the next pass builds the Job from the persisted startTime it is stamped with.
    draft.phase = Phase.PENDING
    draft.status["startTime"] = draft.now_text
    draft.condition_false(ConditionType.READY, ConditionReason.INITIALIZING, "Preparing the session")
    return draft.finish(requeue_after=0.0)


def decide_action_failure(observed: Observed, action: Action, message: str, now: datetime) -> Decision:
    """Status after `action` failed: its condition goes False; the phase never changes.

    The task layer then backs off exponentially, so a broken cluster is not hammered.
    """
    draft = StatusDraft(observed, now)
    if action.failure_condition is not None:
        condition, reason = action.failure_condition
        draft.condition_false(condition, reason, message)
    return draft.finish()
