"""A container's environment from its pod spec: ``env``, ``envFrom``, ``valueFrom`` references.

Pure: Secrets and ConfigMaps come in through lookup callables, so the kubelet's I/O stays at the
edge and the rules (order, optional refs, kubelet error messages) are unit-tested.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import Any

from localkube.runtime.quantity import parse_quantity
from localkube.runtime.substitution import expand_var_refs

# name -> decoded data, or None when the object does not exist.
Lookup = Callable[[str], dict[str, str] | None]
_ENV_NAME = re.compile(r"^[-._a-zA-Z][-._a-zA-Z0-9]*$")
_SUBSCRIPT = re.compile(r"^metadata\.(labels|annotations)\['(.+)'\]$")


class ContainerConfigError(Exception):
    """A reference cannot be resolved: the kubelet's CreateContainerConfigError."""


def field_value(pod: dict[str, Any], field_path: str) -> str:
    metadata = pod.get("metadata") or {}
    spec = pod.get("spec") or {}
    status = pod.get("status") or {}
    simple = {
        "metadata.name": metadata.get("name", ""),
        "metadata.namespace": metadata.get("namespace", ""),
        "metadata.uid": metadata.get("uid", ""),
        "spec.nodeName": spec.get("nodeName", ""),
        "spec.serviceAccountName": spec.get("serviceAccountName", "default"),
        "status.podIP": status.get("podIP", ""),
        "status.podIPs": status.get("podIP", ""),
        "status.hostIP": status.get("hostIP", ""),
    }
    if field_path in simple:
        return str(simple[field_path] or "")
    match = _SUBSCRIPT.match(field_path)
    if match:
        return str((metadata.get(match.group(1)) or {}).get(match.group(2), ""))
    raise ContainerConfigError(f'unsupported fieldPath "{field_path}"')


def resource_field_value(container: dict[str, Any], ref: dict[str, Any]) -> str:
    """``limits.cpu``/``requests.memory``...; rounded up to the divisor as the kubelet does."""
    section, _, resource = str(ref.get("resource", "")).partition(".")
    resources = container.get("resources") or {}
    raw = (resources.get(section) or {}).get(resource)
    if raw is None and section == "requests":
        raw = (resources.get("limits") or {}).get(resource)
    if raw is None:
        raw = "0"
    divisor = parse_quantity(str(ref.get("divisor") or "1"))
    return str(math.ceil(parse_quantity(str(raw)) / divisor))


def _key_ref(kind: str, namespace: str, ref: dict[str, Any], lookup: Lookup) -> str | None:
    name = ref.get("name", "")
    data = lookup(name)
    optional = bool(ref.get("optional", False))
    if data is None:
        if optional:
            return None
        raise ContainerConfigError(f'{kind.lower()} "{name}" not found')
    key = ref.get("key", "")
    if key not in data:
        if optional:
            return None
        raise ContainerConfigError(f"couldn't find key {key} in {kind} {namespace}/{name}")
    return data[key]


def resolve_env(
    pod: dict[str, Any],
    container: dict[str, Any],
    *,
    secrets: Lookup,
    configmaps: Lookup,
    base: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Environment in kube's order: envFrom sources, then env entries (later wins), with ``$(VAR)``
    expanded against what is defined before each entry; ``base`` (variables the runtime itself
    injects, like kube's service variables) can be referenced but is not returned."""
    namespace = (pod.get("metadata") or {}).get("namespace", "")
    env: dict[str, str] = {}
    for source in container.get("envFrom") or []:
        prefix = source.get("prefix", "")
        for kind, ref_key, lookup in (("Secret", "secretRef", secrets), ("ConfigMap", "configMapRef", configmaps)):
            ref = source.get(ref_key)
            if ref is None:
                continue
            data = lookup(ref.get("name", ""))
            if data is None:
                if ref.get("optional"):
                    continue
                raise ContainerConfigError(f'{kind.lower()} "{ref.get("name", "")}" not found')
            for key, data_value in data.items():
                if _ENV_NAME.match(prefix + key):  # kubelet skips invalid names (with an event)
                    env[prefix + key] = data_value
    for entry in container.get("env") or []:
        name = entry.get("name", "")
        value_from = entry.get("valueFrom")
        if value_from is None:
            env[name] = expand_var_refs(str(entry.get("value", "")), {**(base or {}), **env})
            continue
        value: str | None
        if "secretKeyRef" in value_from:
            value = _key_ref("Secret", namespace, value_from["secretKeyRef"], secrets)
        elif "configMapKeyRef" in value_from:
            value = _key_ref("ConfigMap", namespace, value_from["configMapKeyRef"], configmaps)
        elif "fieldRef" in value_from:
            value = field_value(pod, value_from["fieldRef"].get("fieldPath", ""))
        elif "resourceFieldRef" in value_from:
            value = resource_field_value(container, value_from["resourceFieldRef"])
        else:
            raise ContainerConfigError(f"unsupported valueFrom for env {name}")
        if value is not None:
            env[name] = value
    return env


def referenced_objects(container: dict[str, Any]) -> tuple[set[str], set[str]]:
    """Names of the Secrets and ConfigMaps a container's environment reads (to fetch them first)."""
    secrets: set[str] = set()
    configmaps: set[str] = set()
    for source in container.get("envFrom") or []:
        if "secretRef" in source:
            secrets.add(source["secretRef"].get("name", ""))
        if "configMapRef" in source:
            configmaps.add(source["configMapRef"].get("name", ""))
    for entry in container.get("env") or []:
        value_from = entry.get("valueFrom") or {}
        if "secretKeyRef" in value_from:
            secrets.add(value_from["secretKeyRef"].get("name", ""))
        if "configMapKeyRef" in value_from:
            configmaps.add(value_from["configMapKeyRef"].get("name", ""))
    return secrets, configmaps
