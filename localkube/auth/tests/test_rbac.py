"""RBACAuthorizer over stored objects: every binding path, aggregation, and kube's reason texts."""

from __future__ import annotations

from localkube.auth import RBACAuthorizer
from localkube.auth.bootstrap import default_cluster_role_bindings, default_cluster_roles
from localkube.auth.constants import RBAC_GROUP
from localkube.auth.tests.support import MemoryReader, group_subject, rule, sa_subject, user_subject
from localkube.interfaces import RequestAttributes, UserInfo

ALICE = UserInfo("alice", groups=("dev", "system:authenticated"))
BUILDER = UserInfo(
    "system:serviceaccount:team:builder",
    groups=("system:serviceaccounts", "system:serviceaccounts:team", "system:authenticated"),
)


def can(
    authorizer: RBACAuthorizer,
    user: UserInfo,
    verb: str,
    resource: str,
    *,
    namespace: str = "",
    group: str = "",
    subresource: str = "",
    name: str = "",
) -> tuple[bool, str]:
    return authorizer.authorize(
        RequestAttributes(
            user=user,
            verb=verb,
            api_group=group,
            resource=resource,
            subresource=subresource,
            namespace=namespace,
            name=name,
        )
    )


def can_get_path(authorizer: RBACAuthorizer, user: UserInfo, path: str, verb: str = "get") -> tuple[bool, str]:
    return authorizer.authorize(RequestAttributes(user=user, verb=verb, path=path, resource_request=False))


def test_nothing_bound_is_denied_without_reason(authorizer: RBACAuthorizer) -> None:
    assert can(authorizer, ALICE, "list", "pods", namespace="team") == (False, "")


def test_role_via_role_binding_allows_only_in_its_namespace(reader: MemoryReader, authorizer: RBACAuthorizer) -> None:
    reader.role("team", "pod-reader", [rule([""], ["pods"], ["get", "list", "watch"])])
    reader.role_binding("team", "read-pods", "Role", "pod-reader", [user_subject("alice")])

    assert can(authorizer, ALICE, "list", "pods", namespace="team") == (
        True,
        'RBAC: allowed by RoleBinding "read-pods/team" of Role "pod-reader" to User "alice"',
    )
    assert can(authorizer, ALICE, "delete", "pods", namespace="team", name="x")[0] is False
    assert can(authorizer, ALICE, "list", "pods", namespace="other")[0] is False
    # Listing across namespaces is a cluster-scope request: RoleBindings never grant it.
    assert can(authorizer, ALICE, "list", "pods")[0] is False


def test_cluster_role_via_role_binding_is_scoped_to_the_binding_namespace(
    reader: MemoryReader, authorizer: RBACAuthorizer
) -> None:
    reader.cluster_role("secret-reader", [rule([""], ["secrets"], ["get"])])
    reader.role_binding("team", "read-secrets", "ClusterRole", "secret-reader", [user_subject("alice")])

    assert can(authorizer, ALICE, "get", "secrets", namespace="team", name="s") == (
        True,
        'RBAC: allowed by RoleBinding "read-secrets/team" of ClusterRole "secret-reader" to User "alice"',
    )
    assert can(authorizer, ALICE, "get", "secrets", namespace="other", name="s")[0] is False
    assert can(authorizer, ALICE, "get", "secrets", name="s")[0] is False


def test_cluster_role_binding_allows_everywhere(reader: MemoryReader, authorizer: RBACAuthorizer) -> None:
    reader.cluster_role("job-admin", [rule(["batch"], ["jobs"], ["*"])])
    reader.cluster_role_binding("jobs-for-dev", "job-admin", [group_subject("dev")])

    expected = (True, 'RBAC: allowed by ClusterRoleBinding "jobs-for-dev" of ClusterRole "job-admin" to Group "dev"')
    assert can(authorizer, ALICE, "create", "jobs", group="batch", namespace="a") == expected
    assert can(authorizer, ALICE, "list", "jobs", group="batch") == expected
    assert can(authorizer, ALICE, "list", "jobs", group="apps")[0] is False


def test_group_subject_does_not_match_other_groups(reader: MemoryReader, authorizer: RBACAuthorizer) -> None:
    reader.cluster_role("reader", [rule(["*"], ["*"], ["get"])])
    reader.cluster_role_binding("ops-read", "reader", [group_subject("ops")])
    assert can(authorizer, ALICE, "get", "pods", namespace="team", name="p")[0] is False
    ops_user = UserInfo("carol", groups=("ops",))
    assert can(authorizer, ops_user, "get", "pods", namespace="team", name="p")[0] is True


