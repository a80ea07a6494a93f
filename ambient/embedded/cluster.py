"""Seeding the embedded localkube with a demo project."""

from __future__ import annotations

from kubernetes import client
from kubernetes.client.exceptions import ApiException

from ambient import kube
from ambient.embedded.identity import DEMO_PROJECT, DEMO_USERNAME
from sessions.api_constants import MANAGED_LABEL, MANAGED_LABEL_VALUE


def demo_project_ensure(*, cluster_role: str, creator_role: str | None = None) -> None:
    """A managed namespace `demo` in which the demo user holds `cluster_role`.

    With `creator_role`, the demo user may also create projects of its own: on a laptop the one
    user is the one who makes projects; a real cluster grants that ClusterRole deliberately.
    """
    with kube.control_plane_client() as api_client:
        core = client.CoreV1Api(api_client)
        rbac = client.RbacAuthorizationV1Api(api_client)
        namespace = client.V1Namespace(
            metadata=client.V1ObjectMeta(
                name=DEMO_PROJECT,
                labels={MANAGED_LABEL: MANAGED_LABEL_VALUE},
                annotations={"openshift.io/display-name": "Demo project"},
            )
        )
        _create_if_missing(lambda: core.create_namespace(namespace))
        binding = client.V1RoleBinding(
            metadata=client.V1ObjectMeta(name="demo-user-admin", namespace=DEMO_PROJECT),
            role_ref=client.V1RoleRef(api_group="rbac.authorization.k8s.io", kind="ClusterRole", name=cluster_role),
            subjects=[client.RbacV1Subject(kind="User", name=DEMO_USERNAME, api_group="rbac.authorization.k8s.io")],
        )
        _create_if_missing(lambda: rbac.create_namespaced_role_binding(DEMO_PROJECT, binding))
        if creator_role is not None:
            creator = client.V1ClusterRoleBinding(
                metadata=client.V1ObjectMeta(name="demo-user-project-creator"),
                role_ref=client.V1RoleRef(api_group="rbac.authorization.k8s.io", kind="ClusterRole", name=creator_role),
                subjects=[client.RbacV1Subject(kind="User", name=DEMO_USERNAME, api_group="rbac.authorization.k8s.io")],
            )
            _create_if_missing(lambda: rbac.create_cluster_role_binding(creator))


def _create_if_missing(create) -> None:
    try:
        create()
    except ApiException as exc:
        if exc.status != 409:
            raise
