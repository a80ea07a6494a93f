"""The session's workspace PVC: it outlives Jobs so a restarted session keeps its conversation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ambient.contract import APP_WORKSPACE, LABEL_APP, pvc_name
from reconciler.config import ReconcilerConfig
from reconciler.manifests.metadata import Kind, Manifest, child_metadata, session_name


def workspace_pvc(session: Mapping[str, Any], config: ReconcilerConfig) -> Manifest:
    overrides = session.get("spec", {}).get("resourceOverrides") or {}
    spec: Manifest = {
        "accessModes": ["ReadWriteOnce"],
        "resources": {"requests": {"storage": config.storage_size}},
    }
    storage_class = overrides.get("storageClass") or config.storage_class
    if storage_class:
        spec["storageClassName"] = storage_class
    return {
        "apiVersion": "v1",
        "kind": Kind.PERSISTENT_VOLUME_CLAIM.value,
        "metadata": child_metadata(session, pvc_name(session_name(session)), labels={LABEL_APP: APP_WORKSPACE}),
        "spec": spec,
    }
