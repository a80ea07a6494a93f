"""The default roles: present, well-formed, and granting what a real cluster's admin/edit/view grant."""

from __future__ import annotations

from localkube.auth import RBACAuthorizer
from localkube.auth.bootstrap import default_cluster_role_bindings, default_cluster_roles
from localkube.auth.constants import AGGREGATE_TO_ADMIN, AGGREGATE_TO_EDIT, AGGREGATE_TO_VIEW, RBAC_GROUP
from localkube.auth.tests.support import MemoryReader
from localkube.interfaces import RequestAttributes, UserInfo


def by_name() -> dict[str, dict]:
    return {role["metadata"]["name"]: role for role in default_cluster_roles()}


def test_default_cluster_roles_are_well_formed_manifests() -> None:
    roles = default_cluster_roles()
    names = [role["metadata"]["name"] for role in roles]
    assert len(names) == len(set(names))
    assert {"cluster-admin", "admin", "edit", "view", "system:discovery", "system:basic-user"} <= set(names)
    for role in roles:
        assert role["apiVersion"] == f"{RBAC_GROUP}/v1"
        assert role["kind"] == "ClusterRole"
        assert role["metadata"]["labels"]["kubernetes.io/bootstrapping"] == "rbac-defaults"
        for rule in role["rules"]:
            assert rule["verbs"]
            assert ("nonResourceURLs" in rule) != ("resources" in rule)


def test_aggregation_labels_chain_view_into_edit_into_admin() -> None:
    roles = by_name()

    def selector(name: str) -> dict[str, str]:
        return roles[name]["aggregationRule"]["clusterRoleSelectors"][0]["matchLabels"]

    assert selector("admin") == {AGGREGATE_TO_ADMIN: "true"}
    assert selector("edit") == {AGGREGATE_TO_EDIT: "true"}
    assert selector("view") == {AGGREGATE_TO_VIEW: "true"}
    assert roles["edit"]["metadata"]["labels"][AGGREGATE_TO_ADMIN] == "true"
    assert roles["view"]["metadata"]["labels"][AGGREGATE_TO_EDIT] == "true"
    assert roles["cluster-admin"]["rules"][0] == {"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}


def test_manifests_are_fresh_copies() -> None:
    first = default_cluster_roles()
    first[0]["metadata"]["name"] = "mutated"
    assert default_cluster_roles()[0]["metadata"]["name"] == "cluster-admin"


def test_default_bindings_make_system_masters_cluster_admin() -> None:
    reader = MemoryReader()
    for role in default_cluster_roles():
        reader.put(RBAC_GROUP, "clusterroles", role)
    for binding in default_cluster_role_bindings():
        reader.put(RBAC_GROUP, "clusterrolebindings", binding)
    names = {binding["metadata"]["name"] for binding in default_cluster_role_bindings()}
    assert names == {"cluster-admin", "system:discovery", "system:basic-user", "system:public-info-viewer"}
    # Without the privileged-group shortcut, the stored binding alone makes masters all-powerful.
    authorizer = RBACAuthorizer(reader, always_on_policy=False)
    admin = UserInfo("root", groups=("system:masters",))
    attrs = RequestAttributes(user=UserInfo("root", groups=("other",)), verb="get", resource="pods", namespace="x")
    assert authorizer.authorize(attrs)[0] is False
    stored = authorizer.authorize(RequestAttributes(user=admin, verb="delete", resource="nodes", name="n"))
    assert stored[0] is True


def test_edit_covers_what_the_platform_needs_and_view_stays_read_only() -> None:
    reader = MemoryReader()
    for role in default_cluster_roles():
        reader.put(RBAC_GROUP, "clusterroles", role)
    authorizer = RBACAuthorizer(reader)
    edit = authorizer.cluster_role_rules("edit")
    view = authorizer.cluster_role_rules("view")
    assert edit is not None
    assert view is not None
    assert all(set(rule["verbs"]) <= {"get", "list", "watch"} for rule in view)
    edit_resources = {resource for rule in edit for resource in rule.get("resources", [])}
    assert {"pods", "secrets", "jobs", "leases", "serviceaccounts/token", "pods/log", "configmaps"} <= edit_resources
