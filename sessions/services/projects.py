"""Projects: namespaces labelled `ambient-code.io/managed=true`, created by the control plane.

Users cannot create namespaces or bind roles themselves, so the control plane does both, binding
the creator to `ambient-project-admin` in the new namespace. Because those writes carry the control
plane's identity, the caller is verified afresh first (TokenReview and SelfSubjectAccessReview, no
cached answers), and creating needs an explicit right: RBAC `create` on `projects` in the API group
`vteam.ambient-code` at cluster scope (ClusterRole `ambient-project-creator`). ServiceAccounts (runner
tokens included) never create projects, and each user has a quota of live projects.
"""

from __future__ import annotations

import contextlib
import re

from django.conf import settings

from ambient.contract import GROUP
from ambient.exceptions import AlreadyExists, ApplicationError, Conflict, Forbidden, NotFound
from ambient.kube import NAMESPACE, ROLE_BINDING, AccessCheck, Identity, control_plane_gateway
from sessions.api_constants import (
    ANNOTATION_PROJECT_DISPLAY_NAME,
    ANNOTATION_PROJECT_REQUESTER,
    LABEL_PROJECT_ROLE,
    MANAGED_LABEL,
    MANAGED_LABEL_VALUE,
    MANAGED_SELECTOR,
    ROLE_ADMIN,
    ROLE_PROJECT_CREATOR,
)
from sessions.auth import Caller
from sessions.selectors import Project, project_from_namespace, project_get

SERVICE_ACCOUNT_PREFIX = "system:serviceaccount:"
SERVICE_ACCOUNTS_GROUP = "system:serviceaccounts"
RBAC_GROUP = "rbac.authorization.k8s.io"
# The right to create projects, as RBAC sees it (cluster scope: no namespace).
PROJECT_CREATE_CHECK = AccessCheck(namespace="", verb="create", resource="projects", group=GROUP)
PROJECT_CREATOR_ROLE = ROLE_PROJECT_CREATOR
CODE_PROJECT_QUOTA = "project_quota_exceeded"
# Deleting a project is an admin's act: the admin role (only) may manage role bindings.
PROJECT_ADMIN_CHECK_VERB = "create"
PROJECT_ADMIN_CHECK_RESOURCE = "rolebindings"


def is_service_account(identity: Identity) -> bool:
    return identity.username.startswith(SERVICE_ACCOUNT_PREFIX) or SERVICE_ACCOUNTS_GROUP in identity.groups


def _binding_name(identity: Identity) -> str:
    sanitized = re.sub(r"[^a-z0-9-]+", "-", identity.username.lower()).strip("-")
    return f"ambient-admin-{sanitized}"[:253].rstrip("-")


def _require_creator(caller: Caller, identity: Identity) -> None:
    if is_service_account(identity):
        raise Forbidden(
            "ServiceAccounts (runner tokens included) may not create projects: use a person's token.",
            code="project_creation_forbidden",
        )
    if not caller.can(PROJECT_CREATE_CHECK, fresh=True):
        raise Forbidden(
            f"You may not create projects: ask a platform admin to bind you to the ClusterRole "
            f"{PROJECT_CREATOR_ROLE!r} (RBAC `create` on `projects` in API group {GROUP!r}).",
            code="project_creation_forbidden",
            details={"verb": PROJECT_CREATE_CHECK.verb, "resource": PROJECT_CREATE_CHECK.resource, "group": GROUP},
        )


def projects_requested_by(username: str) -> int:
    """Live managed projects whose requester annotation names `username`."""
    namespaces = control_plane_gateway().list(NAMESPACE, label_selector=MANAGED_SELECTOR)
    return sum(
        1
        for namespace in namespaces
        if ((namespace.get("metadata") or {}).get("annotations") or {}).get(ANNOTATION_PROJECT_REQUESTER) == username
    )


def _require_quota(identity: Identity) -> None:
    # Checked before the create: a user's requests in flight at once can pass it together.
    quota = settings.PROJECT_QUOTA_PER_USER
    if quota <= 0:
        return
    owned = projects_requested_by(identity.username)
    if owned >= quota:
        raise Forbidden(
            f"You have created {owned} projects, the most one user may ({quota}): delete one or ask a platform admin.",
            code=CODE_PROJECT_QUOTA,
            details={"quota": quota, "projects": owned},
        )


def project_create(*, caller: Caller, name: str, display_name: str = "") -> Project:
    """Create the managed namespace and make the caller its admin; undo the namespace on failure."""
    identity = caller.identity(fresh=True)
    _require_creator(caller, identity)
    _require_quota(identity)
    gateway = control_plane_gateway()
    annotations = {ANNOTATION_PROJECT_DISPLAY_NAME: display_name or name}
    if identity.username:
        annotations[ANNOTATION_PROJECT_REQUESTER] = identity.username
    body = {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": name, "labels": {MANAGED_LABEL: MANAGED_LABEL_VALUE}, "annotations": annotations},
    }
    try:
        namespace = gateway.create(NAMESPACE, None, body)
    except AlreadyExists as error:
        raise Conflict(f"Project {name!r} already exists.", code="project_exists") from error
    binding = {
        "apiVersion": f"{RBAC_GROUP}/v1",
        "kind": "RoleBinding",
        "metadata": {"name": _binding_name(identity), "labels": {LABEL_PROJECT_ROLE: "admin"}},
        "roleRef": {"apiGroup": RBAC_GROUP, "kind": "ClusterRole", "name": ROLE_ADMIN},
        "subjects": [{"kind": "User", "name": identity.username, "apiGroup": RBAC_GROUP}],
    }
    try:
        gateway.create(ROLE_BINDING, name, binding)
    except ApplicationError:
        gateway.delete(NAMESPACE, None, name)
        raise
    return project_from_namespace(namespace)


def project_delete(*, caller: Caller, name: str) -> None:
    """Delete the namespace and everything in it; only a project admin may (verified afresh)."""
    caller.identity(fresh=True)
    project_get(caller=caller, name=name)
    check = AccessCheck(
        namespace=name, verb=PROJECT_ADMIN_CHECK_VERB, resource=PROJECT_ADMIN_CHECK_RESOURCE, group=RBAC_GROUP
    )
    if not caller.can(check, fresh=True):
        raise Forbidden(
            f"Only an admin of project {name!r} may delete it.",
            details={"verb": check.verb, "resource": check.resource, "namespace": name},
        )
    # Deleted concurrently is the outcome the caller asked for.
    with contextlib.suppress(NotFound):
        control_plane_gateway().delete(NAMESPACE, None, name)
