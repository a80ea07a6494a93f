"""The default ClusterRoles and ClusterRoleBindings a real cluster ships, for the core to create.

Rules are copied from kube's bootstrap policy (plugin/pkg/auth/authorizer/rbac/bootstrappolicy)
for the roles our platform relies on: cluster-admin, the aggregated admin/edit/view family, and
the system:discovery / basic-user / public-info-viewer pair every authenticated user gets.
"""

from __future__ import annotations

from typing import Any

from localkube.auth.constants import (
    AGGREGATE_TO_ADMIN,
    AGGREGATE_TO_EDIT,
    AGGREGATE_TO_VIEW,
    AUTOUPDATE_ANNOTATION,
    BOOTSTRAP_LABEL,
    BOOTSTRAP_LABEL_VALUE,
    GROUP_AUTHENTICATED,
    GROUP_MASTERS,
    GROUP_UNAUTHENTICATED,
    RBAC_GROUP,
)

READ = ["get", "list", "watch"]
WRITE = ["create", "delete", "deletecollection", "patch", "update"]
READ_WRITE = sorted(READ + WRITE)

DISCOVERY_URLS = [
    "/api",
    "/api/*",
    "/apis",
    "/apis/*",
    "/healthz",
    "/livez",
    "/openapi",
    "/openapi/*",
    "/readyz",
    "/version",
    "/version/",
]
PUBLIC_INFO_URLS = ["/healthz", "/livez", "/readyz", "/version", "/version/"]


def _rule(groups: list[str], resources: list[str], verbs: list[str]) -> dict[str, Any]:
    return {"apiGroups": groups, "resources": resources, "verbs": verbs}


def _cluster_role(
    name: str,
    rules: list[dict[str, Any]] | None = None,
    *,
    labels: dict[str, str] | None = None,
    aggregate_from: str | None = None,
) -> dict[str, Any]:
    role: dict[str, Any] = {
        "apiVersion": f"{RBAC_GROUP}/v1",
        "kind": "ClusterRole",
        "metadata": {
            "name": name,
            "labels": {BOOTSTRAP_LABEL: BOOTSTRAP_LABEL_VALUE, **(labels or {})},
            "annotations": {AUTOUPDATE_ANNOTATION: "true"},
        },
        "rules": rules or [],
    }
    if aggregate_from:
        role["aggregationRule"] = {"clusterRoleSelectors": [{"matchLabels": {aggregate_from: "true"}}]}
    return role


def _cluster_role_binding(name: str, groups: list[str]) -> dict[str, Any]:
    return {
        "apiVersion": f"{RBAC_GROUP}/v1",
        "kind": "ClusterRoleBinding",
        "metadata": {
            "name": name,
            "labels": {BOOTSTRAP_LABEL: BOOTSTRAP_LABEL_VALUE},
            "annotations": {AUTOUPDATE_ANNOTATION: "true"},
        },
        "roleRef": {"apiGroup": RBAC_GROUP, "kind": "ClusterRole", "name": name},
        "subjects": [{"apiGroup": RBAC_GROUP, "kind": "Group", "name": group} for group in groups],
    }


def _view_rules() -> list[dict[str, Any]]:
    return [
        _rule(
            [""],
            [
                "configmaps",
                "endpoints",
                "persistentvolumeclaims",
                "persistentvolumeclaims/status",
                "pods",
                "replicationcontrollers",
                "replicationcontrollers/scale",
                "serviceaccounts",
                "services",
                "services/status",
            ],
            READ,
        ),
        _rule(
            [""],
            [
                "bindings",
                "events",
                "limitranges",
                "namespaces/status",
                "pods/log",
                "pods/status",
                "replicationcontrollers/status",
                "resourcequotas",
                "resourcequotas/status",
            ],
            READ,
        ),
        # Reading namespaces from a namespaced binding means reading *this* namespace.
        _rule([""], ["namespaces"], READ),
        _rule(["discovery.k8s.io"], ["endpointslices"], READ),
        _rule(
            ["apps"],
            [
                "controllerrevisions",
                "daemonsets",
                "daemonsets/status",
                "deployments",
                "deployments/scale",
                "deployments/status",
                "replicasets",
                "replicasets/scale",
                "replicasets/status",
                "statefulsets",
                "statefulsets/scale",
                "statefulsets/status",
            ],
            READ,
        ),
        _rule(["autoscaling"], ["horizontalpodautoscalers", "horizontalpodautoscalers/status"], READ),
        _rule(["batch"], ["cronjobs", "cronjobs/status", "jobs", "jobs/status"], READ),
        _rule(["policy"], ["poddisruptionbudgets", "poddisruptionbudgets/status"], READ),
        _rule(["networking.k8s.io"], ["ingresses", "ingresses/status", "networkpolicies"], READ),
    ]


