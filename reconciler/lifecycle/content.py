"""The Running step against the content service: repos and workflow follow the spec.

decide() only compares spec with status.reconciledRepos/reconciledWorkflow and emits
ReconcileRepos/ReconcileWorkflow; the task runs them against the session's content service
(reconciler/services/content_sync.py) and hands the outcome to record_content_sync, which writes
the result and, only when everything applied, observedGeneration.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from ambient.content.names import repo_name
from ambient.contract import ConditionReason, ConditionType
from reconciler.lifecycle.actions import Action, ReconcileRepos, ReconcileWorkflow
from reconciler.lifecycle.draft import StatusDraft
from reconciler.lifecycle.merge_patch import merge_patch
from reconciler.lifecycle.observed import Decision, Observed

REPO_READY = "Ready"
REPO_FAILED = "Failed"
WORKFLOW_ACTIVE = "Active"
WORKFLOW_FAILED = "Failed"


def desired_repos(spec: Mapping[str, Any]) -> tuple[dict[str, Any], ...]:
    repos = []
    for repo in spec.get("repos") or ():
        # The older {input: {url, branch}} shape is converted by the API; accept it here too.
        source = repo.get("input") or repo
        entry = {"name": repo_name({**source, "name": repo.get("name")}), "url": source.get("url")}
        if source.get("branch"):
            entry["branch"] = source["branch"]
        repos.append(entry)
    return tuple(repos)


def desired_workflow(spec: Mapping[str, Any]) -> dict[str, Any] | None:
    workflow = spec.get("activeWorkflow") or {}
    if not workflow.get("gitUrl"):
        return None
    return {key: workflow[key] for key in ("gitUrl", "branch", "path") if workflow.get(key)}


def _repo_key(repo: Mapping[str, Any]) -> tuple[str, str, str]:
    return (str(repo.get("name") or ""), str(repo.get("url") or ""), str(repo.get("branch") or ""))


def _workflow_key(workflow: Mapping[str, Any]) -> tuple[str, str, str]:
    return (str(workflow.get("gitUrl") or ""), str(workflow.get("branch") or ""), str(workflow.get("path") or ""))


def repos_in_sync(desired: Sequence[Mapping[str, Any]], reconciled: Sequence[Mapping[str, Any]]) -> bool:
    return sorted(map(_repo_key, desired)) == sorted(map(_repo_key, reconciled)) and all(
        repo.get("status") == REPO_READY for repo in reconciled
    )


def workflow_in_sync(desired: Mapping[str, Any] | None, reconciled: Mapping[str, Any] | None) -> bool:
    if desired is None:
        return True
    return (
        reconciled is not None
        and _workflow_key(desired) == _workflow_key(reconciled)
        and reconciled.get("status") == WORKFLOW_ACTIVE
    )


def content_step(draft: StatusDraft, *, content_ready: bool = True) -> list[Action]:
    """The repos/workflow actions this generation needs; with none, the generation is handled.

    Needed actions wait for a ready content service (asking one that is starting or restarting
    only fails), but a change with nothing for it to do is observed at once."""
    observed = draft.observed
    repos = desired_repos(observed.spec)
    reconciled_repos = tuple(draft.status.get("reconciledRepos") or ())
    workflow = desired_workflow(observed.spec)
    reconciled_workflow = draft.status.get("reconciledWorkflow")
    actions: list[Action] = []
    if not repos_in_sync(repos, reconciled_repos):
        actions.append(ReconcileRepos(observed.generation, repos, reconciled_repos))
    if not workflow_in_sync(workflow, reconciled_workflow):
        actions.append(ReconcileWorkflow(observed.generation, workflow, reconciled_workflow))
    if actions:
        return actions if content_ready else []
    # Nothing for the content service to do, so this generation is fully handled now.
    _set_content_conditions(draft, repos, workflow)
    if workflow is None:
        draft.pop("reconciledWorkflow")
    draft.status["observedGeneration"] = observed.generation
    return []


def _set_content_conditions(
    draft: StatusDraft, repos: Sequence[Mapping[str, Any]], workflow: Mapping[str, Any] | None
) -> None:
    if repos:
        draft.condition_true(ConditionType.REPOS_RECONCILED, ConditionReason.RECONCILED, "Repositories are cloned")
    else:
        draft.condition_true(ConditionType.REPOS_RECONCILED, ConditionReason.NO_REPOS, "No repositories configured")
    if workflow is None:
        draft.condition_true(
            ConditionType.WORKFLOW_RECONCILED, ConditionReason.NOT_CONFIGURED, "No workflow configured"
        )
    else:
        draft.condition_true(ConditionType.WORKFLOW_RECONCILED, ConditionReason.RECONCILED, "Workflow is active")


def record_content_sync(
    observed: Observed,
    *,
    generation: int,
    repos: Sequence[Mapping[str, Any]],
    workflow: Mapping[str, Any] | None,
    sdk_restarted: bool,
    now: datetime,
) -> Decision:
    """Status after the task ran ReconcileRepos/ReconcileWorkflow for `generation`.

    `repos` are reconciledRepos entries ({name, url, branch, status, clonedAt}); `workflow` the
    reconciledWorkflow entry or None. observedGeneration advances only if all of it applied.
    """
    draft = StatusDraft(observed, now)
    draft.status["reconciledRepos"] = [dict(repo) for repo in repos]
    failed = [repo for repo in repos if repo.get("status") != REPO_READY]
    if failed:
        draft.condition_false(ConditionType.REPOS_RECONCILED, ConditionReason.CLONE_FAILED, _failure_message(failed))
    wanted_workflow = desired_workflow(observed.spec)
    workflow_ok = wanted_workflow is None or (workflow is not None and workflow.get("status") == WORKFLOW_ACTIVE)
    if workflow is not None:
        draft.status["reconciledWorkflow"] = dict(workflow)
    elif wanted_workflow is None:
        draft.pop("reconciledWorkflow")
    if not workflow_ok:
        reason = str((workflow or {}).get("message") or "")
        draft.condition_false(
            ConditionType.WORKFLOW_RECONCILED,
            ConditionReason.CLONE_FAILED,
            f"Could not activate the workflow: {reason}" if reason else "Could not activate the workflow",
        )
    if sdk_restarted:
        draft.status["sdkRestartCount"] = int(draft.status.get("sdkRestartCount") or 0) + 1
    if not failed and workflow_ok:
        _set_content_conditions(draft, repos, wanted_workflow)
        draft.status["observedGeneration"] = generation
    elif not failed:
        draft.condition_true(
            ConditionType.REPOS_RECONCILED,
            ConditionReason.RECONCILED if repos else ConditionReason.NO_REPOS,
            "Repositories are cloned" if repos else "No repositories configured",
        )
    return draft.finish()


def _failure_message(failed: Sequence[Mapping[str, Any]]) -> str:
    """`Could not clone: a (git error…); b (…)`, bounded so a condition stays readable."""
    parts = [
        f"{repo.get('name')} ({repo.get('message')})" if repo.get("message") else str(repo.get("name"))
        for repo in failed
    ]
    return f"Could not clone: {'; '.join(parts)}"[:1024]


def content_sync_recorded(
    observed: Observed,
    decision: Decision,
    *,
    generation: int,
    repos: Sequence[Mapping[str, Any]],
    workflow: Mapping[str, Any] | None,
    sdk_restarted: bool,
    now: datetime,
) -> Decision:
    """`decision` (this pass's status) with the content-service outcome recorded on top of it."""
    decided = replace(observed, session={**dict(observed.session), "status": decision.status})
    recorded = record_content_sync(
        decided, generation=generation, repos=repos, workflow=workflow, sdk_restarted=sdk_restarted, now=now
    )
    return Decision(
        status=recorded.status,
        status_patch=merge_patch(observed.status, recorded.status),
        actions=decision.actions,
        transitions=(*decision.transitions, *recorded.transitions),
        requeue_after=decision.requeue_after,
        warnings=decision.warnings,
    )
