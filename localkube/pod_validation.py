"""The parts of kube-apiserver's pod-spec validation a client can trip over: env names, quantities.

Applied to pods and to a Job's pod template, for every requester. Unparseable quantities fail
while kube decodes the body (400 BadRequest); well-formed but wrong values fail validation (422
Invalid with field causes). Env names follow kube 1.34, the version localkube reports: relaxed
validation (GA there) accepts any printable ASCII except ``=``, so ``"BAD NAME"`` is valid but
``""`` and ``"A=B"`` are not.
"""

from __future__ import annotations

import re
from typing import Any

from localkube.errors import ApiError, cause, invalid
from localkube.host_admission import pod_spec_of
from localkube.registry import ResourceType

KubeObject = dict[str, Any]
QUANTITY_PATTERN = r"^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$"
_QUANTITY_SHAPE = re.compile(QUANTITY_PATTERN)
_NUMBER = re.compile(r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$")
_SUFFIXES = {"", "n", "u", "m", "k", "M", "G", "T", "P", "E", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"}
_EXPONENT = re.compile(r"^[eE][-+]?[0-9]+$")
_ENV_NAME_MESSAGE = "a valid environment variable name must consist only of printable ASCII characters other than '='"
# What an environment variable name may not hold: anything outside printable ASCII (space to tilde), or '='.
_ENV_NAME_FORBIDDEN = re.compile(r"[^\x20-\x7e]|=")
_CONTAINER_LISTS = ("initContainers", "containers")


def validate_workload(resource_type: ResourceType, obj: KubeObject) -> None:
    """Raise ApiError (400 or 422) as kube-apiserver would for a pod or Job carrying this spec."""
    spec = pod_spec_of(resource_type, obj)
    if spec is None:
        return
    prefix = "spec" if resource_type.resource == "pods" else "spec.template.spec"
    _check_quantities_parse(resource_type, spec)
    causes: list[dict[str, str]] = []
    for field in _CONTAINER_LISTS:
        for index, container in enumerate(spec.get(field) or ()):
            if isinstance(container, dict):
                path = f"{prefix}.{field}[{index}]"
                causes.extend(_env_causes(container, path))
                causes.extend(_negative_quantity_causes(container, path))
    if causes:
        name = str((obj.get("metadata") or {}).get("name", ""))
        raise invalid(resource_type.kind, resource_type.group, name, causes)


def quantity_error(value: Any) -> str:
    """Why kube's decoder refuses a quantity ("" when it parses)."""
    if isinstance(value, bool):
        return f"quantities must match the regular expression '{QUANTITY_PATTERN}'"
    if isinstance(value, int | float):
        return ""
    text = str(value)
    match = _QUANTITY_SHAPE.match(text)
    if not match or not _NUMBER.match(match.group(1)):
        return f"quantities must match the regular expression '{QUANTITY_PATTERN}'"
    suffix = match.group(2)
    if suffix not in _SUFFIXES and not _EXPONENT.match(suffix):
        return "unable to parse quantity's suffix"
    return ""


def _quantities(container: dict[str, Any]) -> list[tuple[str, str, Any]]:
    resources = container.get("resources")
    if not isinstance(resources, dict):
        return []
    found: list[tuple[str, str, Any]] = []
    for section in ("requests", "limits"):
        values = resources.get(section)
        if isinstance(values, dict):
            found.extend((section, str(name), value) for name, value in values.items())
    return found


def _check_quantities_parse(resource_type: ResourceType, spec: dict[str, Any]) -> None:
    for field in _CONTAINER_LISTS:
        for container in spec.get(field) or ():
            if not isinstance(container, dict):
                continue
            for _section, _name, value in _quantities(container):
                error = quantity_error(value)
                if error:
                    kind = resource_type.kind
                    raise ApiError(400, f'{kind} in version "v1" cannot be handled as a {kind}: {error}', "BadRequest")


def _is_negative(value: Any) -> bool:
    if isinstance(value, int | float):
        return value < 0
    match = _QUANTITY_SHAPE.match(str(value))
    return match is not None and float(match.group(1)) < 0


def _negative_quantity_causes(container: dict[str, Any], path: str) -> list[dict[str, str]]:
    causes = []
    for section, name, value in _quantities(container):
        if _is_negative(value):
            field = f"{path}.resources.{section}[{name}]"
            causes.append(cause(field, f'Invalid value: "{value}": must be greater than or equal to 0'))
    return causes


def _env_causes(container: dict[str, Any], path: str) -> list[dict[str, str]]:
    causes = []
    for index, variable in enumerate(container.get("env") or ()):
        if not isinstance(variable, dict):
            continue
        name = variable.get("name")
        field = f"{path}.env[{index}].name"
        if not isinstance(name, str) or not name:
            causes.append(cause(field, "Required value", "FieldValueRequired"))
            continue
        if _ENV_NAME_FORBIDDEN.search(name):
            causes.append(cause(field, f'Invalid value: "{name}": {_ENV_NAME_MESSAGE}'))
    return causes
