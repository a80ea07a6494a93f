"""Creating and Running: read the Job and its pod, map them to a phase, keep the run healthy."""

from __future__ import annotations

from ambient.contract import (
    ConditionReason,
    ConditionType,
    DesiredPhase,
    Phase,
    job_name,
    service_account_name,
    token_secret_name,
)
from reconciler.config import ReconcilerConfig
from reconciler.lifecycle.actions import (
    Action,
    ClearIntent,
    DeleteJob,
    EnsureRunnerToken,
    RefreshToken,
    SetInteractive,
)
from reconciler.lifecycle.content import content_step
from reconciler.lifecycle.content_access import content_access_actions
from reconciler.lifecycle.draft import StatusDraft, earliest
from reconciler.lifecycle.infrastructure import LOSSES_FIELD, give_up_message, losses_in_window, restart_message
from reconciler.lifecycle.intent import Intent, keys_to_clear
from reconciler.lifecycle.observed import Decision, Observed
from reconciler.lifecycle.pod_state import (
    ContentHealth,
    Outcome,
    content_health,
    created_at,
    fatal_waiting,
    is_deleting,
    pod_outcome,
    runner_running,
    scheduling,
    waiting_since,
)
from reconciler.lifecycle.run_end import InfrastructureLoss, ended_by_job, lost_to_infrastructure
from reconciler.lifecycle.stopping import begin_stopping, delete_run, revoke_runner_token
from reconciler.lifecycle.terminal import reset_to_pending
from reconciler.manifests import Kind
from reconciler.timestamps import seconds_between


def decide_active(draft: StatusDraft, intent: Intent, config: ReconcilerConfig) -> Decision:
    observed = draft.observed
    if intent.stop:
        return begin_stopping(draft, config)

    job, pod = observed.job, observed.pod
    actions: list[Action] = []
    if intent.start and job is not None:
        # The Job for this run exists, so a start request has been acted on.
        clear = keys_to_clear(observed, DesiredPhase.RUNNING)
        if clear:
            actions.append(ClearIntent(clear))

    # The Job's verdict first: a timed-out or finished Job is never mistaken for a lost run.
    ending = ended_by_job(job, pod, draft.now)
    if ending is None and job is not None and not is_deleting(job):
        ending = lost_to_infrastructure(pod)
    if ending is None:
        vanished = job is None or is_deleting(job) or is_deleting(pod) or (draft.phase == Phase.RUNNING and pod is None)
        if vanished:
            # Not asked to stop and the Job gave no verdict, so someone deleted the run: start a new one.
            reset_to_pending(draft, ConditionReason.RESTARTING, "Runner Job or pod disappeared; recreating it")
            return draft.finish(delete_run(observed), requeue_after=config.pending_requeue_seconds)
        ending = pod_outcome(pod)
    if isinstance(ending, InfrastructureLoss):
        return lose_infrastructure(draft, ending, actions, config)
    if ending is not None:
        return finish_run(draft, ending, actions)

    waiting = fatal_waiting(pod)
    waiting_requeue = None
    if waiting is not None and pod is not None:
        since = waiting_since(pod)
        elapsed = seconds_between(since, draft.now) if since else config.image_pull_grace_seconds
        if elapsed >= config.image_pull_grace_seconds:
            failure = Outcome(Phase.FAILED, waiting.reason, waiting.message, runner_ran=False)
            return finish_run(draft, failure, actions)
        waiting_requeue = config.image_pull_grace_seconds - elapsed

    placement = scheduling(pod)
    if placement is not None:
        if placement.scheduled:
            draft.condition_true(ConditionType.POD_SCHEDULED, placement.reason, placement.message)
        else:
            draft.condition_false(ConditionType.POD_SCHEDULED, placement.reason, placement.message)

    if runner_running(pod):
        draft.phase = Phase.RUNNING
        draft.condition_true(ConditionType.RUNNER_STARTED, ConditionReason.CONTAINER_RUNNING, "Runner is running")
        health = content_health(pod)
        record_content_health(draft, health)
        maintenance, maintenance_requeue = running_maintenance(draft, config, content_ready=health.ready)
        actions.extend(maintenance)
        return draft.finish(actions, requeue_after=earliest(waiting_requeue, maintenance_requeue))

    # Not running yet: waiting is fine until the creation deadline, measured from the Job.
    started = created_at(job) if job else None
    elapsed = seconds_between(started, draft.now) if started else 0.0
    if draft.phase == Phase.CREATING and elapsed >= config.creation_deadline_seconds:
        detail = f": {placement.message}" if placement and not placement.scheduled and placement.message else ""
        message = f"Runner did not start within {int(config.creation_deadline_seconds)}s{detail}"
        failure = Outcome(Phase.FAILED, ConditionReason.CREATION_TIMEOUT, message, runner_ran=False)
        return finish_run(draft, failure, actions)
    deadline_requeue = config.creation_deadline_seconds - elapsed if draft.phase == Phase.CREATING else None
    requeue = earliest(config.creating_requeue_seconds, waiting_requeue, deadline_requeue)
    return draft.finish(actions, requeue_after=requeue)