def test_service_account_subject_with_and_without_namespace(reader: MemoryReader, authorizer: RBACAuthorizer) -> None:
    reader.role("team", "cm-writer", [rule([""], ["configmaps"], ["create", "update"])])
    reader.role_binding("team", "implicit-ns", "Role", "cm-writer", [sa_subject("builder")])
    assert can(authorizer, BUILDER, "create", "configmaps", namespace="team") == (
        True,
        'RBAC: allowed by RoleBinding "implicit-ns/team" of Role "cm-writer" to ServiceAccount "builder/team"',
    )

    reader.cluster_role("lease-taker", [rule(["coordination.k8s.io"], ["leases"], ["*"])])
    reader.cluster_role_binding("leases", "lease-taker", [sa_subject("builder", "team")])
    assert can(authorizer, BUILDER, "update", "leases", group="coordination.k8s.io", namespace="x", name="l") == (
        True,
        'RBAC: allowed by ClusterRoleBinding "leases" of ClusterRole "lease-taker" to ServiceAccount "builder/team"',
    )


def test_service_account_group_subject(reader: MemoryReader, authorizer: RBACAuthorizer) -> None:
    reader.cluster_role("viewer", [rule([""], ["pods"], ["list"])])
    reader.role_binding("team", "all-sas-here", "ClusterRole", "viewer", [group_subject("system:serviceaccounts:team")])
    assert can(authorizer, BUILDER, "list", "pods", namespace="team")[0] is True
    assert can(authorizer, ALICE, "list", "pods", namespace="team")[0] is False


def test_resource_names_and_subresources(reader: MemoryReader, authorizer: RBACAuthorizer) -> None:
    reader.role(
        "team",
        "narrow",
        [
            rule([""], ["configmaps"], ["get", "update"], names=["settings"]),
            rule([""], ["pods/log"], ["get"]),
            rule(["batch"], ["*/status"], ["patch"]),
        ],
    )
    reader.role_binding("team", "narrow", "Role", "narrow", [user_subject("alice")])

    assert can(authorizer, ALICE, "get", "configmaps", namespace="team", name="settings")[0] is True
    assert can(authorizer, ALICE, "get", "configmaps", namespace="team", name="other")[0] is False
    assert can(authorizer, ALICE, "list", "configmaps", namespace="team")[0] is False
    assert can(authorizer, ALICE, "get", "pods", namespace="team", name="p", subresource="log")[0] is True
    assert can(authorizer, ALICE, "get", "pods", namespace="team", name="p")[0] is False
    assert can(authorizer, ALICE, "patch", "jobs", group="batch", namespace="team", name="j", subresource="status")[0]
    assert can(authorizer, ALICE, "patch", "jobs", group="batch", namespace="team", name="j")[0] is False


def test_wildcards(reader: MemoryReader, authorizer: RBACAuthorizer) -> None:
    reader.role("team", "all", [rule(["*"], ["*"], ["*"])])
    reader.role_binding("team", "all", "Role", "all", [user_subject("alice")])
    assert can(authorizer, ALICE, "deletecollection", "widgets", group="example.com", namespace="team")[0] is True
    assert can(authorizer, ALICE, "get", "pods", namespace="team", name="p", subresource="exec")[0] is True
    assert can(authorizer, ALICE, "get", "namespaces", name="team")[0] is False


def test_non_resource_urls_from_cluster_role(reader: MemoryReader, authorizer: RBACAuthorizer) -> None:
    reader.cluster_role("metrics", [{"nonResourceURLs": ["/metrics", "/debug/*"], "verbs": ["get"]}])
    reader.cluster_role_binding("metrics", "metrics", [user_subject("alice")])
    assert can_get_path(authorizer, ALICE, "/metrics")[0] is True
    assert can_get_path(authorizer, ALICE, "/debug/pprof/heap")[0] is True
    assert can_get_path(authorizer, ALICE, "/metrics", verb="post")[0] is False
    assert can_get_path(authorizer, ALICE, "/logs")[0] is False


