"""The way in to a session's content sidecar: its Service and the NetworkPolicy on its port."""

from __future__ import annotations

from ambient.contract import network_policy_name, service_name
from reconciler.config import ReconcilerConfig
from reconciler.lifecycle.actions import Action, EnsureService
from reconciler.lifecycle.observed import Observed
from reconciler.manifests import Kind, content_network_policy, content_service


def content_access_actions(observed: Observed, config: ReconcilerConfig) -> list[Action]:
    """Create whichever of the two is missing; they are made and checked together."""
    session, name = observed.session, observed.name
    missing = []
    if not observed.has(Kind.SERVICE, service_name(name)):
        missing.append(content_service(session))
    if not observed.has(Kind.NETWORK_POLICY, network_policy_name(name)):
        missing.append(content_network_policy(session, config))
    return [EnsureService(tuple(missing))] if missing else []
