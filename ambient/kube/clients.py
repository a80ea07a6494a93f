"""Gateways per identity, reused: an ApiClient owns a connection pool, and building one per request
would pay a TLS handshake every time. Kept per (identity, loaded configuration, process) in one
LRU, so a re-read kubeconfig or a forked worker gets clients of its own.

Three identities: the control plane's own, a caller's bearer token, and a named user the control
plane impersonates (the admin console's staff, who have no token): the control plane's
credentials carry `Impersonate-User` and one `Impersonate-Group` per group, and the API server
checks the control plane's `impersonate` verb, then decides every call with that user's RBAC.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable
from typing import Any

from cachetools import LRUCache
from kubernetes.client import ApiClient, Configuration
from urllib3 import HTTPHeaderDict

from ambient.kube import config
from ambient.kube.gateway import KubeGateway

IMPERSONATE_USER = "Impersonate-User"
IMPERSONATE_GROUP = "Impersonate-Group"
_CONTROL_PLANE = "control-plane"
_clients: LRUCache[tuple[str, int, int], ApiClient] = LRUCache(maxsize=256)
_clients_lock = threading.Lock()


class ImpersonatingApiClient(ApiClient):
    """The control plane's client, sending every request as `username` in `groups`. One header
    repeats, which the client's header dict cannot hold: a multi-valued dict is sent instead."""

    def __init__(self, configuration: Configuration, *, username: str, groups: tuple[str, ...]) -> None:
        super().__init__(configuration=configuration)
        self.impersonated_username = username
        self.impersonated_groups = groups

    def param_serialize(self, *args: Any, **kwargs: Any) -> tuple[Any, ...]:
        method, url, headers, body, post_params = super().param_serialize(*args, **kwargs)
        multi = HTTPHeaderDict(headers or {})
        multi[IMPERSONATE_USER] = self.impersonated_username
        for group in self.impersonated_groups:
            multi.add(IMPERSONATE_GROUP, group)
        return method, url, multi, body, post_params


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _client(identity: str, build: Callable[[Configuration], ApiClient]) -> ApiClient:
    configuration = config.loaded_configuration()
    key = (identity, id(configuration), os.getpid())
    with _clients_lock:
        cached = _clients.get(key)
    if cached is None:
        cached = build(configuration)
        with _clients_lock:
            _clients[key] = cached
    return cached


def control_plane_gateway() -> KubeGateway:
    """Acts as the control plane itself: the reconciler, the watcher, and the narrow API operations
    the design names."""
    return KubeGateway(_client(_CONTROL_PLANE, _control_plane), renew=_renewed(_CONTROL_PLANE, _control_plane))


def user_gateway(token: str) -> KubeGateway:
    """Acts as the caller: Kubernetes RBAC decides every call."""
    return KubeGateway(_client(token_digest(token), lambda configuration: config.user_client(token)))


def impersonating_gateway(username: str, groups: tuple[str, ...] = ()) -> KubeGateway:
    """Acts as `username` in `groups`: Kubernetes RBAC decides as for that user's own token."""
    if not username:
        raise ValueError("impersonation needs a username")
    groups = tuple(groups)

    def build(configuration: Configuration) -> ApiClient:
        return ImpersonatingApiClient(configuration, username=username, groups=groups)

    # NUL cannot occur in a username or a group, so identities never collide.
    identity = "\0".join(("impersonate", username, *groups))
    return KubeGateway(_client(identity, build), renew=_renewed(identity, build))


def _control_plane(configuration: Configuration) -> ApiClient:
    return ApiClient(configuration=configuration)


def _renewed(identity: str, build: Callable[[Configuration], ApiClient]) -> Callable[[], ApiClient]:
    """On 401 the control plane's credentials rotated: re-read them and build the client again."""

    def renew() -> ApiClient:
        reset()
        return _client(identity, build)

    return renew


def reset() -> None:
    """Forget loaded configurations and cached clients (tests switch clusters; credentials rotated)."""
    config.forget_configurations()
    with _clients_lock:
        _clients.clear()
