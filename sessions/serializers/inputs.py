"""Request bodies of the session actions. Legacy shapes are converted here, before validation."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework import serializers

from sessions.api_constants import DISPLAY_NAME_MAX_LENGTH
from sessions.serializers.fields import (
    validate_allowed_name,
    validate_annotations,
    validate_at_most,
    validate_environment,
    validate_git_branch,
    validate_git_url,
    validate_labels,
    validate_quantity,
    validate_repo_name,
    validate_workspace_path,
)
from sessions.serializers.strict import JSONBodySerializer, ProjectNameField, SessionNameField

MAX_TIMEOUT_SECONDS = 7 * 24 * 3600
MAX_REPOS = 50
# Keys that only mean something on create; PUT refuses them rather than silently ignoring them.
CREATE_ONLY_FIELDS = ("name", "labels", "annotations", "parentSessionId")


def _rename(data: Any, legacy: str, current: str) -> Any:
    """Accept `legacy` as an alias of `current` (the current name wins when both are sent)."""
    if isinstance(data, dict) and legacy in data:
        data = dict(data)
        value = data.pop(legacy)
        data.setdefault(current, value)
    return data


class LlmSettingsSerializer(JSONBodySerializer):
    model = serializers.CharField(max_length=200, required=False)
    temperature = serializers.FloatField(min_value=0, max_value=2, required=False)
    maxTokens = serializers.IntegerField(min_value=1, max_value=1_000_000, required=False)


class RepoOutputSerializer(JSONBodySerializer):
    url = serializers.CharField(max_length=2048, validators=[validate_git_url])
    branch = serializers.CharField(max_length=255, required=False, validators=[validate_git_branch])


class RepoSerializer(JSONBodySerializer):
    """`{url, branch?, name?, output?, autoPush?}`; the older `{input: {url, branch}, output}` is converted."""

    url = serializers.CharField(max_length=2048, validators=[validate_git_url])
    branch = serializers.CharField(max_length=255, required=False, validators=[validate_git_branch])
    name = serializers.CharField(max_length=100, required=False, validators=[validate_repo_name])
    output = RepoOutputSerializer(required=False)
    autoPush = serializers.BooleanField(required=False)

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("input"), dict):
            flat = {key: value for key, value in data.items() if key != "input"}
            for key in ("url", "branch"):
                if key in data["input"]:
                    flat.setdefault(key, data["input"][key])
            data = flat
        return super().to_internal_value(data)


class WorkflowSerializer(JSONBodySerializer):
    gitUrl = serializers.CharField(max_length=2048, validators=[validate_git_url])
    branch = serializers.CharField(max_length=255, required=False, validators=[validate_git_branch])
    path = serializers.CharField(max_length=1024, required=False, validators=[validate_workspace_path])


class ResourceOverridesSerializer(JSONBodySerializer):
    """Bounded by the server: SESSION_MAX_CPU/MEMORY and the SESSION_PRIORITY/STORAGE_CLASSES allow-lists."""

    cpu = serializers.CharField(max_length=32, required=False, validators=[validate_quantity])
    memory = serializers.CharField(max_length=32, required=False, validators=[validate_quantity])
    storageClass = serializers.CharField(max_length=253, required=False)
    priorityClass = serializers.CharField(max_length=253, required=False)

    def validate_cpu(self, value: str) -> str:
        return validate_at_most(value, maximum=settings.SESSION_MAX_CPU, resource="cpu")

    def validate_memory(self, value: str) -> str:
        return validate_at_most(value, maximum=settings.SESSION_MAX_MEMORY, resource="memory")

    def validate_storageClass(self, value: str) -> str:
        return validate_allowed_name(value, allowed=list(settings.SESSION_STORAGE_CLASSES), kind="StorageClass")

    def validate_priorityClass(self, value: str) -> str:
        return validate_allowed_name(value, allowed=list(settings.SESSION_PRIORITY_CLASSES), kind="PriorityClass")


class SessionSpecInputSerializer(JSONBodySerializer):
    """The editable spec fields (create and PUT). `prompt` is accepted as the old name of `initialPrompt`."""

    initialPrompt = serializers.CharField(required=False, allow_blank=True, max_length=100_000, trim_whitespace=False)
    displayName = serializers.CharField(required=False, allow_blank=True, max_length=DISPLAY_NAME_MAX_LENGTH)
    interactive = serializers.BooleanField(required=False)
    timeout = serializers.IntegerField(required=False, min_value=0, max_value=MAX_TIMEOUT_SECONDS)
    # Seconds without chat before a Running session is stopped (0: never; absent: the platform default).
    inactivityTimeout = serializers.IntegerField(required=False, min_value=0, max_value=MAX_TIMEOUT_SECONDS)
    llmSettings = LlmSettingsSerializer(required=False)
    # many=True hands max_length to the ListSerializer DRF builds; the stubs type only the child's arguments
    repos = RepoSerializer(many=True, required=False, max_length=MAX_REPOS)  # type: ignore[call-arg]
    mainRepoIndex = serializers.IntegerField(required=False, min_value=0)
    activeWorkflow = WorkflowSerializer(required=False)
    environmentVariables = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=32_768),
        required=False,
        validators=[validate_environment],
    )
    resourceOverrides = ResourceOverridesSerializer(required=False)
    autoPushOnComplete = serializers.BooleanField(required=False)

    def to_internal_value(self, data: Any) -> Any:
        return super().to_internal_value(_rename(data, "prompt", "initialPrompt"))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        index = attrs.get("mainRepoIndex")
        if index is not None and index >= max(len(attrs.get("repos") or ()), 1):
            raise serializers.ValidationError({"mainRepoIndex": ["Must point at one of `repos`."]})
        return attrs


class SessionCreateSerializer(SessionSpecInputSerializer):
    """Create body. `userContext` is derived from the caller; a body value is ignored."""

    name = SessionNameField(required=False)
    labels = serializers.DictField(
        child=serializers.CharField(allow_blank=True), required=False, validators=[validate_labels]
    )
    annotations = serializers.DictField(
        child=serializers.CharField(allow_blank=True), required=False, validators=[validate_annotations]
    )
    parentSessionId = SessionNameField(required=False)

    def to_internal_value(self, data: Any) -> Any:
        return super().to_internal_value(_rename(data, "parent_session_id", "parentSessionId"))


class SessionReplaceSerializer(SessionSpecInputSerializer):
    """PUT body: the editable spec fields (omitted ones are cleared) and optionally the resourceVersion read."""

    resourceVersion = serializers.CharField(required=False, max_length=64)

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            data = _rename(data, "parent_session_id", "parentSessionId")
            refused = [key for key in CREATE_ONLY_FIELDS if key in data]
            if refused:
                raise serializers.ValidationError(
                    {key: ["Only settable on create (labels/annotations: use PATCH)."] for key in refused}
                )
            data = _lift_spec(_lift_resource_version(data))
        return super().to_internal_value(data)


class SessionMetadataPatchSerializer(JSONBodySerializer):
    """`{metadata: {labels?, annotations?, resourceVersion?}}` (or the same keys at the top level).

    A `null` value removes the key (JSON merge patch).
    """

    labels = serializers.DictField(
        child=serializers.CharField(allow_null=True, allow_blank=True), required=False, validators=[validate_labels]
    )
    annotations = serializers.DictField(
        child=serializers.CharField(allow_null=True, allow_blank=True),
        required=False,
        validators=[validate_annotations],
    )
    resourceVersion = serializers.CharField(required=False, max_length=64)

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("metadata"), dict):
            outside = sorted(set(data) - {"metadata"})
            if outside:
                raise serializers.ValidationError(
                    {key: ["Only metadata.labels and metadata.annotations can be patched."] for key in outside}
                )
            data = data["metadata"]
        if isinstance(data, dict):
            unknown = sorted(set(data) - {"labels", "annotations", "resourceVersion"})
            if unknown:
                raise serializers.ValidationError(
                    {key: ["Only labels and annotations can be patched."] for key in unknown}
                )
        return super().to_internal_value(data)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "labels" not in attrs and "annotations" not in attrs:
            raise serializers.ValidationError({"metadata": ["Send labels and/or annotations to change."]})
        return attrs


class SessionCloneSerializer(JSONBodySerializer):
    targetProject = ProjectNameField(required=False)
    newSessionName = SessionNameField(required=False)


class DisplayNameSerializer(JSONBodySerializer):
    displayName = serializers.CharField(min_length=1, max_length=DISPLAY_NAME_MAX_LENGTH)
    resourceVersion = serializers.CharField(required=False, max_length=64)

    def to_internal_value(self, data: Any) -> Any:
        return super().to_internal_value(_lift_resource_version(data) if isinstance(data, dict) else data)


def _lift_resource_version(data: dict[str, Any]) -> dict[str, Any]:
    """`metadata.resourceVersion` (the shape of a GET response) is read as `resourceVersion`."""
    metadata = data.get("metadata")
    if isinstance(metadata, dict) and "resourceVersion" in metadata:
        data = {key: value for key, value in data.items() if key != "metadata"}
        data.setdefault("resourceVersion", metadata["resourceVersion"])
    return data


def _lift_spec(data: dict[str, Any]) -> dict[str, Any]:
    """A GET response sent back whole keeps its fields under `spec`; read them (top-level keys win).

    Ignoring `spec` would clear every editable field while answering 200.
    """
    spec = data.get("spec")
    if not isinstance(spec, dict):
        return data
    return {**spec, **{key: value for key, value in data.items() if key != "spec"}}
