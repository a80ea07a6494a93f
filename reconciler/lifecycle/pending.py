"""Pending: ensure every child, then the Job; Creating once the Job for this run exists."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from ambient.contract import (
    ConditionReason,
    ConditionType,
    DesiredPhase,
    Phase,
    job_name,
    pvc_name,
    role_binding_name,
    role_name,
    service_account_name,
    token_secret_name,
)
from reconciler.config import ReconcilerConfig
from reconciler.lifecycle.actions import (
    Action,
    ClearIntent,
    CopySecret,
    CreateJob,
    EnsurePVC,
    EnsureRBAC,
    EnsureRunnerToken,
)
from reconciler.lifecycle.content_access import content_access_actions
from reconciler.lifecycle.draft import StatusDraft
from reconciler.lifecycle.intent import Intent, keys_to_clear
from reconciler.lifecycle.job_state import TIMEOUT_FIELD, describe_duration, job_deadline_seconds
from reconciler.lifecycle.observed import Decision, Observed
from reconciler.lifecycle.pod_state import is_deleting, job_belongs_to_run, job_generation
from reconciler.lifecycle.run_identity import record_run_identity
from reconciler.lifecycle.stopping import begin_stopping, delete_run, finish_stopped, run_present
from reconciler.manifests import (
    Kind,
    runner_role,
    runner_role_binding,
    runner_service_account,
    session_job,
    workspace_pvc,
)
from reconciler.manifests.environment import shadowing_warnings


def decide_pending(draft: StatusDraft, intent: Intent, config: ReconcilerConfig) -> Decision:
    observed = draft.observed
    if intent.stop:
        if run_present(observed):
            return begin_stopping(draft, config)
        return finish_stopped(draft, config)

    job = observed.job
    start_time = draft.status.get("startTime")
    if job is not None and (is_deleting(job) or not job_belongs_to_run(job, start_time)):
        # A previous run's Job: wait until it (and with it the pod holding the PVC) is gone.
        return draft.finish(delete_run(observed), requeue_after=config.stopping_requeue_seconds)
    if job is None and observed.pod is not None:
        return draft.finish(delete_run(observed), requeue_after=config.stopping_requeue_seconds)

    actions = ensure_children(draft, config)
    if job is not None:
        return enter_creating(draft, intent, actions, config)

    missing = sorted(config.required_secret_names & observed.missing_secrets)
    if missing:
        # Never a crash: report and look again; the Job would only fail on the missing envFrom.
        draft.condition_false(
            ConditionType.SECRETS_READY,
            ConditionReason.RUNNER_SECRET_MISSING,
            f"Required secret(s) {', '.join(missing)} not found in namespace {config.control_plane_namespace}",
        )
        return draft.finish(actions, requeue_after=config.secret_missing_requeue_seconds)

    generation = observed.generation
    keys = observed.copied_secret_keys
    manifest = session_job(
        observed.session, config, start_time=str(start_time), generation=generation, copied_secret_keys=keys
    )
    actions.append(CreateJob(manifest))
    warnings = record_run_identity(draft, config) + shadowing_warnings(observed.session, config, keys)
    # This status is written only once every action above succeeded (a failed one keeps Pending
    # through decide_action_failure), so by then the children and the Job exist: Creating in the
    # same pass, instead of one more pass only to see them.
    _children_ready(draft)
    return enter_creating(draft, intent, actions, config, job=manifest, warnings=warnings)


def ensure_children(draft: StatusDraft, config: ReconcilerConfig) -> list[Action]:
    """Create-if-missing actions in dependency order; conditions for what already exists."""
    observed = draft.observed
    session, name = observed.session, observed.name
    actions: list[Action] = []

    if observed.has(Kind.PERSISTENT_VOLUME_CLAIM, pvc_name(name)):
        _pvc_ready(draft)
    else:
        actions.append(EnsurePVC(workspace_pvc(session, config)))

    for copy in config.copied_secrets:
        if copy.name not in observed.missing_secrets and not observed.has(Kind.SECRET, copy.name):
            actions.append(CopySecret(copy.name, config.control_plane_namespace, copy.required))

    rbac = (
        (Kind.SERVICE_ACCOUNT, service_account_name(name), partial(runner_service_account, config=config)),
        (Kind.ROLE, role_name(name), runner_role),
        (Kind.ROLE_BINDING, role_binding_name(name), runner_role_binding),
    )
    missing_rbac = tuple(build(session) for kind, child, build in rbac if not observed.has(kind, child))
    if missing_rbac:
        actions.append(EnsureRBAC(missing_rbac))
    if not observed.has(Kind.SECRET, token_secret_name(name)):
        actions.append(EnsureRunnerToken(token_secret_name(name), service_account_name(name)))
    actions.extend(content_access_actions(observed, config))

    if _secrets_ready(observed, config):
        _secrets_in_place(draft)
    return actions


def _pvc_ready(draft: StatusDraft) -> None:
    draft.condition_true(ConditionType.PVC_READY, ConditionReason.CREATED, "Workspace volume exists")


def _secrets_in_place(draft: StatusDraft) -> None:
    draft.condition_true(
        ConditionType.SECRETS_READY,
        ConditionReason.ALL_REQUIRED_SECRETS_FOUND,
        "Runner token and required secrets are in place",
    )


def _children_ready(draft: StatusDraft) -> None:
    """What every child's existence implies, for the pass whose actions create the missing ones."""
    _pvc_ready(draft)
    _secrets_in_place(draft)


def _secrets_ready(observed: Observed, config: ReconcilerConfig) -> bool:
    name = observed.name
    needed = [
        (Kind.SERVICE_ACCOUNT, service_account_name(name)),
        (Kind.ROLE, role_name(name)),
        (Kind.ROLE_BINDING, role_binding_name(name)),
        (Kind.SECRET, token_secret_name(name)),
        *((Kind.SECRET, secret) for secret in config.required_secret_names),
    ]
    return all(observed.has(kind, child) for kind, child in needed)


def enter_creating(
    draft: StatusDraft,
    intent: Intent,
    actions: list[Action],
    config: ReconcilerConfig,
    *,
    job: Mapping[str, Any] | None = None,
    warnings: tuple[str, ...] = (),
) -> Decision:
    """Creating, for the Job read (or, from the pass that creates it, the Job's manifest)."""
    observed = draft.observed
    job = job if job is not None else (observed.job or {})
    draft.phase = Phase.CREATING
    draft.status["jobName"] = job_name(observed.name)
    # The spec generation the Job was built from, which may be older than the one read now.
    draft.status["observedGeneration"] = job_generation(job) or observed.generation
    # The deadline in force is the Job's own (it may predate a change of spec.timeout or the default).
    deadline = job_deadline_seconds(job)
    limit = f"timeout {describe_duration(deadline)}" if deadline else "no timeout"
    if deadline:
        draft.status[TIMEOUT_FIELD] = deadline
    else:
        draft.pop(TIMEOUT_FIELD)
    draft.condition_true(
        ConditionType.JOB_CREATED, ConditionReason.CREATED, f"Job {job_name(observed.name)} exists ({limit})"
    )
    if intent.start:
        clear = keys_to_clear(observed, DesiredPhase.RUNNING)
        if clear:
            actions.append(ClearIntent(clear))
    return draft.finish(actions, requeue_after=config.creating_requeue_seconds, warnings=warnings)
