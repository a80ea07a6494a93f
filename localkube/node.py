"""The one node localkube has: its name and the Node object registered at start-up (the runtime's
kubelet keeps its status fresh)."""

from __future__ import annotations

import platform
from typing import Any

NODE_NAME = "localkube"


def node_info() -> dict[str, str]:
    """The node's system info, every field set: typed clients (the kubernetes Python client) reject a
    Node whose nodeInfo lacks one, so the object registered at start-up carries it all too."""
    return {
        "architecture": platform.machine() or "unknown",
        "bootID": "",
        "containerRuntimeVersion": "localkube://subprocess",
        "kernelVersion": platform.release(),
        "kubeProxyVersion": "",
        "kubeletVersion": "v1.34.0-localkube",  # the version discovery reports
        "machineID": "",
        "operatingSystem": platform.system().lower(),
        "osImage": platform.platform(),
        "systemUUID": "",
    }


def node_object() -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": NODE_NAME,
            "labels": {
                "kubernetes.io/hostname": NODE_NAME,
                "kubernetes.io/os": "linux",
                "node-role.kubernetes.io/control-plane": "",
            },
        },
        "spec": {},
        "status": {
            "capacity": {"cpu": "8", "memory": "16Gi", "pods": "110", "ephemeral-storage": "100Gi"},
            "allocatable": {"cpu": "8", "memory": "16Gi", "pods": "110", "ephemeral-storage": "100Gi"},
            "conditions": [
                {
                    "type": "Ready",
                    "status": "True",
                    "reason": "KubeletReady",
                    "message": "localkube is posting ready status",
                }
            ],
            "nodeInfo": node_info(),
            "addresses": [{"type": "InternalIP", "address": "127.0.0.1"}, {"type": "Hostname", "address": NODE_NAME}],
        },
    }
