"""CustomResourceDefinition admission: name checks and the status the apiextensions controller sets.

kube sets NamesAccepted/Established asynchronously; here they are set on the write itself, so
``kubectl wait --for=condition=established`` returns at once.
"""

from __future__ import annotations

from typing import Any

from localkube.admission import now_timestamp
from localkube.errors import cause, invalid
from localkube.registry import Registry


def validate_crd(crd: dict[str, Any], registry: Registry) -> None:
    name = crd.get("metadata", {}).get("name", "")
    spec = crd.get("spec") or {}
    names = spec.get("names") or {}
    group = spec.get("group", "")
    plural = names.get("plural", "")
    causes = []
    if not group:
        causes.append(cause("spec.group", "Required value", "FieldValueRequired"))
    if not plural:
        causes.append(cause("spec.names.plural", "Required value", "FieldValueRequired"))
    if not names.get("kind"):
        causes.append(cause("spec.names.kind", "Required value", "FieldValueRequired"))
    if plural and group and name != f"{plural}.{group}":
        causes.append(cause("metadata.name", f'Invalid value: "{name}": must be spec.names.plural+"."+spec.group'))
    if spec.get("scope") not in ("Namespaced", "Cluster"):
        causes.append(
            cause(
                "spec.scope",
                f'Unsupported value: "{spec.get("scope", "")}": supported values: "Cluster", "Namespaced"',
                "FieldValueNotSupported",
            )
        )
    versions = spec.get("versions") or []
    if not versions or sum(1 for version in versions if version.get("storage")) != 1:
        causes.append(cause("spec.versions", "Invalid value: must have exactly one version marked as storage version"))
    for index, version in enumerate(versions):
        schema = (version.get("schema") or {}).get("openAPIV3Schema")
        if schema is None:
            causes.append(
                cause(
                    f"spec.versions[{index}].schema.openAPIV3Schema",
                    "Required value: schemas are required",
                    "FieldValueRequired",
                )
            )
        elif schema.get("type") != "object":
            causes.append(
                cause(
                    f"spec.versions[{index}].schema.openAPIV3Schema.type",
                    "Required value: must be object at the root",
                    "FieldValueRequired",
                )
            )
    existing = registry.get(group, plural)
    if existing is not None and existing.builtin:
        causes.append(cause("spec.names.plural", f'Invalid value: "{plural}": conflicts with a built-in resource'))
    if causes:
        raise invalid("CustomResourceDefinition", "apiextensions.k8s.io", name, causes)


def crd_status(crd: dict[str, Any], previous: dict[str, Any] | None) -> dict[str, Any]:
    spec = crd.get("spec") or {}
    names = dict(spec.get("names") or {})
    names.setdefault("singular", names.get("kind", "").lower())
    names.setdefault("listKind", f"{names.get('kind', '')}List")
    stored = list(((previous or {}).get("status") or {}).get("storedVersions") or [])
    for version in spec.get("versions") or []:
        if version.get("storage") and version["name"] not in stored:
            stored.append(version["name"])
    timestamp = now_timestamp()
    old_conditions = {c["type"]: c for c in ((previous or {}).get("status") or {}).get("conditions") or []}

    def condition(kind: str, reason: str, message: str) -> dict[str, Any]:
        old = old_conditions.get(kind)
        transition = old["lastTransitionTime"] if old and old.get("status") == "True" else timestamp
        return {"type": kind, "status": "True", "reason": reason, "message": message, "lastTransitionTime": transition}

    return {
        "acceptedNames": names,
        "storedVersions": stored,
        "conditions": [
            condition("NamesAccepted", "NoConflicts", "no conflicts found"),
            condition("Established", "InitialNamesAccepted", "the initial names have been accepted"),
        ],
    }


def default_crd(crd: dict[str, Any]) -> None:
    spec = crd.setdefault("spec", {})
    names = spec.setdefault("names", {})
    names.setdefault("singular", names.get("kind", "").lower())
    names.setdefault("listKind", f"{names.get('kind', '')}List")
    spec.setdefault("conversion", {"strategy": "None"})
    for version in spec.get("versions") or []:
        version.setdefault("served", True)
