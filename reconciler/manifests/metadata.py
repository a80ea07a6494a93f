"""Owner references, labels and object metadata shared by every child of a session."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from ambient.contract import API_VERSION, KIND, LABEL_SESSION, LABEL_SESSION_OWNER

Manifest = dict[str, Any]


class Kind(StrEnum):
    """Kinds of the objects a session owns (also the vocabulary of Observed.children)."""

    JOB = "Job"
    POD = "Pod"
    PERSISTENT_VOLUME_CLAIM = "PersistentVolumeClaim"
    SERVICE = "Service"
    SERVICE_ACCOUNT = "ServiceAccount"
    ROLE = "Role"
    ROLE_BINDING = "RoleBinding"
    SECRET = "Secret"  # noqa: S105 - a kind
    NETWORK_POLICY = "NetworkPolicy"


def session_name(session: Mapping[str, Any]) -> str:
    return str(session["metadata"]["name"])


def session_namespace(session: Mapping[str, Any]) -> str:
    return str(session["metadata"]["namespace"])


def owner_reference(session: Mapping[str, Any], *, controller: bool = True) -> Manifest:
    """Reference to the CR so Kubernetes garbage-collects the child with the session.

    A copied secret shared by several sessions gets one controller reference and plain references
    for the others (an object has at most one controller); GC removes it after the last owner.
    """
    return {
        "apiVersion": API_VERSION,
        "kind": KIND,
        "name": session_name(session),
        "uid": str(session["metadata"]["uid"]),
        "controller": controller,
        "blockOwnerDeletion": True,
    }


def session_labels(name: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    labels = dict(extra or {})
    labels[LABEL_SESSION] = name
    labels[LABEL_SESSION_OWNER] = name
    return labels


def child_metadata(
    session: Mapping[str, Any],
    name: str,
    *,
    labels: Mapping[str, str] | None = None,
    annotations: Mapping[str, str] | None = None,
) -> Manifest:
    metadata: Manifest = {
        "name": name,
        "namespace": session_namespace(session),
        "labels": session_labels(session_name(session), labels),
        "ownerReferences": [owner_reference(session)],
    }
    if annotations:
        metadata["annotations"] = dict(annotations)
    return metadata