def test_non_resource_urls_in_a_role_binding_grant_nothing(reader: MemoryReader, authorizer: RBACAuthorizer) -> None:
    reader.cluster_role("metrics", [{"nonResourceURLs": ["/metrics"], "verbs": ["get"]}])
    reader.role_binding("team", "metrics", "ClusterRole", "metrics", [user_subject("alice")])
    assert can_get_path(authorizer, ALICE, "/metrics")[0] is False


def test_discovery_is_built_in_for_authenticated_users(authorizer: RBACAuthorizer) -> None:
    for path in (
        "/api",
        "/api/v1",
        "/apis",
        "/apis/batch/v1",
        "/version",
        "/healthz",
        "/readyz",
        "/livez",
        "/openapi/v2",
    ):
        assert can_get_path(authorizer, ALICE, path)[0] is True, path
    assert can_get_path(authorizer, ALICE, "/api") == (
        True,
        'RBAC: allowed by ClusterRoleBinding "system:discovery" of ClusterRole "system:discovery" '
        'to Group "system:authenticated"',
    )
    assert can_get_path(authorizer, ALICE, "/metrics")[0] is False
    assert can_get_path(authorizer, ALICE, "/api", verb="post")[0] is False
    not_authenticated = UserInfo("mallory", groups=())
    assert can_get_path(authorizer, not_authenticated, "/api")[0] is False


def test_every_authenticated_user_may_review_itself(authorizer: RBACAuthorizer) -> None:
    allowed, reason = can(authorizer, ALICE, "create", "selfsubjectaccessreviews", group="authorization.k8s.io")
    assert allowed
    assert 'ClusterRoleBinding "system:basic-user"' in reason
    assert can(authorizer, ALICE, "create", "subjectaccessreviews", group="authorization.k8s.io")[0] is False


def test_always_on_policy_can_be_left_out(reader: MemoryReader) -> None:
    assert can_get_path(RBACAuthorizer(reader, always_on_policy=False), ALICE, "/api") == (False, "")


def test_system_masters_is_always_allowed(authorizer: RBACAuthorizer) -> None:
    admin = UserInfo("root", groups=("system:masters",))
    assert can(authorizer, admin, "delete", "namespaces", name="kube-system") == (True, "")
    assert can_get_path(authorizer, admin, "/anything", verb="put")[0] is True


def test_aggregated_cluster_role_resolves_transitively(reader: MemoryReader, authorizer: RBACAuthorizer) -> None:
    for role in default_cluster_roles():
        reader.put(RBAC_GROUP, "clusterroles", role)
    reader.role_binding("team", "alice-edit", "ClusterRole", "edit", [user_subject("alice")])
    reader.role_binding("team", "bob-view", "ClusterRole", "view", [user_subject("bob")])
    reader.role_binding("team", "carol-admin", "ClusterRole", "admin", [user_subject("carol")])
    bob, carol = UserInfo("bob"), UserInfo("carol")

    # edit aggregates view's rules (view carries the aggregate-to-edit label).
    assert can(authorizer, ALICE, "create", "pods", namespace="team")[0] is True
    assert can(authorizer, ALICE, "list", "pods", namespace="team")[0] is True
    assert can(authorizer, ALICE, "create", "serviceaccounts", namespace="team", name="sa", subresource="token")[0]
    assert can(authorizer, ALICE, "create", "roles", group=RBAC_GROUP, namespace="team")[0] is False
    assert can(authorizer, bob, "list", "pods", namespace="team")[0] is True
    assert can(authorizer, bob, "get", "secrets", namespace="team", name="s")[0] is False
    assert can(authorizer, bob, "create", "pods", namespace="team")[0] is False
    assert can(authorizer, carol, "create", "rolebindings", group=RBAC_GROUP, namespace="team")[0] is True
    assert can(authorizer, carol, "delete", "jobs", group="batch", namespace="team", name="j")[0] is True
    assert can(authorizer, carol, "get", "pods", namespace="team", name="p", subresource="log")[0] is True


