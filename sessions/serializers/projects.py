"""Project bodies and responses (a project is a namespace labelled as managed by Ambient)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from sessions.api_constants import DISPLAY_NAME_MAX_LENGTH, RESERVED_PROJECT_NAMES
from sessions.serializers.fields import validate_project_field

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


class ProjectCreateSerializer(serializers.Serializer):
    name = serializers.CharField(validators=[validate_project_field])
    displayName = serializers.CharField(required=False, allow_blank=True, max_length=DISPLAY_NAME_MAX_LENGTH)

    def validate_name(self, value: str) -> str:
        if value in RESERVED_PROJECT_NAMES or value.startswith(_RESERVED_PREFIXES):
            raise serializers.ValidationError("This name is reserved for the system; choose another.")
        return value
