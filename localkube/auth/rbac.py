"""RBAC authorization over the objects in the store, evaluated per request like kube's RBAC.

ClusterRoleBindings are visited first, then RoleBindings of the request's namespace; the first
rule that allows wins. Aggregated ClusterRoles are resolved on evaluation (kube's aggregation
controller writes the same union into ``rules``). Bootstrap discovery roles apply even before the
core has stored them, so a fresh server answers ``kubectl version`` and ``auth can-i``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from localkube.auth.bootstrap import always_on_cluster_role_bindings, always_on_cluster_roles
from localkube.auth.constants import GROUP_MASTERS, RBAC_GROUP
from localkube.auth.rules import (
    applies_to_user,
    describe_subject,
    label_selector_matches,
    rule_allows,
    rule_key,
)
from localkube.interfaces import KubeObject, ObjectReader, RequestAttributes, UserInfo

logger = logging.getLogger(__name__)

Rule = Mapping[str, Any]

# What system:masters may do, as the privileged-group authorizer reports for rules reviews.
MASTERS_RULES: list[dict[str, Any]] = [
    {"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]},
    {"nonResourceURLs": ["*"], "verbs": ["*"]},
]


@dataclass(frozen=True)
class _Grant:
    """The rules one applicable binding gives, with kube's description of where they come from."""

    source: str
    rules: list[Rule]
    error: str = ""


class RBACAuthorizer:
    """Decides requests from Roles, ClusterRoles and their bindings read through an ObjectReader."""

    def __init__(self, reader: ObjectReader, *, always_on_policy: bool = True) -> None:
        self._reader = reader
        # Turned off only by tests that want to see the store's bindings alone.
        roles = always_on_cluster_roles() if always_on_policy else []
        self._always_on_roles = {_name(role): role for role in roles}
        self._always_on_bindings = always_on_cluster_role_bindings() if always_on_policy else []

    def authorize(self, attrs: RequestAttributes) -> tuple[bool, str]:
        """(allowed, reason); the reason reads as kube's and is "" on a plain denial."""
        if GROUP_MASTERS in attrs.user.groups:
            # kube's privileged-group authorizer runs before RBAC and gives no reason.
            return True, ""
        errors: list[str] = []
        for grant in self._grants(attrs.user, attrs.namespace):
            if grant.error:
                errors.append(grant.error)
                continue
            if any(rule_allows(attrs, rule) for rule in grant.rules):
                return True, f"RBAC: allowed by {grant.source}"
        reason = ""
        if errors:
            reason = "RBAC: " + (errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]")
        logger.debug(
            "RBAC denied %s %s %s/%s in %r (%s)",
            attrs.user.username,
            attrs.verb,
            attrs.resource or attrs.path,
            attrs.subresource,
            attrs.namespace,
            reason or "no rule matched",
        )
        return False, reason

    def rules_for(self, user: UserInfo, namespace: str) -> tuple[list[Rule], list[str]]:
        """Every rule the user holds in ``namespace`` (SelfSubjectRulesReview) and lookup errors."""
        if GROUP_MASTERS in user.groups:
            return list(MASTERS_RULES), []
        rules: list[Rule] = []
        errors: list[str] = []
        for grant in self._grants(user, namespace):
            if grant.error:
                errors.append(grant.error)
            rules.extend(grant.rules)
        return rules, errors

    def cluster_role_rules(self, name: str) -> list[Rule] | None:
        """A ClusterRole's effective rules (aggregation applied), or None if it does not exist."""
        return _ClusterRoles(self._reader, self._always_on_roles).rules(name)

    def _grants(self, user: UserInfo, namespace: str) -> Iterator[_Grant]:
        cluster_roles = _ClusterRoles(self._reader, self._always_on_roles)
        for binding in self._cluster_role_bindings():
            subject = _matching_subject(user, binding, "")
            if subject is None:
                continue
            role_ref = binding.get("roleRef") or {}
            source = (
                f'ClusterRoleBinding "{_name(binding)}" of {role_ref.get("kind", "")} '
                f'"{role_ref.get("name", "")}" to {describe_subject(subject, "")}'
            )
            yield self._grant(source, role_ref, "", cluster_roles)
        if not namespace:
            return
        bindings = self._reader.list_objects(RBAC_GROUP, "rolebindings", namespace)
        for binding in sorted(bindings, key=_name):
            subject = _matching_subject(user, binding, namespace)
            if subject is None:
                continue
            role_ref = binding.get("roleRef") or {}
            source = (
                f'RoleBinding "{_name(binding)}/{namespace}" of {role_ref.get("kind", "")} '
                f'"{role_ref.get("name", "")}" to {describe_subject(subject, namespace)}'
            )
            yield self._grant(source, role_ref, namespace, cluster_roles)

    def _grant(self, source: str, role_ref: Mapping[str, Any], namespace: str, cluster_roles: _ClusterRoles) -> _Grant:
        kind, name = role_ref.get("kind"), str(role_ref.get("name", ""))
        if kind == "ClusterRole":
            rules = cluster_roles.rules(name)
            if rules is None:
                return _Grant(source, [], f'clusterrole.{RBAC_GROUP} "{name}" not found')
            return _Grant(source, rules)
        if kind == "Role" and namespace:
            role = self._reader.get_object(RBAC_GROUP, "roles", namespace, name)
            if role is None:
                return _Grant(source, [], f'role.{RBAC_GROUP} "{name}" not found')
            return _Grant(source, list(role.get("rules") or []))
        # A ClusterRoleBinding to a Role is rejected by validation on a real server; never grant it.
        return _Grant(source, [], f"unsupported role reference kind: {kind!r}")

    def _cluster_role_bindings(self) -> list[KubeObject]:
        stored = self._reader.list_objects(RBAC_GROUP, "clusterrolebindings", None)
        names = {_name(binding) for binding in stored}
        extra = [binding for binding in self._always_on_bindings if _name(binding) not in names]
        return sorted([*stored, *extra], key=_name)


