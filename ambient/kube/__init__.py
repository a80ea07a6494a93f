"""The one way to the Kubernetes API: the only package that imports `kubernetes`.

- `control_plane_gateway()` / `user_gateway(token)` / `impersonating_gateway(username, groups)`: a
  `KubeGateway` acting as the control plane, as the caller, or as a named user the control plane
  impersonates (the admin console's staff); clients cached per identity; `reset()` forgets
  configurations and clients.
- `KubeGateway`: one generic `request` (and `open`, for answers read as a stream) over the real
  client's HTTP layer, and the calls built on it for any kind in the resource table (`resources`).
- Errors are the project's (`ambient.exceptions`), read from the API server's Status body in
  `errors`; `retry_on_conflict` re-runs a read-modify-write that lost a race.
- `watch`: a watch response read event by event; `Expired` says relist.
"""

from ambient.exceptions import AlreadyExists, Conflict, Forbidden, Invalid, NotFound, Unavailable
from ambient.kube.clients import (
    control_plane_gateway,
    impersonating_gateway,
    reset,
    token_digest,
    user_gateway,
)
from ambient.kube.config import api_server_url, control_plane_client, request_timeout, user_client
from ambient.kube.errors import error_from_response, failure_summary, is_write_race, retry_on_conflict
from ambient.kube.gateway import AccessCheck, Identity, KubeGateway, KubeObject
from ambient.kube.resources import (
    CLUSTER_ROLE,
    CLUSTER_ROLE_BINDING,
    CONFIG_MAP,
    CRD,
    EVENT,
    JOB,
    LEASE,
    NAMESPACE,
    POD,
    PVC,
    ROLE,
    ROLE_BINDING,
    SECRET,
    SERVICE,
    SERVICE_ACCOUNT,
    SESSION,
    Resource,
    resource_for,
)
from ambient.kube.watch import Expired, WatchError, WatchStream

__all__ = [
    "CLUSTER_ROLE",
    "CLUSTER_ROLE_BINDING",
    "CONFIG_MAP",
    "CRD",
    "EVENT",
    "JOB",
    "LEASE",
    "NAMESPACE",
    "POD",
    "PVC",
    "ROLE",
    "ROLE_BINDING",
    "SECRET",
    "SERVICE",
    "SERVICE_ACCOUNT",
    "SESSION",
    "AccessCheck",
    "AlreadyExists",
    "Conflict",
    "Expired",
    "Forbidden",
    "Identity",
    "Invalid",
    "KubeGateway",
    "KubeObject",
    "NotFound",
    "Resource",
    "Unavailable",
    "WatchError",
    "WatchStream",
    "api_server_url",
    "control_plane_client",
    "control_plane_gateway",
    "error_from_response",
    "failure_summary",
    "impersonating_gateway",
    "is_write_race",
    "request_timeout",
    "reset",
    "resource_for",
    "retry_on_conflict",
    "token_digest",
    "user_client",
    "user_gateway",
]
