"""Validators for values that end up in a CR or in Kubernetes metadata (field-level messages)."""

from __future__ import annotations

import re
from decimal import Decimal

from django.conf import settings
from rest_framework import serializers

from ambient.contract import DNS_LABEL_MAX_LENGTH, MAX_SESSION_NAME_LENGTH, SYSTEM_LABELS, is_system_annotation
from gitops.validation import branch_problem, git_url_problem, relative_path_problem, repo_name_problem
from sessions.api_constants import ANNOTATION_CLONED_FROM, DNS_LABEL_PATTERN
from sessions.environment_policy import environment_policy_from_settings

# Kubernetes qualified names (label and annotation keys): optional DNS-subdomain prefix + "/" + name.
_QUALIFIED_NAME = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$")
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_QUANTITY = re.compile(r"^([0-9]+(\.[0-9]+)?)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$")
_QUANTITY_SUFFIXES = {
    "": Decimal(1),
    "m": Decimal("0.001"),
    **{suffix: Decimal(1000) ** power for power, suffix in enumerate("kMGTPE", start=1)},
    **{f"{suffix}i": Decimal(1024) ** power for power, suffix in enumerate("KMGTPE", start=1)},
}


def validate_session_name(value: str) -> None:
    if len(value) > MAX_SESSION_NAME_LENGTH:
        raise serializers.ValidationError(
            f"At most {MAX_SESSION_NAME_LENGTH} characters, so every object derived from the session stays a DNS label."
        )
    if not DNS_LABEL_PATTERN.match(value):
        raise serializers.ValidationError("Use lowercase letters, digits and '-', starting and ending alphanumeric.")


def validate_project_field(value: str) -> None:
    if len(value) > DNS_LABEL_MAX_LENGTH or not DNS_LABEL_PATTERN.match(value):
        raise serializers.ValidationError("Not a DNS-1123 label (lowercase letters, digits and '-', at most 63).")


def validate_qualified_key(key: str) -> str | None:
    """The problem with a label/annotation key, or None."""
    prefix, _, name = key.rpartition("/")
    if "/" in key and (not prefix or len(prefix) > 253 or not _DNS_SUBDOMAIN.match(prefix)):
        return f"{key!r}: the prefix must be a DNS subdomain."
    if not name or len(name) > 63 or not _QUALIFIED_NAME.match(name):
        return f"{key!r}: the name must be 1-63 alphanumerics, '-', '_' or '.', starting and ending alphanumeric."
    return None


def validate_labels(labels: dict[str, str | None]) -> None:
    errors = []
    for key, value in labels.items():
        problem = validate_qualified_key(key)
        if problem:
            errors.append(problem)
        elif key in SYSTEM_LABELS:
            errors.append(f"{key!r} is set by the system and cannot be changed.")
        elif value is not None and (len(value) > 63 or not _LABEL_VALUE.match(value)):
            errors.append(f"{key!r}: a label value is at most 63 alphanumerics, '-', '_' or '.'.")
    if errors:
        raise serializers.ValidationError(errors)


def validate_annotations(annotations: dict[str, str | None]) -> None:
    errors = []
    for key in annotations:
        problem = validate_qualified_key(key)
        if problem:
            errors.append(problem)
        elif is_system_annotation(key):
            errors.append(f"{key!r} is owned by the system; use /start or /stop to express intent.")
        elif key == ANNOTATION_CLONED_FROM:
            errors.append(f"{key!r} is written by the system when a session is cloned.")
    if errors:
        raise serializers.ValidationError(errors)


def validate_environment(variables: dict[str, str]) -> None:
    bad = [name for name in variables if not _ENV_NAME.match(name)]
    if bad:
        raise serializers.ValidationError(f"Not environment variable names: {', '.join(sorted(bad))}.")
    refused = environment_policy_from_settings().refused(variables)
    if refused:
        raise serializers.ValidationError(
            [
                f"{name!r} may not be set by a session ({reason}): it steers the runner's interpreter, "
                "network, model provider or credentials."
                for name, reason in sorted(refused.items())
            ]
        )


def validate_quantity(value: str) -> None:
    if not _QUANTITY.match(value):
        raise serializers.ValidationError("Not a Kubernetes quantity (e.g. 500m, 2, 4Gi).")


def quantity_value(value: str) -> Decimal:
    """A valid quantity as a number (cores or bytes)."""
    match = _QUANTITY.match(value)
    if match is None:
        raise ValueError(f"not a quantity: {value!r}")
    return Decimal(match.group(1)) * _QUANTITY_SUFFIXES[match.group(3) or ""]


def validate_at_most(value: str, *, maximum: str, resource: str) -> str:
    if quantity_value(value) > quantity_value(maximum):
        raise serializers.ValidationError(f"{resource} {value} is above this server's limit of {maximum}.")
    return value


def validate_allowed_name(value: str, *, allowed: list[str], kind: str) -> str:
    if value not in allowed:
        offered = ", ".join(allowed) if allowed else "none"
        raise serializers.ValidationError(f"{kind} {value!r} is not allowed on this server (allowed: {offered}).")
    return value


def _refuse(problem: str | None) -> None:
    if problem:
        raise serializers.ValidationError(problem)


# Git values follow the rules of `gitops.validation`, shared with the content service.


def validate_git_branch(value: str) -> None:
    """A ref name git accepts, never one that reads as a command-line option."""
    _refuse(branch_problem(value))


def validate_workspace_path(value: str) -> None:
    """A relative path whose parts never read as command-line options."""
    _refuse(relative_path_problem(value))


def validate_repo_name(value: str) -> None:
    _refuse(repo_name_problem(value))


def validate_git_url(value: str) -> None:
    """https/ssh URLs and scp-like `git@host:path`; never option-like or helper transports."""
    _refuse(git_url_problem(value, allow_file=bool(getattr(settings, "AMBIENT_ALLOW_FILE_GIT_URLS", False))))
