"""The resource registry: which kinds exist, how they are addressed, and which versions are served.

Built-in kinds are fixed; CustomResourceDefinitions add and remove entries at runtime.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Built-in kinds whose kube strategy keeps metadata.generation (custom resources always do); the
# others (ConfigMaps, Secrets, Services, RBAC, ...) carry none, as on kube-apiserver.
GENERATION_KINDS = frozenset(
    {
        ("", "pods"),
        ("batch", "jobs"),
        ("networking.k8s.io", "networkpolicies"),
        ("apiextensions.k8s.io", "customresourcedefinitions"),
    }
)
ALL_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")
CREATE_ONLY = ("create",)


@dataclass
class ResourceType:
    group: str
    versions: tuple[str, ...]  # served versions, preferred (storage) first
    resource: str  # plural, as in the URL
    kind: str
    namespaced: bool
    singular: str = ""
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    subresources: tuple[str, ...] = ()
    verbs: tuple[str, ...] = ALL_VERBS
    builtin: bool = True
    # Per served version: the CRD's openAPIV3Schema and additionalPrinterColumns.
    schemas: dict[str, dict[str, Any]] = field(default_factory=dict)
    printer_columns: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def stored(self) -> bool:
        """Review and TokenRequest kinds are create-only answers that are never persisted."""
        return "get" in self.verbs

    @property
    def tracks_generation(self) -> bool:
        return not self.builtin or (self.group, self.resource) in GENERATION_KINDS

    @property
    def has_status(self) -> bool:
        return "status" in self.subresources

    @property
    def storage_version(self) -> str:
        return self.versions[0]

    @property
    def qualified(self) -> str:
        return f"{self.resource}.{self.group}" if self.group else self.resource

    def api_version(self, version: str | None = None) -> str:
        version = version or self.storage_version
        return f"{self.group}/{version}" if self.group else version


def _builtin(
    group: str,
    version: str,
    resource: str,
    kind: str,
    namespaced: bool = True,
    short: tuple[str, ...] = (),
    sub: tuple[str, ...] = (),
    verbs: tuple[str, ...] = ALL_VERBS,
    categories: tuple[str, ...] = (),
) -> ResourceType:
    return ResourceType(
        group=group,
        versions=(version,),
        resource=resource,
        kind=kind,
        namespaced=namespaced,
        singular=kind.lower(),
        short_names=short,
        subresources=sub,
        verbs=verbs,
        categories=categories,
    )


BUILTINS: tuple[ResourceType, ...] = (
    _builtin("", "v1", "namespaces", "Namespace", False, ("ns",), ("status", "finalize")),
    _builtin("", "v1", "pods", "Pod", True, ("po",), ("status", "log"), categories=("all",)),
    _builtin("", "v1", "services", "Service", True, ("svc",), ("status", "proxy"), categories=("all",)),
    _builtin("", "v1", "secrets", "Secret"),
    _builtin("", "v1", "configmaps", "ConfigMap", True, ("cm",)),
    _builtin("", "v1", "serviceaccounts", "ServiceAccount", True, ("sa",), ("token",)),
    _builtin("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", True, ("pvc",), ("status",)),
    _builtin("", "v1", "events", "Event", True, ("ev",)),
    _builtin("", "v1", "nodes", "Node", False, ("no",), ("status",)),
    _builtin("batch", "v1", "jobs", "Job", True, (), ("status",), categories=("all",)),
    _builtin("rbac.authorization.k8s.io", "v1", "roles", "Role"),
    _builtin("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding"),
    _builtin("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", False),
    _builtin("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", False),
    _builtin(
        "authorization.k8s.io",
        "v1",
        "selfsubjectaccessreviews",
        "SelfSubjectAccessReview",
        False,
        verbs=CREATE_ONLY,
    ),
    _builtin("authorization.k8s.io", "v1", "subjectaccessreviews", "SubjectAccessReview", False, verbs=CREATE_ONLY),
    _builtin(
        "authorization.k8s.io",
        "v1",
        "localsubjectaccessreviews",
        "LocalSubjectAccessReview",
        True,
        verbs=CREATE_ONLY,
    ),
    _builtin(
        "authorization.k8s.io",
        "v1",
        "selfsubjectrulesreviews",
        "SelfSubjectRulesReview",
        False,
        verbs=CREATE_ONLY,
    ),
    _builtin("authentication.k8s.io", "v1", "tokenreviews", "TokenReview", False, verbs=CREATE_ONLY),
    _builtin("authentication.k8s.io", "v1", "selfsubjectreviews", "SelfSubjectReview", False, verbs=CREATE_ONLY),
    _builtin("coordination.k8s.io", "v1", "leases", "Lease"),
    # Stored only: nothing enforces them (localkube's pods are host processes without a network of their own).
    _builtin("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", True, ("netpol",)),
    _builtin("events.k8s.io", "v1", "events", "Event", True, ("ev",)),
    _builtin(
        "apiextensions.k8s.io",
        "v1",
        "customresourcedefinitions",
        "CustomResourceDefinition",
        False,
        ("crd", "crds"),
        ("status",),
    ),
)

# Kinds whose subresources accept only POST (TokenRequest) are listed in discovery with these kinds.
SUBRESOURCE_KINDS = {
    ("", "serviceaccounts", "token"): ("TokenRequest", "authentication.k8s.io", "v1", ("create",)),
    ("", "pods", "log"): ("Pod", "", "v1", ("get",)),
    ("", "services", "proxy"): ("ServiceProxyOptions", "", "v1", ("create", "delete", "get", "patch", "update")),
    ("", "namespaces", "finalize"): ("Namespace", "", "v1", ("update",)),
}


class Registry:
    """Resource types keyed by (group, plural); events.k8s.io and core events share storage."""

    def __init__(self) -> None:
        self._types: dict[tuple[str, str], ResourceType] = {}
        for resource_type in BUILTINS:
            self._types[(resource_type.group, resource_type.resource)] = resource_type

    def get(self, group: str, resource: str) -> ResourceType | None:
        return self._types.get((group, resource))

    def lookup(self, group: str, version: str, resource: str) -> ResourceType | None:
        resource_type = self._types.get((group, resource))
        if resource_type is None or version not in resource_type.versions:
            return None
        return resource_type

    def all(self) -> list[ResourceType]:
        return list(self._types.values())

    def groups(self) -> dict[str, list[str]]:
        """Group name → served versions (preferred first), in a stable order."""
        result: dict[str, list[str]] = {}
        for resource_type in self._types.values():
            versions = result.setdefault(resource_type.group, [])
            for version in resource_type.versions:
                if version not in versions:
                    versions.append(version)
        return result

    def in_group_version(self, group: str, version: str) -> list[ResourceType]:
        return [t for t in self._types.values() if t.group == group and version in t.versions]

    def register_crd(self, crd: dict[str, Any]) -> ResourceType:
        resource_type = resource_type_from_crd(crd)
        self._types[(resource_type.group, resource_type.resource)] = resource_type
        return resource_type

    def unregister(self, group: str, resource: str) -> None:
        resource_type = self._types.get((group, resource))
        if resource_type is not None and not resource_type.builtin:
            del self._types[(group, resource)]


def resource_type_from_crd(crd: dict[str, Any]) -> ResourceType:
    spec = crd.get("spec", {})
    names = spec.get("names", {})
    served = [v for v in spec.get("versions", []) if v.get("served", True)]
    # The storage version leads so stored objects are read back in it by default.
    served.sort(key=lambda v: not v.get("storage", False))
    versions = tuple(v["name"] for v in served)
    schemas: dict[str, dict[str, Any]] = {}
    columns: dict[str, list[dict[str, Any]]] = {}
    has_status = False
    for version in served:
        schemas[version["name"]] = (version.get("schema") or {}).get("openAPIV3Schema") or {}
        columns[version["name"]] = list(version.get("additionalPrinterColumns") or [])
        if "status" in (version.get("subresources") or {}):
            has_status = True
    plural = names.get("plural", "")
    return ResourceType(
        group=spec.get("group", ""),
        versions=versions,
        resource=plural,
        kind=names.get("kind", ""),
        namespaced=spec.get("scope", "Namespaced") == "Namespaced",
        singular=names.get("singular") or names.get("kind", "").lower(),
        short_names=tuple(names.get("shortNames") or ()),
        categories=tuple(names.get("categories") or ()),
        subresources=("status",) if has_status else (),
        builtin=False,
        schemas=schemas,
        printer_columns=columns,
    )


def find_by_kind(registry: Registry, api_version: str, kind: str) -> ResourceType | None:
    group = api_version.split("/", 1)[0] if "/" in api_version else ""
    for resource_type in registry.all():
        if resource_type.group == group and resource_type.kind == kind:
            return resource_type
    return None
