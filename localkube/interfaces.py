"""The seams between localkube's parts: the API server core, authentication/RBAC and the runtime.

The core's object store implements ``ObjectReader``; the auth package and the runtime's HTTP
subresource handlers only ever read through it, so each part can be built and tested alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

KubeObject = dict[str, Any]


class ObjectReader(Protocol):
    """Synchronous read access to the current state (called on the server's event loop)."""

    def get_object(self, group: str, resource: str, namespace: str | None, name: str) -> KubeObject | None:
        """One object, or None. ``group`` is "" for core/v1; ``resource`` is the plural name."""
        ...

    def list_objects(self, group: str, resource: str, namespace: str | None = None) -> list[KubeObject]:
        """Objects of one resource; ``namespace=None`` lists all namespaces (or cluster-scoped)."""
        ...


@dataclass(frozen=True)
class UserInfo:
    username: str
    uid: str = ""
    groups: tuple[str, ...] = ()
    extra: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class RequestAttributes:
    """What an authorizer decides on, as kube-apiserver's authorizer.Attributes."""

    user: UserInfo
    verb: str  # get list watch create update patch delete deletecollection (or a non-resource verb)
    api_group: str = ""
    resource: str = ""
    subresource: str = ""
    namespace: str = ""
    name: str = ""
    path: str = ""  # set for non-resource requests such as /version or /healthz
    resource_request: bool = True
