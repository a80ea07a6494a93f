"""Carry out a decision's actions in order; each is idempotent to execute.

AlreadyExists on create and NotFound on delete count as success (someone — maybe an earlier run
of ours that died before recording it — already did it). The first failure stops the list and is
reported to the caller, which asks `decide_action_failure` for the status (the phase never moves).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ambient.contract import ANNOTATION_RUNNER_SA, ANNOTATION_RUNNER_TOKEN_SECRET
from ambient.exceptions import AlreadyExists, ApplicationError, NotFound
from ambient.kube import KubeGateway, failure_summary
from reconciler.config import ReconcilerConfig
from reconciler.lifecycle import (
    Action,
    ClearIntent,
    CopySecret,
    CreateJob,
    DeleteCopiedSecrets,
    DeleteJob,
    DeletePod,
    DeleteRunnerToken,
    EnsurePVC,
    EnsureRBAC,
    EnsureRunnerToken,
    EnsureService,
    ReconcileRepos,
    ReconcileWorkflow,
    RefreshToken,
    SetInteractive,
)
from reconciler.manifests import Kind, copied_secret, owner_reference
from reconciler.manifests.secrets import is_copied_secret
from reconciler.services import content_sync, session_writes, tokens

KubeObject = dict[str, Any]


class ActionFailed(Exception):
    """An action could not be carried out; the message goes into the action's condition."""


@dataclass
class Execution:
    """The session as last written by us (our own metadata/spec writes move its resourceVersion)."""

    session: KubeObject
    config: ReconcilerConfig
    now: datetime
    done: list[Action] = field(default_factory=list)
    failed: Action | None = None
    failure_message: str = ""
    # What the content-service actions did this pass (recorded by content_sync.content_sync_finish).
    content: content_sync.ContentOutcome | None = None

    @property
    def namespace(self) -> str:
        return str(self.session["metadata"]["namespace"])


def actions_execute(
    cluster: KubeGateway,
    session: Mapping[str, Any],
    actions: tuple[Action, ...],
    config: ReconcilerConfig,
    now: datetime,
) -> Execution:
    execution = Execution(session=dict(session), config=config, now=now)
    for action in actions:
        handler = _HANDLERS[type(action)]
        try:
            handler(cluster, execution, action)
        except (ApplicationError, ActionFailed) as error:
            execution.failed = action
            execution.failure_message = _message(error)
            break
        execution.done.append(action)
    return execution


def _message(error: Exception) -> str:
    if isinstance(error, ApplicationError):
        return failure_summary(error)[:1024]
    return str(error)[:1024]


def _create(cluster: KubeGateway, namespace: str, manifest: Mapping[str, Any]) -> None:
    try:
        cluster.create(str(manifest["kind"]), namespace, dict(manifest))
    except AlreadyExists:
        return


def _delete(cluster: KubeGateway, kind: str, namespace: str, name: str, propagation: str | None = None) -> None:
    try:
        cluster.delete(kind, namespace, name, propagation=propagation)
    except NotFound:
        return


def _ensure_pvc(cluster: KubeGateway, execution: Execution, action: EnsurePVC) -> None:
    _create(cluster, execution.namespace, action.manifest)


def _ensure_service(cluster: KubeGateway, execution: Execution, action: EnsureService) -> None:
    for manifest in action.manifests:
        _create(cluster, execution.namespace, manifest)


def _create_job(cluster: KubeGateway, execution: Execution, action: CreateJob) -> None:
    _create(cluster, execution.namespace, action.manifest)


def _ensure_rbac(cluster: KubeGateway, execution: Execution, action: EnsureRBAC) -> None:
    for manifest in action.manifests:
        _create(cluster, execution.namespace, manifest)


def _copy_secret(cluster: KubeGateway, execution: Execution, action: CopySecret) -> None:
    source = cluster.get(Kind.SECRET, action.source_namespace, action.name)
    if source is None:
        if action.required:
            raise ActionFailed(f"Required secret {action.name} not found in namespace {action.source_namespace}")
        return
    session = execution.session
    try:
        cluster.create(Kind.SECRET, execution.namespace, copied_secret(session, source))
        return
    except AlreadyExists:
        pass
    # Another session's copy: add ourselves as a (non-controller) owner so GC waits for us too.
    existing = cluster.get(Kind.SECRET, execution.namespace, action.name)
    if existing is None:
        return
    if not is_copied_secret(existing):
        # A user's own Secret of that name: never adopt it (GC and the stop cleanup would delete it).
        raise ActionFailed(
            f"Secret {action.name} in namespace {execution.namespace} was not copied by Ambient; "
            "rename or remove it so the control plane's copy can be made"
        )
    references = list((existing.get("metadata") or {}).get("ownerReferences") or [])
    if any(reference.get("uid") == session["metadata"]["uid"] for reference in references):
        return
    references.append(owner_reference(session, controller=False))
    patch = {"metadata": {"ownerReferences": references, "resourceVersion": existing["metadata"]["resourceVersion"]}}
    cluster.patch(Kind.SECRET, execution.namespace, action.name, patch)


