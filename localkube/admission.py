"""Generic object metadata, as kube-apiserver's generic registry handles it for every kind: name
rules, label/annotation validation, generateName, uid, creationTimestamp, generation. Per-kind
defaults are in ``defaults.py``."""

from __future__ import annotations

import re
import secrets
import uuid
from datetime import UTC, datetime
from typing import Any

from localkube.errors import cause, invalid
from localkube.registry import ResourceType

_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_LABEL_VALUE_MESSAGE = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
    "and must start and end with an alphanumeric character"
)
# kube's TotalAnnotationSizeLimitB: keys and values of one object's annotations together.
TOTAL_ANNOTATION_SIZE_LIMIT_BYTES = 256 * 1024
_GENERATE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
# Resources whose names are DNS-1123 labels; RBAC names are path segments (``system:foo``).
_LABEL_NAMED = {("", "namespaces"), ("", "services")}
_PATH_SEGMENT_NAMED = {"rbac.authorization.k8s.io"}


def now_timestamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def validate_name(resource_type: ResourceType, name: str) -> None:
    kind, group = resource_type.kind, resource_type.group
    if resource_type.group in _PATH_SEGMENT_NAMED:
        if name in (".", "..") or "/" in name or "%" in name:
            raise invalid(
                kind, group, name, [cause("metadata.name", f"Invalid value: \"{name}\": may not contain '/' or '%'")]
            )
        return
    if (group, resource_type.resource) in _LABEL_NAMED:
        if len(name) > 63 or not _LABEL.match(name):
            message = (
                f'Invalid value: "{name}": a lowercase RFC 1123 label must consist of lower case alphanumeric '
                "characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or "
                "'123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
            )
            raise invalid(kind, group, name, [cause("metadata.name", message)])
        return
    if len(name) > 253 or not _SUBDOMAIN.match(name):
        message = (
            f'Invalid value: "{name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric '
            "characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', "
            "regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
        )
        raise invalid(kind, group, name, [cause("metadata.name", message)])


def validate_metadata(resource_type: ResourceType, metadata: dict[str, Any]) -> None:
    name = metadata.get("name", "")
    causes = []
    for key, value in (metadata.get("labels") or {}).items():
        if not isinstance(value, str) or len(value) > 63 or not _LABEL_VALUE.match(value):
            causes.append(
                cause(
                    "metadata.labels",
                    f'Invalid value: "{value}": {_LABEL_VALUE_MESSAGE}',
                )
            )
        if not isinstance(key, str) or not key or len(key.rsplit("/", 1)[-1]) > 63:
            causes.append(
                cause("metadata.labels", f'Invalid value: "{key}": name part must be no more than 63 characters')
            )
    annotations_size = 0
    for key, value in (metadata.get("annotations") or {}).items():
        if not isinstance(value, str):
            causes.append(cause(f"metadata.annotations.{key}", "Invalid value: annotation values must be strings"))
            continue
        annotations_size += len(str(key).encode()) + len(value.encode())
    if annotations_size > TOTAL_ANNOTATION_SIZE_LIMIT_BYTES:
        causes.append(
            cause(
                "metadata.annotations",
                f"Too long: may not be more than {TOTAL_ANNOTATION_SIZE_LIMIT_BYTES} bytes",
                "FieldValueTooLong",
            )
        )
    if causes:
        raise invalid(resource_type.kind, resource_type.group, name, causes)


def generate_name(prefix: str) -> str:
    return prefix + "".join(secrets.choice(_GENERATE_ALPHABET) for _ in range(5))


def initialize_metadata(resource_type: ResourceType, obj: dict[str, Any], namespace: str | None) -> None:
    metadata = obj.setdefault("metadata", {})
    if not metadata.get("name") and metadata.get("generateName"):
        metadata["name"] = generate_name(metadata["generateName"])
    if not metadata.get("name"):
        raise invalid(
            resource_type.kind,
            resource_type.group,
            "",
            [cause("metadata.name", "Required value: name or generateName is required", "FieldValueRequired")],
        )
    validate_name(resource_type, metadata["name"])
    validate_metadata(resource_type, metadata)
    if resource_type.namespaced:
        metadata["namespace"] = namespace
    else:
        metadata.pop("namespace", None)
    metadata["uid"] = str(uuid.uuid4())
    metadata["creationTimestamp"] = now_timestamp()
    if resource_type.tracks_generation:
        metadata["generation"] = 1
    else:
        metadata.pop("generation", None)
    for transient in ("deletionTimestamp", "deletionGracePeriodSeconds", "resourceVersion", "selfLink"):
        metadata.pop(transient, None)
