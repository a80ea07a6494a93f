"""A dict-backed ObjectReader and builders for the RBAC objects the tests store in it."""

from __future__ import annotations

import uuid
from typing import Any

from localkube.auth.constants import RBAC_GROUP
from localkube.interfaces import KubeObject

RBAC_VERSION = f"{RBAC_GROUP}/v1"


class MemoryReader:
    """The ObjectReader seam over a dict: (group, resource, namespace, name) → object."""

    def __init__(self) -> None:
        self.objects: dict[tuple[str, str, str | None, str], KubeObject] = {}

    def put(self, group: str, resource: str, obj: KubeObject) -> KubeObject:
        metadata = obj.setdefault("metadata", {})
        metadata.setdefault("uid", str(uuid.uuid4()))
        key = (group, resource, metadata.get("namespace"), metadata["name"])
        self.objects[key] = obj
        return obj

    def delete(self, group: str, resource: str, namespace: str | None, name: str) -> None:
        del self.objects[(group, resource, namespace, name)]

    def get_object(self, group: str, resource: str, namespace: str | None, name: str) -> KubeObject | None:
        return self.objects.get((group, resource, namespace, name))

    def list_objects(self, group: str, resource: str, namespace: str | None = None) -> list[KubeObject]:
        return [
            obj
            for (obj_group, obj_resource, obj_namespace, _name), obj in self.objects.items()
            if obj_group == group and obj_resource == resource and (namespace is None or obj_namespace == namespace)
        ]

    # Builders: each stores the object and returns it.

    def service_account(self, namespace: str, name: str) -> KubeObject:
        return self.put(
            "",
            "serviceaccounts",
            {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"namespace": namespace, "name": name}},
        )

    def role(self, namespace: str, name: str, rules: list[dict[str, Any]]) -> KubeObject:
        return self.put(
            RBAC_GROUP,
            "roles",
            {
                "apiVersion": RBAC_VERSION,
                "kind": "Role",
                "metadata": {"namespace": namespace, "name": name},
                "rules": rules,
            },
        )

    def cluster_role(
        self,
        name: str,
        rules: list[dict[str, Any]] | None = None,
        *,
        labels: dict[str, str] | None = None,
        aggregation_rule: dict[str, Any] | None = None,
    ) -> KubeObject:
        role: KubeObject = {
            "apiVersion": RBAC_VERSION,
            "kind": "ClusterRole",
            "metadata": {"name": name, "labels": labels or {}},
            "rules": rules or [],
        }
        if aggregation_rule is not None:
            role["aggregationRule"] = aggregation_rule
        return self.put(RBAC_GROUP, "clusterroles", role)

    def role_binding(
        self, namespace: str, name: str, role_kind: str, role_name: str, subjects: list[dict[str, Any]]
    ) -> KubeObject:
        return self.put(
            RBAC_GROUP,
            "rolebindings",
            {
                "apiVersion": RBAC_VERSION,
                "kind": "RoleBinding",
                "metadata": {"namespace": namespace, "name": name},
                "roleRef": {"apiGroup": RBAC_GROUP, "kind": role_kind, "name": role_name},
                "subjects": subjects,
            },
        )

    def cluster_role_binding(self, name: str, role_name: str, subjects: list[dict[str, Any]]) -> KubeObject:
        return self.put(
            RBAC_GROUP,
            "clusterrolebindings",
            {
                "apiVersion": RBAC_VERSION,
                "kind": "ClusterRoleBinding",
                "metadata": {"name": name},
                "roleRef": {"apiGroup": RBAC_GROUP, "kind": "ClusterRole", "name": role_name},
                "subjects": subjects,
            },
        )


def user_subject(name: str) -> dict[str, str]:
    return {"apiGroup": RBAC_GROUP, "kind": "User", "name": name}


def group_subject(name: str) -> dict[str, str]:
    return {"apiGroup": RBAC_GROUP, "kind": "Group", "name": name}


def sa_subject(name: str, namespace: str | None = None) -> dict[str, str]:
    subject = {"kind": "ServiceAccount", "name": name}
    if namespace is not None:
        subject["namespace"] = namespace
    return subject


def rule(groups: list[str], resources: list[str], verbs: list[str], names: list[str] | None = None) -> dict[str, Any]:
    built: dict[str, Any] = {"apiGroups": groups, "resources": resources, "verbs": verbs}
    if names:
        built["resourceNames"] = names
    return built
