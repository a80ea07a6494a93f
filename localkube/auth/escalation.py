"""kube-apiserver's RBAC escalation prevention, applied to every write of a role or a binding.

A Role or ClusterRole may only grant what its writer already holds (in that namespace, or
cluster-wide for cluster roles) unless the writer may ``escalate`` roles; a (Cluster)RoleBinding
may only reference a role whose every rule the writer holds unless the writer may ``bind`` that
role (resourceNames honoured). ``system:masters`` skips both, as kube's privileged loopback does.
Without this, anyone allowed to write RoleBindings in a namespace could bind ``cluster-admin``.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from localkube.auth.constants import GROUP_MASTERS, RBAC_GROUP
from localkube.auth.coverage import FULL_AUTHORITY, describe_missing, uncovered
from localkube.auth.errors import AuthError, not_found
from localkube.auth.rbac import RBACAuthorizer, Rule
from localkube.interfaces import KubeObject, ObjectReader, RequestAttributes, UserInfo

ROLE_RESOURCES = ("roles", "clusterroles")
BINDING_RESOURCES = ("rolebindings", "clusterrolebindings")
_ROLE_REF_RESOURCE = {"Role": "roles", "ClusterRole": "clusterroles"}
# Metadata the garbage collector may change on anyone's behalf (kube's IsOnlyMutatingGCFields).
_GC_FIELDS = ("ownerReferences", "finalizers")
_SERVER_FIELDS = ("resourceVersion", "managedFields", "generation", "uid", "creationTimestamp")


class EscalationGuard:
    """Refuses role and binding writes that would give the writer's grantees more than it has."""

    def __init__(self, authorizer: RBACAuthorizer, reader: ObjectReader) -> None:
        self._authorizer = authorizer
        self._reader = reader

    def check(
        self,
        user: UserInfo,
        resource: str,
        namespace: str,
        request_name: str,
        new: KubeObject,
        old: KubeObject | None,
    ) -> None:
        """Raise a 403 AuthError when ``user`` may not write ``new`` (``old`` is set on updates)."""
        if resource not in ROLE_RESOURCES and resource not in BINDING_RESOURCES:
            return
        if GROUP_MASTERS in user.groups:
            return
        if old is not None and _only_gc_fields_change(new, old):
            return
        if resource in ROLE_RESOURCES:
            self._check_role(user, resource, namespace, request_name, new, old)
        else:
            self._check_binding(user, resource, namespace, new)

    def _check_role(
        self,
        user: UserInfo,
        resource: str,
        namespace: str,
        request_name: str,
        new: KubeObject,
        old: KubeObject | None,
    ) -> None:
        # kube asks with the URL's name, which a create does not have.
        if self._allowed(user, "escalate", resource, namespace, request_name):
            return
        name = _name(new)
        self._confirm_no_escalation(user, resource, name, namespace, list(new.get("rules") or []))
        aggregation = (new.get("aggregationRule") or {}).get("clusterRoleSelectors")
        changed = old is None or (old.get("aggregationRule") != new.get("aggregationRule"))
        if resource == "clusterroles" and aggregation and changed:
            # An aggregation rule can gather any rule later, so it needs everything now.
            try:
                self._confirm_no_escalation(user, resource, name, namespace, FULL_AUTHORITY)
            except AuthError:
                why = "must have cluster-admin privileges to use the aggregationRule"
                raise _forbidden(resource, name, why) from None

    def _check_binding(self, user: UserInfo, resource: str, namespace: str, new: KubeObject) -> None:
        role_ref = new.get("roleRef") or {}
        kind, role_name = str(role_ref.get("kind", "")), str(role_ref.get("name", ""))
        role_resource = _ROLE_REF_RESOURCE.get(kind)
        if role_resource is not None and self._allowed(user, "bind", role_resource, namespace, role_name):
            return
        rules = self._role_ref_rules(kind, role_name, namespace, resource, _name(new))
        self._confirm_no_escalation(user, resource, _name(new), namespace, rules)

    def _role_ref_rules(self, kind: str, name: str, namespace: str, resource: str, binding: str) -> list[Rule]:
        if kind == "ClusterRole":
            rules = self._authorizer.cluster_role_rules(name)
            if rules is None:
                raise not_found("clusterroles", name, RBAC_GROUP)
            return rules
        if kind == "Role" and namespace:
            role = self._reader.get_object(RBAC_GROUP, "roles", namespace, name)
            if role is None:
                raise not_found("roles", name, RBAC_GROUP)
            return list(role.get("rules") or [])
        raise _forbidden(resource, binding, f'unsupported role reference kind: "{kind}"')

    def _confirm_no_escalation(
        self, user: UserInfo, resource: str, name: str, namespace: str, rules: Sequence[Mapping[str, Any]]
    ) -> None:
        held, errors = self._authorizer.rules_for(user, namespace)
        missing = uncovered(held, rules)
        if not missing:
            return
        groups = "[" + " ".join(f'"{group}"' for group in user.groups) + "]"
        message = (
            f'user "{user.username}" (groups={groups}) is attempting to grant RBAC permissions not currently held:\n'
            + "\n".join(describe_missing(missing))
        )
        if errors:
            message += f"; resolution errors: [{' '.join(errors)}]"
        raise _forbidden(resource, name, message)

    def _allowed(self, user: UserInfo, verb: str, resource: str, namespace: str, name: str) -> bool:
        attrs = RequestAttributes(
            user=user, verb=verb, api_group=RBAC_GROUP, resource=resource, namespace=namespace, name=name
        )
        allowed, _reason = self._authorizer.authorize(attrs)
        return allowed


def _only_gc_fields_change(new: KubeObject, old: KubeObject) -> bool:
    def comparable(obj: KubeObject) -> KubeObject:
        result = copy.deepcopy(obj)
        metadata = result.setdefault("metadata", {})
        for field in (*_GC_FIELDS, *_SERVER_FIELDS):
            metadata.pop(field, None)
        return result

    return comparable(new) == comparable(old)


def _forbidden(resource: str, name: str, why: str) -> AuthError:
    """kube's errors.NewForbidden for an rbac.authorization.k8s.io resource."""
    qualified = f"{resource}.{RBAC_GROUP}"
    return AuthError(
        403,
        "Forbidden",
        f'{qualified} "{name}" is forbidden: {why}',
        details={"name": name, "group": RBAC_GROUP, "kind": resource},
    )


def _name(obj: KubeObject) -> str:
    return str((obj.get("metadata") or {}).get("name", ""))
