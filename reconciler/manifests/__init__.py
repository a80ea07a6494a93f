"""Pure builders for every object a session owns; each returns a plain dict manifest."""

from __future__ import annotations

from reconciler.manifests.job import active_deadline_seconds, session_job
from reconciler.manifests.metadata import Kind, Manifest, owner_reference, session_labels
from reconciler.manifests.network import content_network_policy, content_service
from reconciler.manifests.rbac import runner_role, runner_role_binding, runner_service_account
from reconciler.manifests.secrets import copied_secret, refreshed_token_patch, runner_token_secret
from reconciler.manifests.storage import workspace_pvc

__all__ = [
    "Kind",
    "Manifest",
    "active_deadline_seconds",
    "content_network_policy",
    "content_service",
    "copied_secret",
    "owner_reference",
    "refreshed_token_patch",
    "runner_role",
    "runner_role_binding",
    "runner_service_account",
    "runner_token_secret",
    "session_job",
    "session_labels",
    "workspace_pvc",
]
