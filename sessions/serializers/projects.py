"""Project bodies and responses (a project is a namespace labelled as managed by Ambient)."""

from __future__ import annotations

import re

from django.conf import settings
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from ambient.contract import DNS_LABEL_MAX_LENGTH
from sessions.api_constants import DISPLAY_NAME_MAX_LENGTH, DNS_LABEL_PATTERN, RESERVED_PROJECT_NAMES
from sessions.serializers.strict import JSONBodySerializer, ProjectNameField

_RESERVED_PREFIXES = ("kube-", "openshift-")


class ProjectSerializer(serializers.Serializer):
    name = serializers.CharField()
    displayName = serializers.CharField()
    labels = serializers.DictField(child=serializers.CharField())
    annotations = serializers.DictField(child=serializers.CharField())
    creationTimestamp = serializers.CharField(allow_null=True)
    status = serializers.CharField()


@extend_schema_serializer(many=False)
class ProjectListSerializer(serializers.Serializer):
    items = ProjectSerializer(many=True)


class ProjectCreateSerializer(JSONBodySerializer):
    # Not trimmed (ProjectNameField): a name with surrounding whitespace is refused, never silently
    # changed; validate_name adds the reserved names and this installation's pattern (also in the schema).
    name = ProjectNameField(validators=[])
    displayName = serializers.CharField(required=False, allow_blank=True, max_length=DISPLAY_NAME_MAX_LENGTH)

    def validate_name(self, value: str) -> str:
        # fullmatch throughout: a pattern ending in `$` would also accept a trailing newline.
        if len(value) > DNS_LABEL_MAX_LENGTH or not DNS_LABEL_PATTERN.fullmatch(value):
            raise serializers.ValidationError("Not a DNS-1123 label (lowercase letters, digits and '-', at most 63).")
        if value in RESERVED_PROJECT_NAMES or value.startswith(_RESERVED_PREFIXES):
            raise serializers.ValidationError("This name is reserved for the system; choose another.")
        pattern = settings.PROJECT_NAME_PATTERN
        if not re.fullmatch(pattern, value):
            raise serializers.ValidationError(f"New project names must match {pattern!r} on this installation.")
        return value
