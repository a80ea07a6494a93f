"""Seeding the embedded localkube with a demo project, and RBAC for the admin console's superuser."""

from __future__ import annotations

import contextlib

from ambient import kube
from ambient.embedded.identity import DEMO_PROJECT, DEMO_USERNAME
from sessions.api_constants import MANAGED_LABEL, MANAGED_LABEL_VALUE

RBAC_GROUP = "rbac.authorization.k8s.io"


def demo_project_ensure(*, cluster_role: str, creator_role: str | None = None) -> None:
    """A managed namespace `demo` in which the demo user holds `cluster_role`.

    With `creator_role`, the demo user may also create projects of its own: on a laptop the one
    user is the one who makes projects; a real cluster grants that ClusterRole deliberately.
    """
    gateway = kube.control_plane_gateway()
    namespace = {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {
            "name": DEMO_PROJECT,
            "labels": {MANAGED_LABEL: MANAGED_LABEL_VALUE},
            "annotations": {"openshift.io/display-name": "Demo project"},
        },
    }
    with contextlib.suppress(kube.AlreadyExists):
        gateway.create(kube.NAMESPACE, None, namespace)
    binding = _demo_user_binding("demo-user-admin", "RoleBinding", cluster_role)
    with contextlib.suppress(kube.AlreadyExists):
        gateway.create(kube.ROLE_BINDING, DEMO_PROJECT, binding)
    if creator_role is not None:
        creator = _demo_user_binding("demo-user-project-creator", "ClusterRoleBinding", creator_role)
        with contextlib.suppress(kube.AlreadyExists):
            gateway.create(kube.CLUSTER_ROLE_BINDING, None, creator)


def _demo_user_binding(name: str, kind: str, cluster_role: str) -> dict[str, object]:
    return {
        "apiVersion": f"{RBAC_GROUP}/v1",
        "kind": kind,
        "metadata": {"name": name},
        "roleRef": {"apiGroup": RBAC_GROUP, "kind": "ClusterRole", "name": cluster_role},
        "subjects": [{"kind": "User", "name": DEMO_USERNAME, "apiGroup": RBAC_GROUP}],
    }


def console_admin_access_ensure(*, username: str, cluster_role: str, creator_role: str) -> None:
    """The embedded superuser administers sessions in every project from the console.

    The console acts as the staff user through impersonation, so RBAC must allow that user; on a
    laptop the one operator sees everything (ClusterRoleBindings); a real cluster binds deliberately.
    """
    gateway = kube.control_plane_gateway()
    for name, role in (
        (f"console-{username}-admin", cluster_role),
        (f"console-{username}-project-creator", creator_role),
    ):
        binding = {
            "apiVersion": f"{RBAC_GROUP}/v1",
            "kind": "ClusterRoleBinding",
            "metadata": {"name": name},
            "roleRef": {"apiGroup": RBAC_GROUP, "kind": "ClusterRole", "name": role},
            "subjects": [{"kind": "User", "name": username, "apiGroup": RBAC_GROUP}],
        }
        with contextlib.suppress(kube.AlreadyExists):
            gateway.create(kube.CLUSTER_ROLE_BINDING, None, binding)
