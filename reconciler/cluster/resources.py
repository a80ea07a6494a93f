"""Where each kind the reconciler touches lives in the API (group/version prefix and plural)."""

from __future__ import annotations

from dataclasses import dataclass

from ambient.contract import GROUP, PLURAL, VERSION
from reconciler.manifests.metadata import Kind


@dataclass(frozen=True)
class Resource:
    prefix: str  # "/api/v1" or "/apis/<group>/<version>"
    plural: str

    def collection(self, namespace: str | None) -> str:
        if namespace is None:
            return f"{self.prefix}/{self.plural}"
        return f"{self.prefix}/namespaces/{namespace}/{self.plural}"

    def item(self, namespace: str, name: str, subresource: str = "") -> str:
        path = f"{self.collection(namespace)}/{name}"
        return f"{path}/{subresource}" if subresource else path


SESSION = Resource(f"/apis/{GROUP}/{VERSION}", PLURAL)
EVENT = Resource("/api/v1", "events")

_BY_KIND: dict[str, Resource] = {
    Kind.JOB.value: Resource("/apis/batch/v1", "jobs"),
    Kind.POD.value: Resource("/api/v1", "pods"),
    Kind.PERSISTENT_VOLUME_CLAIM.value: Resource("/api/v1", "persistentvolumeclaims"),
    Kind.SERVICE.value: Resource("/api/v1", "services"),
    Kind.SERVICE_ACCOUNT.value: Resource("/api/v1", "serviceaccounts"),
    Kind.SECRET.value: Resource("/api/v1", "secrets"),
    Kind.ROLE.value: Resource("/apis/rbac.authorization.k8s.io/v1", "roles"),
    Kind.ROLE_BINDING.value: Resource("/apis/rbac.authorization.k8s.io/v1", "rolebindings"),
}


def resource_for(kind: str) -> Resource:
    return _BY_KIND[kind]
