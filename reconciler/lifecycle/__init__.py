"""The pure decision core of the reconciler: observed state in, next status and actions out."""

from __future__ import annotations

from reconciler.lifecycle.actions import (
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
from reconciler.lifecycle.content import record_content_sync
from reconciler.lifecycle.decide import decide, decide_action_failure
from reconciler.lifecycle.merge_patch import apply_merge_patch, merge_patch
from reconciler.lifecycle.observed import Decision, Observed

__all__ = [
    "Action",
    "ClearIntent",
    "CopySecret",
    "CreateJob",
    "Decision",
    "DeleteCopiedSecrets",
    "DeleteJob",
    "DeletePod",
    "DeleteRunnerToken",
    "EnsurePVC",
    "EnsureRBAC",
    "EnsureRunnerToken",
    "EnsureService",
    "Observed",
    "ReconcileRepos",
    "ReconcileWorkflow",
    "RefreshToken",
    "SetInteractive",
    "apply_merge_patch",
    "decide",
    "decide_action_failure",
    "merge_patch",
    "record_content_sync",
]
