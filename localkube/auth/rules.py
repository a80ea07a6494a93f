"""Pure RBAC matching, a line-for-line port of kube's rbac/validation and rbacv1helpers.

Kept free of I/O so each rule of the evaluation can be tested as a table.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from localkube.auth.constants import service_account_username
from localkube.interfaces import RequestAttributes, UserInfo

ALL = "*"


def rule_allows(attrs: RequestAttributes, rule: Mapping[str, Any]) -> bool:
    """Whether one PolicyRule grants the request (rbac.RuleAllows)."""
    if not verb_matches(rule, attrs.verb):
        return False
    if not attrs.resource_request:
        return non_resource_url_matches(rule, attrs.path)
    combined = f"{attrs.resource}/{attrs.subresource}" if attrs.subresource else attrs.resource
    return (
        api_group_matches(rule, attrs.api_group)
        and resource_matches(rule, combined, attrs.subresource)
        and resource_name_matches(rule, attrs.name)
    )


def verb_matches(rule: Mapping[str, Any], verb: str) -> bool:
    return any(candidate in (ALL, verb) for candidate in rule.get("verbs") or ())


def api_group_matches(rule: Mapping[str, Any], group: str) -> bool:
    return any(candidate in (ALL, group) for candidate in rule.get("apiGroups") or ())


def resource_matches(rule: Mapping[str, Any], combined: str, subresource: str) -> bool:
    """``*`` matches everything (subresources too); ``*/status`` matches any resource's status."""
    for candidate in rule.get("resources") or ():
        if candidate in (ALL, combined):
            return True
        if subresource and candidate == f"*/{subresource}":
            return True
    return False


def resource_name_matches(rule: Mapping[str, Any], name: str) -> bool:
    # A rule naming resources never matches a request without a name (list, create, watch all).
    names = rule.get("resourceNames") or ()
    return not names or name in names


def non_resource_url_matches(rule: Mapping[str, Any], path: str) -> bool:
    for candidate in rule.get("nonResourceURLs") or ():
        if candidate in (ALL, path):
            return True
        if candidate.endswith(ALL) and path.startswith(candidate.rstrip(ALL)):
            return True
    return False


def applies_to_user(user: UserInfo, subject: Mapping[str, Any], binding_namespace: str) -> bool:
    """Whether a binding subject names this user (rbac.appliesToUser)."""
    kind, name = subject.get("kind"), subject.get("name", "")
    if kind == "User":
        return user.username == name
    if kind == "Group":
        return name in user.groups
    if kind == "ServiceAccount":
        # A RoleBinding may leave the namespace out to mean "a ServiceAccount of this namespace".
        namespace = subject.get("namespace") or binding_namespace
        return bool(namespace) and user.username == service_account_username(namespace, name)
    return False


def describe_subject(subject: Mapping[str, Any], binding_namespace: str) -> str:
    kind, name = subject.get("kind", ""), subject.get("name", "")
    if kind == "ServiceAccount":
        return f'{kind} "{name}/{subject.get("namespace") or binding_namespace}"'
    return f'{kind} "{name}"'


def label_selector_matches(selector: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    """metav1.LabelSelector semantics; an empty selector matches everything, as kube's does."""
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expression in selector.get("matchExpressions") or ():
        key, operator = expression.get("key", ""), expression.get("operator", "")
        values = expression.get("values") or ()
        if operator == "In" and labels.get(key) not in values:
            return False
        if operator == "NotIn" and key in labels and labels[key] in values:
            return False
        if operator == "Exists" and key not in labels:
            return False
        if operator == "DoesNotExist" and key in labels:
            return False
        if operator not in ("In", "NotIn", "Exists", "DoesNotExist"):
            return False
    return True


def rule_key(rule: Mapping[str, Any]) -> tuple[tuple[str, ...], ...]:
    """A hashable identity for de-duplicating aggregated rules (clusterroleaggregation's ruleExists)."""
    fields = ("apiGroups", "resources", "resourceNames", "verbs", "nonResourceURLs")
    return tuple(tuple(rule.get(field) or ()) for field in fields)
