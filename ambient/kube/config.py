"""Where the gateway's clients point and with whose credentials.

Two identities exist: the control plane's own (kubeconfig or in-cluster service account), used by
the reconciler and a few narrow operations, and the caller's bearer token, used for every CR
read/write made on a user's behalf so Kubernetes RBAC decides. Credentials are re-read when they
change (kubeconfig mtime, rotated in-cluster token), never copied once at start-up.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from kubernetes import client, config
from kubernetes.config.incluster_config import SERVICE_CERT_FILENAME, SERVICE_TOKEN_FILENAME, InClusterConfigLoader


@dataclass(frozen=True)
class _Loaded:
    configuration: client.Configuration
    source_mtime: float


_lock = threading.Lock()
_cache: dict[str, _Loaded] = {}


def _kubeconfig_mtime(path: str) -> float:
    try:
        return Path(path).stat().st_mtime
    except OSError:
        return -1.0


def loaded_configuration() -> client.Configuration:
    """The control plane's configuration, reloaded when the kubeconfig file changes."""
    if settings.KUBE_IN_CLUSTER:
        key = "in-cluster"
        with _lock:
            loaded = _cache.get(key)
            if loaded is None:
                configuration = client.Configuration()
                # try_refresh_token installs a hook that re-reads the projected token when it rotates.
                InClusterConfigLoader(
                    token_filename=SERVICE_TOKEN_FILENAME,
                    cert_filename=SERVICE_CERT_FILENAME,
                    try_refresh_token=True,
                ).load_and_set(configuration)
                _size_pool(configuration)
                loaded = _cache[key] = _Loaded(configuration, 0.0)
            return loaded.configuration
    path = settings.KUBECONFIG
    mtime = _kubeconfig_mtime(path)
    with _lock:
        loaded = _cache.get(path)
        if loaded is None or loaded.source_mtime != mtime:
            configuration = client.Configuration()
            config.load_kube_config(
                config_file=path,
                context=settings.KUBE_CONTEXT or None,
                client_configuration=configuration,
            )
            _size_pool(configuration)
            _throttle_refresh(configuration)
            loaded = _cache[path] = _Loaded(configuration, mtime)
        return loaded.configuration


# How often the kubeconfig's refresh hook may run. The client calls it before every request, and
# each call sets the host again, which re-reads the proxy variables from the whole environment: a
# fifth of a reconcile pass's CPU. An expiring token is still re-read within a second (and a 401
# meanwhile gets the gateway's one retry with re-read credentials).
REFRESH_INTERVAL_SECONDS = 1.0


def _throttle_refresh(configuration: client.Configuration) -> None:
    hook = configuration.refresh_api_key_hook
    if hook is None:
        return
    last = [float("-inf")]

    def refresh_at_most_every_interval(target: client.Configuration) -> None:
        now = time.monotonic()
        if now - last[0] >= REFRESH_INTERVAL_SECONDS:
            last[0] = now
            hook(target)
            # The kubeconfig's hook installs a fresh copy of itself each time it runs: without this,
            # every request after the first ran it again.
            target.refresh_api_key_hook = refresh_at_most_every_interval

    configuration.refresh_api_key_hook = refresh_at_most_every_interval


def _size_pool(configuration: client.Configuration) -> None:
    # urllib3 keeps at most this many connections per client and, past it, opens and drops extra ones
    # ("Connection pool is full"); it must cover every thread that calls the API server at once.
    configuration.connection_pool_maxsize = settings.KUBE_CONNECTION_POOL_MAXSIZE


def _copy(configuration: client.Configuration) -> client.Configuration:
    copied = client.Configuration()
    copied.host = configuration.host
    copied.ssl_ca_cert = configuration.ssl_ca_cert
    copied.verify_ssl = configuration.verify_ssl
    # Never the control plane's client certificate: the caller must be authenticated by their token alone.
    copied.assert_hostname = configuration.assert_hostname
    copied.tls_server_name = getattr(configuration, "tls_server_name", None)
    copied.proxy = configuration.proxy
    copied.retries = 0
    copied.connection_pool_maxsize = configuration.connection_pool_maxsize
    return copied


def control_plane_client() -> client.ApiClient:
    """An ApiClient with the control plane's own identity (reconciler, narrow admin operations)."""
    return client.ApiClient(configuration=loaded_configuration())


def user_client(token: str) -> client.ApiClient:
    """An ApiClient that acts as the caller: same server and CA, the caller's bearer token only."""
    configuration = _copy(loaded_configuration())
    configuration.api_key = {"authorization": token}
    configuration.api_key_prefix = {"authorization": "Bearer"}
    return client.ApiClient(configuration=configuration)


def api_server_url() -> str:
    return loaded_configuration().host


def request_timeout() -> float:
    """Default per-call timeout (seconds) so a hung API server never hangs a request."""
    return float(settings.KUBE_REQUEST_TIMEOUT)


def forget_configurations() -> None:
    """Forget loaded configurations (tests switch clusters between runs)."""
    with _lock:
        _cache.clear()
