"""Where every kind Ambient touches lives in the API: the one table API paths are built from."""

from __future__ import annotations

from dataclasses import dataclass

from ambient.contract import GROUP, KIND, PLURAL, VERSION


@dataclass(frozen=True)
class Resource:
    kind: str
    group: str  # "" for the core API
    version: str
    plural: str
    namespaced: bool = True

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    def path(self, namespace: str | None = None, name: str | None = None, subresource: str | None = None) -> str:
        """The collection (no name) or item path; no namespace on a namespaced kind means all namespaces."""
        prefix = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        if self.namespaced and namespace is not None:
            prefix = f"{prefix}/namespaces/{namespace}"
        path = f"{prefix}/{self.plural}"
        if name is not None:
            path = f"{path}/{name}"
        return f"{path}/{subresource}" if subresource else path


SESSION = Resource(KIND, GROUP, VERSION, PLURAL)
JOB = Resource("Job", "batch", "v1", "jobs")
POD = Resource("Pod", "", "v1", "pods")
PVC = Resource("PersistentVolumeClaim", "", "v1", "persistentvolumeclaims")
SERVICE = Resource("Service", "", "v1", "services")
SERVICE_ACCOUNT = Resource("ServiceAccount", "", "v1", "serviceaccounts")
SECRET = Resource("Secret", "", "v1", "secrets")
CONFIG_MAP = Resource("ConfigMap", "", "v1", "configmaps")
EVENT = Resource("Event", "", "v1", "events")
NAMESPACE = Resource("Namespace", "", "v1", "namespaces", namespaced=False)
ROLE = Resource("Role", "rbac.authorization.k8s.io", "v1", "roles")
ROLE_BINDING = Resource("RoleBinding", "rbac.authorization.k8s.io", "v1", "rolebindings")
CLUSTER_ROLE = Resource("ClusterRole", "rbac.authorization.k8s.io", "v1", "clusterroles", namespaced=False)
CLUSTER_ROLE_BINDING = Resource(
    "ClusterRoleBinding", "rbac.authorization.k8s.io", "v1", "clusterrolebindings", namespaced=False
)
LEASE = Resource("Lease", "coordination.k8s.io", "v1", "leases")
NETWORK_POLICY = Resource("NetworkPolicy", "networking.k8s.io", "v1", "networkpolicies")
CRD = Resource("CustomResourceDefinition", "apiextensions.k8s.io", "v1", "customresourcedefinitions", namespaced=False)
SELF_SUBJECT_ACCESS_REVIEW = Resource(
    "SelfSubjectAccessReview", "authorization.k8s.io", "v1", "selfsubjectaccessreviews", namespaced=False
)
TOKEN_REVIEW = Resource("TokenReview", "authentication.k8s.io", "v1", "tokenreviews", namespaced=False)

_BY_KIND: dict[str, Resource] = {
    resource.kind: resource
    for resource in (
        SESSION,
        JOB,
        POD,
        PVC,
        SERVICE,
        SERVICE_ACCOUNT,
        SECRET,
        CONFIG_MAP,
        EVENT,
        NAMESPACE,
        ROLE,
        ROLE_BINDING,
        CLUSTER_ROLE,
        CLUSTER_ROLE_BINDING,
        LEASE,
        NETWORK_POLICY,
        CRD,
        SELF_SUBJECT_ACCESS_REVIEW,
        TOKEN_REVIEW,
    )
}


def resource_for(kind: Resource | str) -> Resource:
    """The table entry for a kind name (a manifest's `kind`); a Resource passes through."""
    return kind if isinstance(kind, Resource) else _BY_KIND[str(kind)]
