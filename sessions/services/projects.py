"""Projects: namespaces labelled `ambient-code.io/managed=true`, created by the control plane.

Users cannot create namespaces or bind roles themselves, so the control plane does both, binding
the creator (known from TokenReview) to `ambient-project-admin` in the new namespace.
"""

from __future__ import annotations

import contextlib
import re

from django.conf import settings

from ambient.exceptions import ApplicationError, Conflict, Forbidden, NotFound
from sessions.api_constants import (
    ANNOTATION_PROJECT_DISPLAY_NAME,
    ANNOTATION_PROJECT_REQUESTER,
    LABEL_PROJECT_ROLE,
    MANAGED_LABEL,
    MANAGED_LABEL_VALUE,
    ROLE_ADMIN,
)
from sessions.auth import Caller
from sessions.gateway import AccessCheck, Identity, control_plane_gateway, is_already_exists
from sessions.selectors import Project, project_from_namespace, project_get

SERVICE_ACCOUNT_PREFIX = "system:serviceaccount:"
RBAC_GROUP = "rbac.authorization.k8s.io"
# Deleting a project is an admin's act: the admin role (only) may manage role bindings.
PROJECT_ADMIN_CHECK_VERB = "create"
PROJECT_ADMIN_CHECK_RESOURCE = "rolebindings"


def _binding_subject(identity: Identity) -> dict[str, str]:
    if identity.username.startswith(SERVICE_ACCOUNT_PREFIX):
        namespace, _, name = identity.username.removeprefix(SERVICE_ACCOUNT_PREFIX).partition(":")
        return {"kind": "ServiceAccount", "name": name, "namespace": namespace}
    return {"kind": "User", "name": identity.username, "apiGroup": RBAC_GROUP}


def _binding_name(identity: Identity) -> str:
    sanitized = re.sub(r"[^a-z0-9-]+", "-", identity.username.lower()).strip("-")
    return f"ambient-admin-{sanitized}"[:253].rstrip("-")


def _may_create_projects(identity: Identity) -> bool:
    allowed = set(settings.PROJECT_CREATOR_GROUPS)
    return not allowed or bool(allowed.intersection(identity.groups))


def project_create(*, caller: Caller, name: str, display_name: str = "") -> Project:
    """Create the managed namespace and make the caller its admin; undo the namespace on failure."""
    identity = caller.identity()
    if not caller.is_staff and not _may_create_projects(identity):
        raise Forbidden("You may not create projects: ask a platform admin to add you to a project-creator group.")
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
        namespace = gateway.namespace_create(body=body)
    except Conflict as error:
        if is_already_exists(error):
            raise Conflict(f"Project {name!r} already exists.", code="project_exists") from error
        raise
    if caller.is_staff:
        return project_from_namespace(namespace)  # staff act as the control plane; nothing to bind
    binding = {
        "apiVersion": f"{RBAC_GROUP}/v1",
        "kind": "RoleBinding",
        "metadata": {"name": _binding_name(identity), "labels": {LABEL_PROJECT_ROLE: "admin"}},
        "roleRef": {"apiGroup": RBAC_GROUP, "kind": "ClusterRole", "name": ROLE_ADMIN},
        "subjects": [_binding_subject(identity)],
    }
    try:
        gateway.role_binding_create(namespace=name, body=binding)
    except ApplicationError:
        gateway.namespace_delete(name=name)
        raise
    return project_from_namespace(namespace)


def project_delete(*, caller: Caller, name: str) -> None:
    """Delete the namespace and everything in it; only a project admin may."""
    project_get(caller=caller, name=name)
    caller.require(
        AccessCheck(
            namespace=name, verb=PROJECT_ADMIN_CHECK_VERB, resource=PROJECT_ADMIN_CHECK_RESOURCE, group=RBAC_GROUP
        ),
        f"Only an admin of project {name!r} may delete it.",
    )
    # Deleted concurrently is the outcome the caller asked for.
    with contextlib.suppress(NotFound):
        control_plane_gateway().namespace_delete(name=name)