def _ensure_runner_token(cluster: KubeGateway, execution: Execution, action: EnsureRunnerToken) -> None:
    tokens.runner_token_create(
        cluster,
        execution.session,
        secret_name=action.secret_name,
        service_account=action.service_account_name,
        now=execution.now,
    )
    execution.session = session_writes.metadata_write(
        cluster,
        execution.session,
        session_writes.annotations_set(
            {ANNOTATION_RUNNER_SA: action.service_account_name, ANNOTATION_RUNNER_TOKEN_SECRET: action.secret_name}
        ),
    )


def _refresh_token(cluster: KubeGateway, execution: Execution, action: RefreshToken) -> None:
    tokens.runner_token_refresh(
        cluster,
        execution.namespace,
        secret_name=action.secret_name,
        service_account=action.service_account_name,
        now=execution.now,
    )


def _delete_job(cluster: KubeGateway, execution: Execution, action: DeleteJob) -> None:
    _delete(cluster, Kind.JOB, execution.namespace, action.name, action.propagation)


def _delete_pod(cluster: KubeGateway, execution: Execution, action: DeletePod) -> None:
    _delete(cluster, Kind.POD, execution.namespace, action.name)


def _delete_copied_secrets(cluster: KubeGateway, execution: Execution, action: DeleteCopiedSecrets) -> None:
    for name in action.names:
        existing = cluster.get(Kind.SECRET, execution.namespace, name)
        if existing is not None and is_copied_secret(existing):
            _delete(cluster, Kind.SECRET, execution.namespace, name)


def _delete_runner_token(cluster: KubeGateway, execution: Execution, action: DeleteRunnerToken) -> None:
    _delete(cluster, Kind.SECRET, execution.namespace, action.secret_name)


def _set_interactive(cluster: KubeGateway, execution: Execution, action: SetInteractive) -> None:
    execution.session = session_writes.metadata_write(
        cluster, execution.session, session_writes.interactive_set(action.value)
    )


def _clear_intent(cluster: KubeGateway, execution: Execution, action: ClearIntent) -> None:
    read = (execution.session.get("metadata") or {}).get("annotations") or {}
    expected = {key: read[key] for key in action.annotations if key in read}
    execution.session = session_writes.metadata_write(
        cluster, execution.session, session_writes.annotations_remove(action.annotations, expected)
    )


def _content_outcome(execution: Execution, generation: int) -> content_sync.ContentOutcome:
    if execution.content is None:
        execution.content = content_sync.ContentOutcome(generation=generation)
    return execution.content


def _reconcile_repos(cluster: KubeGateway, execution: Execution, action: ReconcileRepos) -> None:
    try:
        content_sync.repos_reconcile(
            execution.session,
            action,
            _content_outcome(execution, action.generation),
            execution.now,
        )
    except content_sync.ContentSyncUnavailable as error:
        raise ActionFailed(str(error)) from error


def _reconcile_workflow(cluster: KubeGateway, execution: Execution, action: ReconcileWorkflow) -> None:
    try:
        content_sync.workflow_reconcile(
            execution.session,
            action,
            _content_outcome(execution, action.generation),
            execution.now,
        )
    except content_sync.ContentSyncUnavailable as error:
        raise ActionFailed(str(error)) from error


_HANDLERS: dict[type[Action], Callable[[KubeGateway, Execution, Any], None]] = {
    EnsurePVC: _ensure_pvc,
    CopySecret: _copy_secret,
    EnsureRBAC: _ensure_rbac,
    EnsureRunnerToken: _ensure_runner_token,
    RefreshToken: _refresh_token,
    EnsureService: _ensure_service,
    CreateJob: _create_job,
    DeleteJob: _delete_job,
    DeletePod: _delete_pod,
    DeleteCopiedSecrets: _delete_copied_secrets,
    DeleteRunnerToken: _delete_runner_token,
    SetInteractive: _set_interactive,
    ClearIntent: _clear_intent,
    ReconcileRepos: _reconcile_repos,
    ReconcileWorkflow: _reconcile_workflow,
}
