"""Table tests for single-rule matching, mirroring kube's rbac RuleAllows cases."""

from __future__ import annotations

from typing import Any

import pytest

from localkube.auth.rules import applies_to_user, describe_subject, label_selector_matches, rule_allows
from localkube.interfaces import RequestAttributes, UserInfo

USER = UserInfo("alice", groups=("dev",))


def resource_request(
    verb: str, resource: str, *, group: str = "", subresource: str = "", name: str = "", namespace: str = "ns"
) -> RequestAttributes:
    return RequestAttributes(
        user=USER,
        verb=verb,
        api_group=group,
        resource=resource,
        subresource=subresource,
        name=name,
        namespace=namespace,
    )


def path_request(verb: str, path: str) -> RequestAttributes:
    return RequestAttributes(user=USER, verb=verb, path=path, resource_request=False)


PODS_READ = {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}


@pytest.mark.parametrize(
    ("rule", "attrs", "allowed"),
    [
        (PODS_READ, resource_request("get", "pods"), True),
        (PODS_READ, resource_request("delete", "pods"), False),
        (PODS_READ, resource_request("get", "pods", group="apps"), False),
        (PODS_READ, resource_request("get", "services"), False),
        # A plain resource does not cover its subresources.
        (PODS_READ, resource_request("get", "pods", subresource="log"), False),
        (
            {"apiGroups": [""], "resources": ["pods/log"], "verbs": ["get"]},
            resource_request("get", "pods", subresource="log"),
            True,
        ),
        ({"apiGroups": [""], "resources": ["pods/log"], "verbs": ["get"]}, resource_request("get", "pods"), False),
        (
            {"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]},
            resource_request("patch", "jobs", group="batch"),
            True,
        ),
        # "*" covers subresources too; "*/status" covers any resource's status and nothing else.
        (
            {"apiGroups": ["*"], "resources": ["*"], "verbs": ["get"]},
            resource_request("get", "pods", subresource="log"),
            True,
        ),
        (
            {"apiGroups": ["batch"], "resources": ["*/status"], "verbs": ["update"]},
            resource_request("update", "jobs", group="batch", subresource="status"),
            True,
        ),
        (
            {"apiGroups": ["batch"], "resources": ["*/status"], "verbs": ["update"]},
            resource_request("update", "jobs", group="batch"),
            False,
        ),
        (
            {"apiGroups": ["batch"], "resources": ["*/status"], "verbs": ["update"]},
            resource_request("update", "jobs", group="batch", subresource="scale"),
            False,
        ),
        # resourceNames restrict to named requests; list (no name) never matches.
        ({**PODS_READ, "resourceNames": ["web"]}, resource_request("get", "pods", name="web"), True),
        ({**PODS_READ, "resourceNames": ["web"]}, resource_request("get", "pods", name="db"), False),
        ({**PODS_READ, "resourceNames": ["web"]}, resource_request("list", "pods"), False),
        # nonResourceURLs: exact, trailing-* prefix, and "*"; resource rules never match paths.
        ({"nonResourceURLs": ["/healthz"], "verbs": ["get"]}, path_request("get", "/healthz"), True),
        ({"nonResourceURLs": ["/healthz"], "verbs": ["get"]}, path_request("get", "/healthz/etcd"), False),
        ({"nonResourceURLs": ["/healthz"], "verbs": ["get"]}, path_request("post", "/healthz"), False),
        ({"nonResourceURLs": ["/apis/*"], "verbs": ["get"]}, path_request("get", "/apis/batch/v1"), True),
        ({"nonResourceURLs": ["/apis/*"], "verbs": ["get"]}, path_request("get", "/apis"), False),
        ({"nonResourceURLs": ["*"], "verbs": ["*"]}, path_request("delete", "/anything"), True),
        ({"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}, path_request("get", "/version"), False),
        ({"nonResourceURLs": ["*"], "verbs": ["*"]}, resource_request("get", "pods"), False),
        # A rule with no verbs or groups grants nothing.
        ({"apiGroups": [""], "resources": ["pods"]}, resource_request("get", "pods"), False),
        ({"resources": ["pods"], "verbs": ["get"]}, resource_request("get", "pods"), False),
    ],
)
def test_rule_allows(rule: dict[str, Any], attrs: RequestAttributes, allowed: bool) -> None:
    assert rule_allows(attrs, rule) is allowed


SA_USER = UserInfo("system:serviceaccount:team:builder", groups=("system:serviceaccounts",))


@pytest.mark.parametrize(
    ("user", "subject", "binding_namespace", "applies"),
    [
        (USER, {"kind": "User", "name": "alice"}, "", True),
        (USER, {"kind": "User", "name": "bob"}, "", False),
        (USER, {"kind": "Group", "name": "dev"}, "", True),
        (USER, {"kind": "Group", "name": "ops"}, "", False),
        (SA_USER, {"kind": "ServiceAccount", "name": "builder", "namespace": "team"}, "", True),
        (SA_USER, {"kind": "ServiceAccount", "name": "builder", "namespace": "other"}, "team", False),
        # A RoleBinding may leave out the namespace of a ServiceAccount subject: it means its own.
        (SA_USER, {"kind": "ServiceAccount", "name": "builder"}, "team", True),
        (SA_USER, {"kind": "ServiceAccount", "name": "builder"}, "", False),
        (SA_USER, {"kind": "User", "name": "system:serviceaccount:team:builder"}, "", True),
        (USER, {"kind": "Robot", "name": "alice"}, "", False),
    ],
)
def test_applies_to_user(user: UserInfo, subject: dict[str, str], binding_namespace: str, applies: bool) -> None:
    assert applies_to_user(user, subject, binding_namespace) is applies


def test_describe_subject_qualifies_service_accounts() -> None:
    assert describe_subject({"kind": "User", "name": "u"}, "ns") == 'User "u"'
    assert describe_subject({"kind": "ServiceAccount", "name": "sa"}, "ns") == 'ServiceAccount "sa/ns"'
    assert describe_subject({"kind": "ServiceAccount", "name": "sa", "namespace": "x"}, "ns") == 'ServiceAccount "sa/x"'


@pytest.mark.parametrize(
    ("selector", "labels", "matches"),
    [
        ({"matchLabels": {"a": "1"}}, {"a": "1", "b": "2"}, True),
        ({"matchLabels": {"a": "1"}}, {"a": "2"}, False),
        ({"matchExpressions": [{"key": "a", "operator": "In", "values": ["1", "2"]}]}, {"a": "2"}, True),
        ({"matchExpressions": [{"key": "a", "operator": "NotIn", "values": ["1"]}]}, {}, True),
        ({"matchExpressions": [{"key": "a", "operator": "NotIn", "values": ["1"]}]}, {"a": "1"}, False),
        ({"matchExpressions": [{"key": "a", "operator": "Exists"}]}, {"a": ""}, True),
        ({"matchExpressions": [{"key": "a", "operator": "DoesNotExist"}]}, {"a": ""}, False),
        ({"matchExpressions": [{"key": "a", "operator": "Bogus"}]}, {"a": ""}, False),
        ({}, {"anything": "x"}, True),
    ],
)
def test_label_selector_matches(selector: dict[str, Any], labels: dict[str, str], matches: bool) -> None:
    assert label_selector_matches(selector, labels) is matches