class _ClusterRoles:
    """ClusterRole lookups for one decision: single reads, and the full list only for aggregation."""

    def __init__(self, reader: ObjectReader, always_on: dict[str, KubeObject]) -> None:
        self._reader = reader
        self._always_on = always_on
        self._all: dict[str, KubeObject] | None = None

    def rules(self, name: str, resolving: frozenset[str] = frozenset()) -> list[Rule] | None:
        role = self._get(name)
        if role is None:
            return None
        aggregation = role.get("aggregationRule")
        if not aggregation or name in resolving:
            # In a cycle, fall back to what an aggregation controller would have stored.
            return list(role.get("rules") or [])
        roles = self._everything()
        rules: list[Rule] = []
        seen: set[tuple[tuple[str, ...], ...]] = set()
        for selector in aggregation.get("clusterRoleSelectors") or ():
            for other_name in sorted(roles):
                labels = (roles[other_name].get("metadata") or {}).get("labels") or {}
                if other_name == name or not label_selector_matches(selector, labels):
                    continue
                for rule in self.rules(other_name, resolving | {name}) or ():
                    key = rule_key(rule)
                    if key not in seen:
                        seen.add(key)
                        rules.append(rule)
        return rules

    def _get(self, name: str) -> KubeObject | None:
        if self._all is not None:
            return self._all.get(name)
        stored = self._reader.get_object(RBAC_GROUP, "clusterroles", None, name)
        return stored if stored is not None else self._always_on.get(name)

    def _everything(self) -> dict[str, KubeObject]:
        if self._all is None:
            self._all = dict(self._always_on)
            for role in self._reader.list_objects(RBAC_GROUP, "clusterroles", None):
                self._all[_name(role)] = role
        return self._all


def _matching_subject(user: UserInfo, binding: KubeObject, namespace: str) -> Mapping[str, Any] | None:
    for subject in binding.get("subjects") or ():
        if applies_to_user(user, subject, namespace):
            return subject
    return None


def _name(obj: KubeObject) -> str:
    return str((obj.get("metadata") or {}).get("name", ""))
