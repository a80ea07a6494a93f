"""Gateways per identity, reused: an ApiClient owns a connection pool, and building one per request
would pay a TLS handshake every time. Kept per (identity, loaded configuration, process) in an LRU,
so a re-read kubeconfig or a forked worker gets clients of its own.
"""

from __future__ import annotations

import hashlib
import os
import threading

from cachetools import LRUCache, cached
from kubernetes.client import ApiClient, Configuration

from ambient.kube import config
from ambient.kube.gateway import KubeGateway

_CONTROL_PLANE = "control-plane"
_clients: LRUCache[tuple[str, int, int], ApiClient] = LRUCache(maxsize=256)
_clients_lock = threading.Lock()


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@cached(
    _clients, key=lambda identity, configuration, token: (identity, id(configuration), os.getpid()), lock=_clients_lock
)
def _client(identity: str, configuration: Configuration, token: str | None) -> ApiClient:
    return config.control_plane_client() if token is None else config.user_client(token)


def control_plane_gateway() -> KubeGateway:
    """Acts as the control plane itself: the reconciler, the watcher, and the narrow API operations
    the design names."""
    api_client = _client(_CONTROL_PLANE, config.loaded_configuration(), None)
    return KubeGateway(api_client, renew=_renewed_control_plane_client)


def user_gateway(token: str) -> KubeGateway:
    """Acts as the caller: Kubernetes RBAC decides every call."""
    return KubeGateway(_client(token_digest(token), config.loaded_configuration(), token))


def _renewed_control_plane_client() -> ApiClient:
    reset()
    return _client(_CONTROL_PLANE, config.loaded_configuration(), None)


def reset() -> None:
    """Forget loaded configurations and cached clients (tests switch clusters; credentials rotated)."""
    config.forget_configurations()
    with _clients_lock:
        _clients.clear()
