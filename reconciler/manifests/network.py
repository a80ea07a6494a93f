"""The content sidecar's door: a Service at a stable name, and a NetworkPolicy that lets only the
control plane's api and worker pods through it (the agent's own pod needs no ingress at all)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ambient.contract import (
    APP_CONTENT,
    APP_RUNNER,
    CONTENT_CLIENT_COMPONENTS,
    CONTENT_PORT,
    CONTENT_PORT_NAME,
    CONTROL_PLANE_APP_NAME,
    LABEL_APP,
    LABEL_K8S_COMPONENT,
    LABEL_K8S_NAME,
    LABEL_NAMESPACE_NAME,
    LABEL_SESSION,
    network_policy_name,
    service_name,
)
from reconciler.config import ReconcilerConfig
from reconciler.manifests.metadata import Kind, Manifest, child_metadata, session_name


def content_service(session: Mapping[str, Any]) -> Manifest:
    name = session_name(session)
    return {
        "apiVersion": "v1",
        "kind": Kind.SERVICE.value,
        "metadata": child_metadata(session, service_name(name), labels={LABEL_APP: APP_CONTENT}),
        "spec": {
            "type": "ClusterIP",
            # Selects this session's Job pod, whichever run it belongs to.
            "selector": {LABEL_APP: APP_RUNNER, LABEL_SESSION: name},
            "ports": [
                {
                    "name": CONTENT_PORT_NAME,
                    "port": CONTENT_PORT,
                    "targetPort": CONTENT_PORT_NAME,
                    "protocol": "TCP",
                }
            ],
        },
    }


def content_network_policy(session: Mapping[str, Any], config: ReconcilerConfig) -> Manifest:
    """Ingress to this session's pod only on the content port, only from api and worker pods."""
    name = session_name(session)
    sources = [
        {
            "namespaceSelector": {"matchLabels": {LABEL_NAMESPACE_NAME: config.control_plane_namespace}},
            "podSelector": {"matchLabels": {LABEL_K8S_NAME: CONTROL_PLANE_APP_NAME, LABEL_K8S_COMPONENT: component}},
        }
        for component in CONTENT_CLIENT_COMPONENTS
    ]
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": Kind.NETWORK_POLICY.value,
        "metadata": child_metadata(session, network_policy_name(name), labels={LABEL_APP: APP_CONTENT}),
        "spec": {
            "podSelector": {"matchLabels": {LABEL_APP: APP_RUNNER, LABEL_SESSION: name}},
            "policyTypes": ["Ingress"],
            "ingress": [{"from": sources, "ports": [{"protocol": "TCP", "port": CONTENT_PORT}]}],
        },
    }
