"""Whether one set of PolicyRules covers another: a port of kube's rbac/validation ``Covers``.

kube-apiserver uses it to refuse RBAC writes that would hand out more than the writer holds. Pure
functions over rule mappings, so the rules of coverage can be tested as a table.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

ALL = "*"

Rule = Mapping[str, Any]

# What kube requires before a ClusterRole may carry an aggregationRule (full cluster-admin).
FULL_AUTHORITY: list[dict[str, list[str]]] = [
    {"verbs": [ALL], "apiGroups": [ALL], "resources": [ALL]},
    {"verbs": [ALL], "nonResourceURLs": [ALL]},
]


def _strings(rule: Rule, field: str) -> list[str]:
    return [str(item) for item in rule.get(field) or ()]


def breakdown(rule: Rule) -> list[dict[str, list[str]]]:
    """One rule per (group, resource, verb[, name]) and per (URL, verb), as kube's BreakdownRule."""
    names = _strings(rule, "resourceNames")
    verbs = _strings(rule, "verbs")
    parts: list[dict[str, list[str]]] = []
    for group in _strings(rule, "apiGroups"):
        for resource in _strings(rule, "resources"):
            for verb in verbs:
                base = {"apiGroups": [group], "resources": [resource], "verbs": [verb]}
                if names:
                    parts.extend({**base, "resourceNames": [name]} for name in names)
                else:
                    parts.append(base)
    for url in _strings(rule, "nonResourceURLs"):
        parts.extend({"nonResourceURLs": [url], "verbs": [verb]} for verb in verbs)
    return parts


def _resource_covers(owner: Sequence[str], resource: str) -> bool:
    if ALL in owner or resource in owner:
        return True
    _, slash, subresource = resource.partition("/")
    return bool(slash) and f"*/{subresource}" in owner


def _url_covers(owner: str, path: str) -> bool:
    return owner == path or (owner.endswith(ALL) and path.startswith(owner.rstrip(ALL)))


def rule_covers(owner: Rule, sub: Rule) -> bool:
    """kube's ruleCovers: every verb, group, resource, name and URL of ``sub`` is in ``owner``."""
    owner_verbs, owner_groups = _strings(owner, "verbs"), _strings(owner, "apiGroups")
    owner_resources, owner_urls = _strings(owner, "resources"), _strings(owner, "nonResourceURLs")
    owner_names = _strings(owner, "resourceNames")
    sub_names = _strings(sub, "resourceNames")
    verbs = ALL in owner_verbs or set(_strings(sub, "verbs")) <= set(owner_verbs)
    groups = ALL in owner_groups or set(_strings(sub, "apiGroups")) <= set(owner_groups)
    resources = all(_resource_covers(owner_resources, resource) for resource in _strings(sub, "resources"))
    urls = all(any(_url_covers(o, path) for o in owner_urls) for path in _strings(sub, "nonResourceURLs"))
    # An owner rule naming resources covers only requests for those names, never all of them.
    names = not owner_names or (bool(sub_names) and set(sub_names) <= set(owner_names))
    return verbs and groups and resources and urls and names


def uncovered(owner_rules: Iterable[Rule], servant_rules: Iterable[Rule]) -> list[dict[str, list[str]]]:
    """The broken-down parts of ``servant_rules`` that no owner rule covers (empty: covered)."""
    owners = list(owner_rules)
    missing: list[dict[str, list[str]]] = []
    for servant in servant_rules:
        for part in breakdown(servant):
            if not any(rule_covers(owner, part) for owner in owners):
                missing.append(part)
    return missing


def compact(rules: Iterable[dict[str, list[str]]]) -> list[dict[str, list[str]]]:
    """Merge the verbs of simple resource rules on the same group/resource (kube's CompactRules)."""
    merged: dict[tuple[str, str], dict[str, list[str]]] = {}
    result: list[dict[str, list[str]]] = []
    for rule in rules:
        simple = (
            len(rule.get("apiGroups", [])) == 1
            and len(rule.get("resources", [])) == 1
            and not rule.get("resourceNames")
            and not rule.get("nonResourceURLs")
        )
        if not simple:
            result.append(rule)
            continue
        key = (rule["apiGroups"][0], rule["resources"][0])
        if key in merged:
            merged[key]["verbs"].extend(verb for verb in rule["verbs"] if verb not in merged[key]["verbs"])
        else:
            merged[key] = {"apiGroups": [key[0]], "resources": [key[1]], "verbs": list(rule["verbs"])}
            result.append(merged[key])
    return result


def _go_quoted_list(values: Sequence[str]) -> str:
    """Go's %q for a []string: ["a" "b"]."""
    return "[" + " ".join('"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"' for value in values) + "]"


def compact_string(rule: Mapping[str, Sequence[str]]) -> str:
    """kube's PolicyRule.CompactString: ``{APIGroups:["*"], Resources:["*"], Verbs:["*"]}``."""
    parts = []
    for field, label in (
        ("apiGroups", "APIGroups"),
        ("resources", "Resources"),
        ("nonResourceURLs", "NonResourceURLs"),
        ("resourceNames", "ResourceNames"),
        ("verbs", "Verbs"),
    ):
        if rule.get(field):
            parts.append(f"{label}:{_go_quoted_list(list(rule[field]))}")
    return "{" + ", ".join(parts) + "}"


def describe_missing(missing: Iterable[dict[str, list[str]]]) -> list[str]:
    """The sorted, de-duplicated lines kube prints for rights the writer lacks."""
    return sorted({compact_string(rule) for rule in compact(missing)})
