"""What the task layer must do after a decision, in order; each action is idempotent to execute.

Executors treat AlreadyExists on create and NotFound on delete as success, stop at the first
failure and report it through `decide_action_failure` (a failed pass never changes the phase).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from ambient.contract import ConditionReason, ConditionType

Manifest = dict[str, Any]
# Condition type and False reason a failure of this action is reported under (None: no condition).
FailureCondition = tuple[ConditionType, ConditionReason] | None


@dataclass(frozen=True)
class Action:
    failure_condition: ClassVar[FailureCondition] = None


@dataclass(frozen=True)
class EnsurePVC(Action):
    manifest: Manifest = field(hash=False)
    failure_condition: ClassVar[FailureCondition] = (
        ConditionType.PVC_READY,
        ConditionReason.PROVISIONING_FAILED,
    )


@dataclass(frozen=True)
class CopySecret(Action):
    """Copy control-plane secret `name` into the session namespace (see manifests.copied_secret).

    If the copy exists and another session controls it, append this session's owner reference.
    """

    name: str
    source_namespace: str
    required: bool
    failure_condition: ClassVar[FailureCondition] = (
        ConditionType.SECRETS_READY,
        ConditionReason.RUNNER_SECRET_MISSING,
    )


@dataclass(frozen=True)
class EnsureRBAC(Action):
    """Create the runner's ServiceAccount, Role and RoleBinding (whichever are missing)."""

    manifests: tuple[Manifest, ...] = field(hash=False)
    failure_condition: ClassVar[FailureCondition] = (
        ConditionType.SECRETS_READY,
        ConditionReason.TOKEN_PROVISION_FAILED,
    )


@dataclass(frozen=True)
class EnsureRunnerToken(Action):
    """TokenRequest for the ServiceAccount + random content token → manifests.runner_token_secret;
    also annotate the CR with runner-sa / runner-token-secret."""

    secret_name: str
    service_account_name: str
    failure_condition: ClassVar[FailureCondition] = (
        ConditionType.SECRETS_READY,
        ConditionReason.TOKEN_PROVISION_FAILED,
    )


@dataclass(frozen=True)
class RefreshToken(Action):
    """New TokenRequest into the existing Secret (manifests.refreshed_token_patch)."""

    secret_name: str
    service_account_name: str
    failure_condition: ClassVar[FailureCondition] = (
        ConditionType.SECRETS_READY,
        ConditionReason.TOKEN_PROVISION_FAILED,
    )


@dataclass(frozen=True)
class DeleteRunnerToken(Action):
    """Delete the runner's token Secret when its run ends: every JWT the Secret carried is bound to it
    (TokenRequest boundObjectRef), so the API server refuses them from then on, whatever their expiry.
    The next start's Pending pass makes a new Secret and a new binding."""

    secret_name: str


@dataclass(frozen=True)
class EnsureService(Action):
    """The content sidecar's Service and the NetworkPolicy that guards its port (create-if-missing)."""

    manifests: tuple[Manifest, ...] = field(hash=False)


@dataclass(frozen=True)
class CreateJob(Action):
    manifest: Manifest = field(hash=False)
    failure_condition: ClassVar[FailureCondition] = (ConditionType.JOB_CREATED, ConditionReason.CREATE_FAILED)


@dataclass(frozen=True)
class DeleteJob(Action):
    name: str
    # Foreground: the Job disappears only after its pods, so "Job gone" means "pods gone".
    propagation: str = "Foreground"


@dataclass(frozen=True)
class DeletePod(Action):
    """A runner pod that outlived its Job (e.g. the Job was deleted with orphan propagation)."""

    name: str


@dataclass(frozen=True)
class DeleteCopiedSecrets(Action):
    names: tuple[str, ...]


@dataclass(frozen=True)
class SetInteractive(Action):
    """spec.interactive=true so a restarted session keeps chatting instead of re-running the prompt."""

    value: bool = True


@dataclass(frozen=True)
class ClearIntent(Action):
    """Remove these annotations (metadata write carrying the read resourceVersion)."""

    annotations: tuple[str, ...]


@dataclass(frozen=True)
class ReconcileRepos(Action):
    """Content-service step: clone missing or changed repos, remove the ones the spec dropped.

    The task runs it against the session's content service (services/content_sync.py) and hands
    the outcome to lifecycle.record_content_sync.
    """

    generation: int
    desired: tuple[Manifest, ...] = field(hash=False)
    reconciled: tuple[Manifest, ...] = field(hash=False)
    failure_condition: ClassVar[FailureCondition] = (
        ConditionType.REPOS_RECONCILED,
        ConditionReason.CONTENT_SERVICE_UNAVAILABLE,
    )


@dataclass(frozen=True)
class ReconcileWorkflow(Action):
    """Content-service step: clone and activate spec.activeWorkflow (services/content_sync.py runs it)."""

    generation: int
    desired: Manifest | None = field(hash=False)
    reconciled: Manifest | None = field(hash=False)
    failure_condition: ClassVar[FailureCondition] = (
        ConditionType.WORKFLOW_RECONCILED,
        ConditionReason.CONTENT_SERVICE_UNAVAILABLE,
    )
