"""The Service that puts the content sidecar at a stable name for the api and the reconciler."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ambient.contract import (
    APP_CONTENT,
    APP_RUNNER,
    CONTENT_PORT,
    CONTENT_PORT_NAME,
    LABEL_APP,
    LABEL_SESSION,
    service_name,
)
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
