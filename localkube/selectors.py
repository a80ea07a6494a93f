"""Label and field selectors, parsed once per request and matched against stored objects."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from localkube.errors import ApiError

_LABEL_KEY = re.compile(
    r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$"
)
_SET_TERM = re.compile(r"^\s*(!?)\s*([^\s!=,()]+)\s*(?:(notin|in)\s*\(([^)]*)\))?\s*$")


@dataclass(frozen=True)
class Requirement:
    key: str
    operator: str  # = != in notin exists !exists
    values: tuple[str, ...] = ()

    def matches(self, labels: dict[str, str]) -> bool:
        present = self.key in labels
        value = labels.get(self.key)
        if self.operator == "exists":
            return present
        if self.operator == "!exists":
            return not present
        if self.operator in ("=", "in"):
            return present and value in self.values
        # != and notin match objects without the label, as in kube.
        return not present or value not in self.values


def _split_terms(text: str) -> list[str]:
    """Split on commas that are not inside parentheses."""
    terms: list[str] = []
    depth = 0
    current = ""
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            terms.append(current)
            current = ""
        else:
            current += char
    terms.append(current)
    return [term for term in terms if term.strip()]


def parse_label_selector(text: str | None) -> list[Requirement]:
    if not text:
        return []
    requirements: list[Requirement] = []
    for term in _split_terms(text):
        requirements.append(_parse_label_term(term.strip()))
    return requirements


def _parse_label_term(term: str) -> Requirement:
    for operator in ("!=", "==", "="):
        if operator in term and "(" not in term:
            key, _, value = term.partition(operator)
            key, value = key.strip(), value.strip()
            _check_key(key, term)
            return Requirement(key, "!=" if operator == "!=" else "=", (value,))
    match = _SET_TERM.match(term)
    if not match:
        raise ApiError(400, f"unable to parse requirement: invalid label selector term {term!r}")
    negated, key, set_operator, values = match.groups()
    _check_key(key, term)
    if set_operator:
        if negated:
            raise ApiError(400, f"unable to parse requirement: {term!r}")
        parsed = tuple(value.strip() for value in values.split(",") if value.strip())
        return Requirement(key, set_operator, parsed)
    return Requirement(key, "!exists" if negated else "exists")


def _check_key(key: str, term: str) -> None:
    if not _LABEL_KEY.match(key):
        raise ApiError(400, f"unable to parse requirement: invalid label key {key!r} in {term!r}")


def labels_match(requirements: list[Requirement], obj: dict[str, Any]) -> bool:
    labels = (obj.get("metadata") or {}).get("labels") or {}
    return all(requirement.matches(labels) for requirement in requirements)


# Field selectors: which dotted paths each resource accepts (kube rejects others with 400).
_COMMON_FIELDS = ("metadata.name", "metadata.namespace")
_EXTRA_FIELDS: dict[tuple[str, str], tuple[str, ...]] = {
    ("", "events"): (
        "involvedObject.kind",
        "involvedObject.namespace",
        "involvedObject.name",
        "involvedObject.uid",
        "involvedObject.apiVersion",
        "involvedObject.resourceVersion",
        "involvedObject.fieldPath",
        "reason",
        "reportingComponent",
        "source",
        "type",
    ),
    ("events.k8s.io", "events"): (
        "regarding.kind",
        "regarding.name",
        "regarding.namespace",
        "regarding.uid",
        "reason",
        "type",
    ),
    ("", "pods"): (
        "spec.nodeName",
        "spec.restartPolicy",
        "spec.schedulerName",
        "spec.serviceAccountName",
        "status.phase",
        "status.podIP",
    ),
    ("", "secrets"): ("type",),
    ("", "namespaces"): ("status.phase",),
    ("batch", "jobs"): ("status.successful",),
}


@dataclass(frozen=True)
class FieldRequirement:
    path: str
    value: str
    negated: bool

    def matches(self, obj: dict[str, Any]) -> bool:
        actual = field_value(obj, self.path)
        return (actual != self.value) if self.negated else (actual == self.value)


def field_value(obj: dict[str, Any], path: str) -> str:
    if path == "source":  # events: kubectl describe filters by involvedObject only; keep it simple
        return (obj.get("source") or {}).get("component", "")
    current: Any = obj
    for part in path.split("."):
        if not isinstance(current, dict):
            return ""
        current = current.get(part)
    if current is None:
        return ""
    if isinstance(current, bool):
        return "true" if current else "false"
    return str(current)


def parse_field_selector(text: str | None, group: str, resource: str) -> list[FieldRequirement]:
    if not text:
        return []
    allowed = _COMMON_FIELDS + _EXTRA_FIELDS.get((group, resource), ())
    requirements: list[FieldRequirement] = []
    for term in text.split(","):
        term = term.strip()
        if not term:
            continue
        for operator in ("!=", "==", "="):
            if operator in term:
                path, _, value = term.partition(operator)
                path = path.strip()
                if path not in allowed:
                    raise ApiError(400, f"field label not supported: {path}")
                requirements.append(FieldRequirement(path, value.strip(), operator == "!="))
                break
        else:
            raise ApiError(400, f"invalid field selector: {term!r}")
    return requirements


def fields_match(requirements: list[FieldRequirement], obj: dict[str, Any]) -> bool:
    return all(requirement.matches(obj) for requirement in requirements)


def make_filter(
    label_selector: str | None, field_selector: str | None, group: str, resource: str
) -> Callable[[dict[str, Any]], bool]:
    labels = parse_label_selector(label_selector)
    fields = parse_field_selector(field_selector, group, resource)

    def predicate(obj: dict[str, Any]) -> bool:
        return labels_match(labels, obj) and fields_match(fields, obj)

    return predicate
