"""Validators for values that end up in a CR or in Kubernetes metadata (field-level messages)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.conf import settings
from rest_framework import serializers

from sessions.api_constants import ANNOTATION_CLONED_FROM, DNS_LABEL_PATTERN
from sessions.constants import DNS_LABEL_MAX_LENGTH, MAX_SESSION_NAME_LENGTH, SYSTEM_LABELS, is_system_annotation

# Kubernetes qualified names (label and annotation keys): optional DNS-subdomain prefix + "/" + name.
_QUALIFIED_NAME = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$")
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_QUANTITY = re.compile(r"^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$")
_REPO_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,99}$")
_SCP_LIKE = re.compile(r"^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^:/][^:]*$")
# Plain http:// and git:// are refused: they carry code (and any credentials) unencrypted.
_GIT_SCHEMES = {"https", "ssh"}


def validate_session_name(value: str) -> str:
    if len(value) > MAX_SESSION_NAME_LENGTH:
        raise serializers.ValidationError(
            f"At most {MAX_SESSION_NAME_LENGTH} characters, so every object derived from the session stays a DNS label."
        )
    if not DNS_LABEL_PATTERN.match(value):
        raise serializers.ValidationError("Use lowercase letters, digits and '-', starting and ending alphanumeric.")
    return value


def validate_project_field(value: str) -> str:
    if len(value) > DNS_LABEL_MAX_LENGTH or not DNS_LABEL_PATTERN.match(value):
        raise serializers.ValidationError("Not a DNS-1123 label (lowercase letters, digits and '-', at most 63).")
    return value


def validate_qualified_key(key: str) -> str | None:
    """The problem with a label/annotation key, or None."""
    prefix, _, name = key.rpartition("/")
    if "/" in key and (not prefix or len(prefix) > 253 or not _DNS_SUBDOMAIN.match(prefix)):
        return f"{key!r}: the prefix must be a DNS subdomain."
    if not name or len(name) > 63 or not _QUALIFIED_NAME.match(name):
        return f"{key!r}: the name must be 1-63 alphanumerics, '-', '_' or '.', starting and ending alphanumeric."
    return None


def validate_labels(labels: dict[str, str | None]) -> dict[str, str | None]:
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
    return labels


def validate_annotations(annotations: dict[str, str | None]) -> dict[str, str | None]:
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
    return annotations


def validate_environment(variables: dict[str, str]) -> dict[str, str]:
    bad = [name for name in variables if not _ENV_NAME.match(name)]
    if bad:
        raise serializers.ValidationError(f"Not environment variable names: {', '.join(sorted(bad))}.")
    return variables


def validate_quantity(value: str) -> str:
    if not _QUANTITY.match(value):
        raise serializers.ValidationError("Not a Kubernetes quantity (e.g. 500m, 2, 4Gi).")
    return value


def validate_repo_name(value: str) -> str:
    if value in {".", ".."} or not _REPO_NAME.match(value):
        raise serializers.ValidationError("Use letters, digits, '.', '_' or '-' (a directory name under repos/).")
    return value


def validate_git_url(value: str) -> str:
    """https/ssh URLs and scp-like `git@host:path`; never option-like or helper transports."""
    if value.startswith("-") or any(char.isspace() for char in value) or "::" in value:
        raise serializers.ValidationError("Not a git URL (option-like values and transport helpers are refused).")
    if _SCP_LIKE.match(value):
        return value
    parts = urlsplit(value)
    if parts.scheme == "file":
        if getattr(settings, "AMBIENT_ALLOW_FILE_GIT_URLS", False) and parts.path:
            return value
        raise serializers.ValidationError("file:// URLs are not allowed on this server.")
    if parts.scheme not in _GIT_SCHEMES or not parts.hostname:
        raise serializers.ValidationError("Use an https://, ssh:// or git@host:path URL.")
    return value