def _edit_rules() -> list[dict[str, Any]]:
    escalating = ["pods/attach", "pods/exec", "pods/portforward", "pods/proxy"]
    return [
        _rule([""], [*escalating, "secrets", "services/proxy"], READ),
        _rule([""], ["serviceaccounts"], ["impersonate"]),
        _rule([""], ["pods", *escalating], WRITE),
        _rule([""], ["pods/eviction"], ["create"]),
        _rule(
            [""],
            [
                "configmaps",
                "events",
                "persistentvolumeclaims",
                "replicationcontrollers",
                "replicationcontrollers/scale",
                "secrets",
                "serviceaccounts",
                "services",
                "services/proxy",
            ],
            WRITE,
        ),
        _rule([""], ["serviceaccounts/token"], ["create"]),
        _rule(
            ["apps"],
            [
                "daemonsets",
                "deployments",
                "deployments/rollback",
                "deployments/scale",
                "replicasets",
                "replicasets/scale",
                "statefulsets",
                "statefulsets/scale",
            ],
            WRITE,
        ),
        _rule(["autoscaling"], ["horizontalpodautoscalers"], WRITE),
        _rule(["batch"], ["cronjobs", "jobs"], WRITE),
        _rule(["policy"], ["poddisruptionbudgets"], WRITE),
        _rule(["networking.k8s.io"], ["ingresses", "networkpolicies"], WRITE),
        _rule(["coordination.k8s.io"], ["leases"], READ_WRITE),
    ]


def _admin_rules() -> list[dict[str, Any]]:
    return [
        _rule(["authorization.k8s.io"], ["localsubjectaccessreviews"], ["create"]),
        _rule([RBAC_GROUP], ["rolebindings", "roles"], READ_WRITE),
    ]


def always_on_cluster_roles() -> list[dict[str, Any]]:
    """Roles the authorizer applies even before (or without) the core storing them."""
    return [
        _cluster_role("system:discovery", [{"nonResourceURLs": DISCOVERY_URLS, "verbs": ["get"]}]),
        _cluster_role(
            "system:basic-user",
            [
                _rule(
                    ["authorization.k8s.io"],
                    ["selfsubjectaccessreviews", "selfsubjectrulesreviews"],
                    ["create"],
                ),
                _rule(["authentication.k8s.io"], ["selfsubjectreviews"], ["create"]),
            ],
        ),
        _cluster_role("system:public-info-viewer", [{"nonResourceURLs": PUBLIC_INFO_URLS, "verbs": ["get"]}]),
    ]


def always_on_cluster_role_bindings() -> list[dict[str, Any]]:
    return [
        _cluster_role_binding("system:discovery", [GROUP_AUTHENTICATED]),
        _cluster_role_binding("system:basic-user", [GROUP_AUTHENTICATED]),
        _cluster_role_binding("system:public-info-viewer", [GROUP_AUTHENTICATED, GROUP_UNAUTHENTICATED]),
    ]


def default_cluster_roles() -> list[dict[str, Any]]:
    """ClusterRoles to create on first start; ``rules`` of aggregated roles are filled on evaluation."""
    return [
        _cluster_role(
            "cluster-admin",
            [_rule(["*"], ["*"], ["*"]), {"nonResourceURLs": ["*"], "verbs": ["*"]}],
        ),
        _cluster_role("admin", aggregate_from=AGGREGATE_TO_ADMIN),
        _cluster_role("edit", labels={AGGREGATE_TO_ADMIN: "true"}, aggregate_from=AGGREGATE_TO_EDIT),
        _cluster_role("view", labels={AGGREGATE_TO_EDIT: "true"}, aggregate_from=AGGREGATE_TO_VIEW),
        _cluster_role("system:aggregate-to-admin", _admin_rules(), labels={AGGREGATE_TO_ADMIN: "true"}),
        _cluster_role("system:aggregate-to-edit", _edit_rules(), labels={AGGREGATE_TO_EDIT: "true"}),
        _cluster_role("system:aggregate-to-view", _view_rules(), labels={AGGREGATE_TO_VIEW: "true"}),
        _cluster_role(
            "system:auth-delegator",
            [
                _rule(["authentication.k8s.io"], ["tokenreviews"], ["create"]),
                _rule(["authorization.k8s.io"], ["subjectaccessreviews"], ["create"]),
            ],
        ),
        *always_on_cluster_roles(),
    ]


def default_cluster_role_bindings() -> list[dict[str, Any]]:
    """ClusterRoleBindings to create on first start (system:masters is also allowed without one)."""
    return [_cluster_role_binding("cluster-admin", [GROUP_MASTERS]), *always_on_cluster_role_bindings()]
