"""Admission that depends on who writes: RBAC escalation prevention and the host-access policy.

The object service runs the returned check on the final object of every create and main-resource
update (patches included), after defaulting and validation and before anything is stored, so a
refused write leaves no trace. Checks that do not depend on the requester live in ``admission``
and ``pod_validation``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from localkube.host_admission import HostAccessPolicy
from localkube.interfaces import UserInfo
from localkube.registry import ResourceType

KubeObject = dict[str, Any]
Admit = Callable[[ResourceType, KubeObject, "KubeObject | None"], None]


class RoleWriteGuard(Protocol):
    """The auth package's escalation guard (``localkube.auth.escalation.EscalationGuard``)."""

    def check(
        self,
        user: UserInfo,
        resource: str,
        namespace: str,
        request_name: str,
        new: KubeObject,
        old: KubeObject | None,
    ) -> None: ...


class WriteAdmission:
    def __init__(self, escalation: RoleWriteGuard | None, host_access: HostAccessPolicy) -> None:
        self._escalation = escalation
        self._host_access = host_access

    def for_request(self, user: UserInfo, namespace: str, request_name: str) -> Admit:
        """The check for one request by ``user`` on ``namespace``/``request_name`` (the URL's)."""

        def admit(resource_type: ResourceType, new: KubeObject, old: KubeObject | None) -> None:
            if self._escalation is not None and resource_type.group == "rbac.authorization.k8s.io":
                self._escalation.check(user, resource_type.resource, namespace, request_name, new, old)
            self._host_access.check(user, resource_type, new, old)

        return admit
