"""Update validation for fields kube-apiserver refuses to change after create (422 Invalid).

Without it a controller that mutates a Job template or a Pod's env would pass here and fail on a
real cluster. One localkube extension: ``spec.nodeName`` may be set once on an unbound pod, which is
how the runtime's scheduler binds (kube uses the pods/binding subresource).
"""

from __future__ import annotations

import json
from typing import Any

from localkube.errors import cause, invalid
from localkube.registry import ResourceType

KubeObject = dict[str, Any]
_POD_MUTABLE_MESSAGE = (
    "Forbidden: pod updates may not change fields other than `spec.containers[*].image`,"
    "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing "
    "tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)"
)
_JOB_IMMUTABLE = ("selector", "template", "completionMode")


def validate_update(resource_type: ResourceType, old: KubeObject, new: KubeObject) -> None:
    key = (resource_type.group, resource_type.resource)
    name = old["metadata"]["name"]
    if key == ("", "pods"):
        # Most pod writes (binding, labels, owner changes) leave the spec as it was: nothing to compare.
        if old.get("spec") == new.get("spec"):
            return
        if _pod_spec_comparable(old.get("spec") or {}, new.get("spec") or {}) != _pod_spec_comparable(
            new.get("spec") or {}, new.get("spec") or {}
        ):
            raise invalid("Pod", "", name, [cause("spec", _POD_MUTABLE_MESSAGE, "FieldValueForbidden")])
    elif key == ("batch", "jobs"):
        old_spec, new_spec = old.get("spec") or {}, new.get("spec") or {}
        for field in _JOB_IMMUTABLE:
            if old_spec.get(field) != new_spec.get(field):
                shown = json.dumps(new_spec.get(field))
                raise invalid(
                    "Job", "batch", name, [cause(f"spec.{field}", f"Invalid value: {shown}: field is immutable")]
                )
    elif key in (("", "configmaps"), ("", "secrets")) and old.get("immutable"):
        for field in ("data", "binaryData", "immutable"):
            if old.get(field) != new.get(field):
                kind = resource_type.kind
                raise invalid(
                    kind,
                    "",
                    name,
                    [cause(field, "Forbidden: field is immutable when `immutable` is set", "FieldValueForbidden")],
                )


def _pod_spec_comparable(spec: dict[str, Any], allowed_from: dict[str, Any]) -> dict[str, Any]:
    """``spec`` with the mutable fields taken from ``allowed_from``, so only forbidden changes differ.
    A new map where it differs, sharing the rest with ``spec`` (only compared, never modified)."""
    result = dict(spec)
    for field in ("containers", "initContainers"):
        replacements = {c.get("name"): c.get("image") for c in allowed_from.get(field) or [] if isinstance(c, dict)}
        if isinstance(result.get(field), list):
            result[field] = [
                {**container, "image": replacements[container["name"]]}
                if isinstance(container, dict) and container.get("name") in replacements
                else container
                for container in result[field]
            ]
    for field in ("activeDeadlineSeconds", "tolerations", "terminationGracePeriodSeconds"):
        if field in allowed_from:
            result[field] = allowed_from[field]
        else:
            result.pop(field, None)
    if not spec.get("nodeName") and allowed_from.get("nodeName"):
        result["nodeName"] = allowed_from["nodeName"]
    return result
