"""Where a session's content service answers, and with which credentials.

Two routes reach the same Service `ambient-content-<session>` (port 8080):
- direct: `CONTENT_SERVICE_URL_TEMPLATE` (in-cluster Service DNS), through one shared connection pool;
- service proxy: the API server's `/api/v1/namespaces/{ns}/services/{svc}:{port}/proxy/...`, made
  with the control plane's identity, which works from outside the cluster and in embedded mode
  (localkube serves it).
The content token travels as `X-Ambient-Content-Token` on both routes (through the service proxy
the `Authorization` header belongs to the API server) and as a bearer token on the direct one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import urllib3
from django.conf import settings

from ambient.contract import CONTENT_PORT, CONTENT_TOKEN_HEADER, service_name
from ambient.exceptions import Unavailable
from ambient.kube import SERVICE, control_plane_gateway

ROUTE_DIRECT = "direct"
ROUTE_SERVICE_PROXY = "service-proxy"
ROUTE_AUTO = "auto"

# Reads `content-token` from the session's token Secret (the caller picks the Kubernetes identity).
TokenReader = Callable[[str, str], str | None]


@dataclass(frozen=True)
class ContentEndpoint:
    """One session's content service: base URL, headers every request carries, and the pool to use."""

    namespace: str
    session: str
    base_url: str
    headers: Mapping[str, str] = field(repr=False)
    pool: urllib3.PoolManager = field(repr=False)
    route: str = ROUTE_DIRECT

    def url(self, path: str) -> str:
        return f"{self.base_url}/{path.lstrip('/')}"


_direct_pool: urllib3.PoolManager | None = None
_direct_pool_lock = threading.Lock()


def _shared_direct_pool() -> urllib3.PoolManager:
    # urllib3 (already under the kubernetes client) keeps connections per host, so every request to a
    # session's content service after the first reuses an open connection.
    global _direct_pool
    with _direct_pool_lock:
        if _direct_pool is None:
            _direct_pool = urllib3.PoolManager(maxsize=settings.CONTENT_SERVICE_POOL_MAXSIZE, retries=False)
        return _direct_pool


def content_route() -> str:
    route = str(settings.CONTENT_SERVICE_ROUTE or ROUTE_AUTO)
    if route == ROUTE_AUTO:
        return ROUTE_DIRECT if settings.KUBE_IN_CLUSTER else ROUTE_SERVICE_PROXY
    if route not in (ROUTE_DIRECT, ROUTE_SERVICE_PROXY):
        raise Unavailable(
            f"CONTENT_SERVICE_ROUTE={route!r} is not a route: use direct, service-proxy or auto.",
            code="content_service_misconfigured",
        )
    return route


def content_endpoint(*, namespace: str, session: str, content_token: str) -> ContentEndpoint:
    token_headers = {CONTENT_TOKEN_HEADER: content_token}
    if content_route() == ROUTE_DIRECT:
        base = settings.CONTENT_SERVICE_URL_TEMPLATE.format(session=session, namespace=namespace).rstrip("/")
        headers = {**token_headers, "Authorization": f"Bearer {content_token}"}
        return ContentEndpoint(namespace, session, base, headers, _shared_direct_pool(), ROUTE_DIRECT)
    api_client = _control_plane_api_client()
    configuration = api_client.configuration
    proxy = SERVICE.path(namespace, f"{service_name(session)}:{CONTENT_PORT}", "proxy")
    base = f"{configuration.host.rstrip('/')}{proxy}"
    headers = {**token_headers, **_api_server_auth_headers(configuration)}
    return ContentEndpoint(namespace, session, base, headers, api_client.rest_client.pool_manager, ROUTE_SERVICE_PROXY)


def _control_plane_api_client() -> Any:
    # The gateway caches the control plane's ApiClient; its pool carries the API server's TLS setup.
    return control_plane_gateway().api_client


def _api_server_auth_headers(configuration: Any) -> dict[str, str]:
    """The control plane's bearer token for the API server (a client certificate is in the pool)."""
    bearer = (configuration.auth_settings() or {}).get("BearerToken") or {}
    value = bearer.get("value")
    return {"Authorization": str(value)} if value else {}
