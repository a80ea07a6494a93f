"""The reconciler's Kubernetes access: the only reconciler code that imports `kubernetes`.

Objects travel as plain dicts exactly as the API server sends them. Every call goes through the
real client's HTTP layer (`ApiClient.param_serialize` + `call_api`) with the control plane's own
identity from `ambient.kube.control_plane_client()`; one generic path-based request keeps the
dozen kinds the reconciler touches to one table instead of a method per kind and verb.
"""

from reconciler.cluster.client import Cluster, cluster_client
from reconciler.cluster.errors import AlreadyExists, ClusterError, Conflict, NotFound
from reconciler.cluster.resources import SESSION, Resource, resource_for

__all__ = [
    "SESSION",
    "AlreadyExists",
    "Cluster",
    "ClusterError",
    "Conflict",
    "NotFound",
    "Resource",
    "cluster_client",
    "resource_for",
]
