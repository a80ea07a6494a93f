"""Stop: delete the Job (pods first), then report Stopped and release what the session held."""

from __future__ import annotations

from ambient.contract import (
    ConditionReason,
    ConditionType,
    DesiredPhase,
    Phase,
    StoppedReason,
    job_name,
    token_secret_name,
)
from reconciler.config import ReconcilerConfig
from reconciler.lifecycle.actions import (
    Action,
    ClearIntent,
    DeleteCopiedSecrets,
    DeleteJob,
    DeletePod,
    DeleteRunnerToken,
    SetInteractive,
)
from reconciler.lifecycle.draft import StatusDraft
from reconciler.lifecycle.intent import keys_to_clear, stopped_reason
from reconciler.lifecycle.observed import Decision, Observed
from reconciler.lifecycle.pod_state import is_deleting
from reconciler.manifests.metadata import Kind


def delete_run(observed: Observed) -> list[Action]:
    """Delete the Job and any pod that outlived it, skipping deletions already in progress."""
    actions: list[Action] = []
    if observed.job is not None and not is_deleting(observed.job):
        actions.append(DeleteJob(job_name(observed.name)))
    if observed.job is None and observed.pod is not None and not is_deleting(observed.pod):
        actions.append(DeletePod(str(observed.pod["metadata"]["name"])))
    return actions


def revoke_runner_token(observed: Observed) -> DeleteRunnerToken:
    """The run is over, so its token must stop working now rather than at its expiry.

    Emitted whether or not the Secret was seen: the children read may predate its creation, and a
    delete of an absent Secret costs one request.
    """
    return DeleteRunnerToken(token_secret_name(observed.name))


def run_present(observed: Observed) -> bool:
    return observed.job is not None or observed.pod is not None


def begin_stopping(draft: StatusDraft, config: ReconcilerConfig) -> Decision:
    draft.phase = Phase.STOPPING
    draft.condition_false(ConditionType.READY, ConditionReason.STOPPING, "Stop requested; deleting the runner Job")
    if draft.has_condition(ConditionType.CONTENT_SERVICE_READY):
        draft.condition_false(
            ConditionType.CONTENT_SERVICE_READY, ConditionReason.STOPPING, "The run is stopping with its pod"
        )
    return draft.finish(delete_run(draft.observed), requeue_after=config.stopping_requeue_seconds)


def run_ended(observed: Observed) -> bool:
    """No pod is left and the Job is gone or being deleted. The Job's foreground deletion removes its
    pods before the Job itself, and a Job being deleted makes no new pod: what remains is only the
    Job object waiting for the garbage collector, which holds neither the workspace nor a process."""
    return observed.pod is None and (observed.job is None or is_deleting(observed.job))


def decide_stopping(draft: StatusDraft, config: ReconcilerConfig) -> Decision:
    observed = draft.observed
    if not run_ended(observed):
        # Still going away: delete again only if the first delete did not land, then look again.
        return draft.finish(delete_run(observed), requeue_after=config.stopping_requeue_seconds)
    return finish_stopped(draft, config)


def finish_stopped(draft: StatusDraft, config: ReconcilerConfig) -> Decision:
    observed = draft.observed
    reason = stopped_reason(observed)
    inactive = reason is StoppedReason.INACTIVITY
    message = "Stopped after inactivity (spec.inactivityTimeout)" if inactive else "Stopped by user"
    draft.phase = Phase.STOPPED
    draft.status["completionTime"] = draft.now_text
    draft.status["stoppedReason"] = reason.value
    ready_reason = ConditionReason.INACTIVITY_TIMEOUT if inactive else ConditionReason.USER_STOPPED
    draft.condition_false(ConditionType.READY, ready_reason, message)
    draft.condition_false(ConditionType.RUNNER_STARTED, ConditionReason.USER_STOPPED, message)

    actions: list[Action] = [revoke_runner_token(observed)]
    copies = tuple(copy.name for copy in config.copied_secrets if observed.has(Kind.SECRET, copy.name))
    # Copied secrets are per namespace; another active session may still mount them.
    if copies and not observed.copied_secrets_shared:
        actions.append(DeleteCopiedSecrets(copies))
    if observed.spec.get("interactive") is not True:
        actions.append(SetInteractive())
    clear = keys_to_clear(observed, DesiredPhase.STOPPED)
    if clear:
        actions.append(ClearIntent(clear))
    return draft.finish(actions)
