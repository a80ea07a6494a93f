"""Validators for values that end up in a CR or in Kubernetes metadata (field-level messages)."""

from __future__ import annotations

import re
from decimal import Decimal
from urllib.parse import urlsplit

from django.conf import settings
from rest_framework import serializers

from ambient.contract import DNS_LABEL_MAX_LENGTH, MAX_SESSION_NAME_LENGTH, SYSTEM_LABELS, is_system_annotation
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
# Characters git refuses in a ref name (git check-ref-format), plus whitespace and control characters.
_BAD_REF_CHARACTERS = re.compile(r"[\x00-\x20\x7f~^:?*\[\\]")
_REPO_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,99}$")
_SCP_LIKE = re.compile(r"^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^:/][^:]*$")
# Plain http:// and git:// are refused: they carry code (and any credentials) unencrypted.
_GIT_SCHEMES = {"https", "ssh"}


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


def validate_git_branch(value: str) -> None:
    """A ref name git accepts, never one that reads as a command-line option."""
    if value.startswith("-"):
        raise serializers.ValidationError("A branch may not start with '-' (it would read as a git option).")
    if (
        _BAD_REF_CHARACTERS.search(value)
        or ".." in value
        or "@{" in value
        or value.startswith("/")
        or value.endswith(("/", ".", ".lock"))
        or "//" in value
    ):
        raise serializers.ValidationError("Not a git branch name (see git check-ref-format).")


def validate_workspace_path(value: str) -> None:
    """A relative path whose parts never read as command-line options."""
    parts = value.split("/")
    if value.startswith("/") or ".." in parts:
        raise serializers.ValidationError("A path inside the workflow repository (relative, no '..').")
    if any(part.startswith("-") for part in parts):
        raise serializers.ValidationError("A path part may not start with '-' (it would read as an option).")


def validate_repo_name(value: str) -> None:
    if value in {".", ".."} or not _REPO_NAME.match(value):
        raise serializers.ValidationError("Use letters, digits, '.', '_' or '-' (a directory name under repos/).")


def validate_git_url(value: str) -> None:
    """https/ssh URLs and scp-like `git@host:path`; never option-like or helper transports."""
    if value.startswith("-") or any(char.isspace() for char in value) or "::" in value:
        raise serializers.ValidationError("Not a git URL (option-like values and transport helpers are refused).")
    if _SCP_LIKE.match(value):
        user_and_host = value.split(":", 1)[0]
        if any(part.startswith("-") for part in user_and_host.split("@")):
            raise serializers.ValidationError("A git host or user may not start with '-' (it would read as an option).")
        return
    parts = urlsplit(value)
    if (parts.hostname or "").startswith("-") or (parts.username or "").startswith("-"):
        raise serializers.ValidationError("A git host or user may not start with '-' (it would read as an option).")
    if parts.scheme == "file":
        if getattr(settings, "AMBIENT_ALLOW_FILE_GIT_URLS", False) and parts.path:
            return
        raise serializers.ValidationError("file:// URLs are not allowed on this server.")
    if parts.scheme not in _GIT_SCHEMES or not parts.hostname:
        raise serializers.ValidationError("Use an https://, ssh:// or git@host:path URL.")