def test_aggregation_picks_up_custom_roles_and_drops_removed_ones(
    reader: MemoryReader, authorizer: RBACAuthorizer
) -> None:
    selector = {"clusterRoleSelectors": [{"matchLabels": {"example.com/aggregate-to-monitor": "true"}}]}
    reader.cluster_role("monitor", [rule([""], ["stale"], ["get"])], aggregation_rule=selector)
    reader.cluster_role_binding("monitor", "monitor", [user_subject("alice")])
    # Rules stored on an aggregated role are the controller's to overwrite: they grant nothing here.
    assert can(authorizer, ALICE, "get", "stale", name="x")[0] is False

    widget_reader = reader.cluster_role(
        "widget-reader",
        [rule(["example.com"], ["widgets"], ["get"])],
        labels={"example.com/aggregate-to-monitor": "true"},
    )
    assert can(authorizer, ALICE, "get", "widgets", group="example.com", name="w") == (
        True,
        'RBAC: allowed by ClusterRoleBinding "monitor" of ClusterRole "monitor" to User "alice"',
    )
    assert authorizer.cluster_role_rules("monitor") == [rule(["example.com"], ["widgets"], ["get"])]
    widget_reader["metadata"]["labels"] = {}
    assert can(authorizer, ALICE, "get", "widgets", group="example.com", name="w")[0] is False


def test_aggregation_cycle_terminates(reader: MemoryReader, authorizer: RBACAuthorizer) -> None:
    reader.cluster_role(
        "a",
        [rule([""], ["pods"], ["get"])],
        labels={"agg": "b"},
        aggregation_rule={"clusterRoleSelectors": [{"matchLabels": {"agg": "a"}}]},
    )
    reader.cluster_role(
        "b",
        [rule([""], ["secrets"], ["get"])],
        labels={"agg": "a"},
        aggregation_rule={"clusterRoleSelectors": [{"matchLabels": {"agg": "b"}}]},
    )
    assert authorizer.cluster_role_rules("a") is not None
    assert authorizer.cluster_role_rules("missing") is None


def test_missing_role_is_reported_in_the_denial_reason(reader: MemoryReader, authorizer: RBACAuthorizer) -> None:
    reader.role_binding("team", "dangling", "Role", "gone", [user_subject("alice")])
    reader.cluster_role_binding("dangling", "gone-too", [user_subject("alice")])
    assert can(authorizer, ALICE, "get", "pods", namespace="team", name="p") == (
        False,
        f'RBAC: [clusterrole.{RBAC_GROUP} "gone-too" not found, role.{RBAC_GROUP} "gone" not found]',
    )
    # Bindings for someone else are never looked into.
    assert can(authorizer, UserInfo("bob"), "get", "pods", namespace="team", name="p") == (False, "")


def test_cluster_role_binding_to_a_role_grants_nothing(reader: MemoryReader, authorizer: RBACAuthorizer) -> None:
    reader.role("team", "r", [rule(["*"], ["*"], ["*"])])
    binding = reader.cluster_role_binding("bad", "r", [user_subject("alice")])
    binding["roleRef"]["kind"] = "Role"
    assert can(authorizer, ALICE, "get", "pods", namespace="team", name="p")[0] is False


def test_stored_bootstrap_bindings_replace_the_built_in_ones(reader: MemoryReader, authorizer: RBACAuthorizer) -> None:
    for role in default_cluster_roles():
        reader.put(RBAC_GROUP, "clusterroles", role)
    for binding in default_cluster_role_bindings():
        reader.put(RBAC_GROUP, "clusterrolebindings", binding)
    assert can_get_path(authorizer, ALICE, "/apis")[0] is True
    # An operator may narrow system:discovery on a real cluster; the stored object wins.
    reader.objects[(RBAC_GROUP, "clusterrolebindings", None, "system:discovery")]["subjects"] = [group_subject("ops")]
    assert can_get_path(authorizer, ALICE, "/apis")[0] is False


def test_rules_for_lists_cluster_and_namespace_grants(reader: MemoryReader, authorizer: RBACAuthorizer) -> None:
    reader.role("team", "pod-reader", [rule([""], ["pods"], ["get"])])
    reader.role_binding("team", "read-pods", "Role", "pod-reader", [user_subject("alice")])
    rules, errors = authorizer.rules_for(ALICE, "team")
    assert errors == []
    assert rule([""], ["pods"], ["get"]) in rules
    assert any(r.get("nonResourceURLs") for r in rules)
    assert rule([""], ["pods"], ["get"]) not in authorizer.rules_for(ALICE, "other")[0]
    masters_rules, _ = authorizer.rules_for(UserInfo("root", groups=("system:masters",)), "team")
    assert {"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]} in masters_rules
