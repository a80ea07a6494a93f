"""Gateways that act as a named user through Kubernetes impersonation.

The admin console's staff users have no Kubernetes token: the control plane's own credentials
carry `Impersonate-User` (the Django username) and one `Impersonate-Group` per group, and the API
server checks the control plane's `impersonate` verb, then decides every call with the
impersonated user's RBAC — the same as for a token of that user. One header may repeat, which the
client's header dict cannot hold, so the headers are added to each request as a multi-valued dict.
"""

from __future__ import annotations

import os
import threading
from typing import Any

from cachetools import LRUCache, cached
from kubernetes.client import ApiClient, Configuration
from urllib3 import HTTPHeaderDict

from ambient.kube import config
from ambient.kube.clients import _renewed_control_plane_client
from ambient.kube.gateway import KubeGateway

IMPERSONATE_USER = "Impersonate-User"
IMPERSONATE_GROUP = "Impersonate-Group"

_clients: LRUCache[tuple[str, tuple[str, ...], int, int], ApiClient] = LRUCache(maxsize=256)
_clients_lock = threading.Lock()


class ImpersonatingApiClient(ApiClient):
    """The control plane's client, sending every request as `username` in `groups`."""

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


@cached(
    _clients,
    key=lambda username, groups, configuration: (username, groups, id(configuration), os.getpid()),
    lock=_clients_lock,
)
def _client(username: str, groups: tuple[str, ...], configuration: Configuration) -> ApiClient:
    return ImpersonatingApiClient(configuration, username=username, groups=groups)


def impersonating_gateway(username: str, groups: tuple[str, ...] = ()) -> KubeGateway:
    """Acts as `username` in `groups`: Kubernetes RBAC decides as for that user's own token."""
    if not username:
        raise ValueError("impersonation needs a username")
    api_client = _client(username, tuple(groups), config.loaded_configuration())

    def renew() -> ApiClient:
        # The control plane's credentials rotated: rebuild from the re-read configuration.
        _renewed_control_plane_client()
        return _client(username, tuple(groups), config.loaded_configuration())

    return KubeGateway(api_client, renew=renew)