def lose_infrastructure(
    draft: StatusDraft, loss: InfrastructureLoss, actions: list[Action], config: ReconcilerConfig
) -> Decision:
    """A new run on a new pod with the same PVC, unless the window's allowance is spent."""
    losses = [*losses_in_window(draft.status.get(LOSSES_FIELD), draft.now, config), draft.now_text]
    draft.status[LOSSES_FIELD] = losses
    if len(losses) > config.infrastructure_restart_limit:
        message = give_up_message(loss.cause, len(losses), config)
        return finish_run(draft, Outcome(Phase.FAILED, ConditionReason.INFRASTRUCTURE_LOST, message, True), actions)
    reset_to_pending(draft, ConditionReason.INFRASTRUCTURE_LOST, restart_message(loss.cause, len(losses), config))
    return draft.finish([*actions, *delete_run(draft.observed)], requeue_after=config.pending_requeue_seconds)


def record_content_health(draft: StatusDraft, health: ContentHealth) -> None:
    """Ready only when the workspace answers too: every workspace and git call goes through the
    content sidecar, so a session whose sidecar is starting or restarting is not ready to use."""
    if health.ready:
        draft.condition_true(ConditionType.CONTENT_SERVICE_READY, health.reason, health.message)
        draft.condition_true(ConditionType.READY, ConditionReason.RUNNING, "Session is running")
        return
    draft.condition_false(ConditionType.CONTENT_SERVICE_READY, health.reason, health.message)
    draft.condition_false(
        ConditionType.READY,
        ConditionReason.CONTENT_SERVICE_UNAVAILABLE,
        f"{health.message}; workspace and git calls answer 503 until it is ready",
    )


def finish_run(draft: StatusDraft, outcome: Outcome, actions: list[Action]) -> Decision:
    """Completed or Failed: record why, then delete the Job so the sidecar does not outlive the runner,
    and the token Secret so the run's credentials end with it."""
    observed = draft.observed
    draft.phase = outcome.phase
    draft.status["completionTime"] = draft.now_text
    if outcome.phase == Phase.COMPLETED:
        draft.condition_false(ConditionType.READY, ConditionReason.COMPLETED, outcome.message)
        draft.condition_false(ConditionType.RUNNER_STARTED, ConditionReason.COMPLETED, outcome.message)
        draft.remove_condition(ConditionType.FAILED)
        if observed.spec.get("interactive") is not True:
            actions.append(SetInteractive())
    else:
        draft.condition_true(ConditionType.FAILED, outcome.reason, outcome.message)
        draft.condition_false(ConditionType.READY, ConditionReason.FAILED, outcome.message)
        if outcome.runner_ran or draft.has_condition(ConditionType.RUNNER_STARTED):
            draft.condition_false(ConditionType.RUNNER_STARTED, ConditionReason.RUNNER_EXIT, outcome.message)
    if draft.has_condition(ConditionType.CONTENT_SERVICE_READY):
        draft.condition_false(ConditionType.CONTENT_SERVICE_READY, outcome.reason, "The run ended with its pod")
    if observed.job is not None and not is_deleting(observed.job):
        actions.append(DeleteJob(job_name(observed.name)))
    actions.append(revoke_runner_token(observed))
    return draft.finish(actions)


def running_maintenance(
    draft: StatusDraft, config: ReconcilerConfig, *, content_ready: bool
) -> tuple[list[Action], float | None]:
    """Keep the runner's token fresh, its Service present, and its repos/workflow in line with spec.

    Repos and workflow wait for a ready content service: asking one that is starting or restarting
    only fails; the pod's readiness change wakes the reconciler when it answers."""
    observed = draft.observed
    name = observed.name
    actions: list[Action] = []
    requeue = None
    if not observed.has(Kind.SECRET, token_secret_name(name)):
        actions.append(EnsureRunnerToken(token_secret_name(name), service_account_name(name)))
    else:
        age = _token_age(observed, draft)
        if age is None or age >= config.token_refresh_age_seconds:
            actions.append(RefreshToken(token_secret_name(name), service_account_name(name)))
        else:
            requeue = config.token_refresh_age_seconds - age
    actions.extend(content_access_actions(observed, config))
    actions.extend(content_step(draft, content_ready=content_ready))
    return actions, requeue


def _token_age(observed: Observed, draft: StatusDraft) -> float | None:
    if observed.token_refreshed_at is None:
        return None
    return seconds_between(observed.token_refreshed_at, draft.now)
