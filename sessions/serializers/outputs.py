"""Documented response shapes (drf-spectacular). Responses carry the CR as stored; these describe it."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from ambient.contract import Phase
from sessions.serializers.inputs import (
    LlmSettingsSerializer,
    RepoSerializer,
    ResourceOverridesSerializer,
    WorkflowSerializer,
)


class UserContextSerializer(serializers.Serializer):
    """Who asked for the current spec, as the API vouched for it (`signature`; see SECURITY.md)."""

    userId = serializers.CharField(required=False)
    displayName = serializers.CharField(required=False)
    groups = serializers.ListField(child=serializers.CharField(), required=False)
    signature = serializers.CharField(required=False)


class SessionSpecSerializer(serializers.Serializer):
    initialPrompt = serializers.CharField(required=False)
    displayName = serializers.CharField(required=False)
    interactive = serializers.BooleanField(required=False)
    timeout = serializers.IntegerField(required=False)
    inactivityTimeout = serializers.IntegerField(required=False)
    llmSettings = LlmSettingsSerializer(required=False)
    repos = RepoSerializer(many=True, required=False)
    mainRepoIndex = serializers.IntegerField(required=False)
    activeWorkflow = WorkflowSerializer(required=False)
    userContext = UserContextSerializer(required=False)
    autoPushOnComplete = serializers.BooleanField(required=False)
    environmentVariables = serializers.DictField(child=serializers.CharField(), required=False)
    resourceOverrides = ResourceOverridesSerializer(required=False)


class ConditionSerializer(serializers.Serializer):
    type = serializers.CharField()
    status = serializers.CharField()
    reason = serializers.CharField(required=False)
    message = serializers.CharField(required=False)
    lastTransitionTime = serializers.CharField(required=False)
    observedGeneration = serializers.IntegerField(required=False)


class SessionStatusSerializer(serializers.Serializer):
    phase = serializers.ChoiceField(choices=[phase.value for phase in Phase], required=False)
    message = serializers.CharField(required=False)
    observedGeneration = serializers.IntegerField(required=False)
    conditions = ConditionSerializer(many=True, required=False)
    reconciledRepos = serializers.ListField(child=serializers.DictField(), required=False)
    reconciledWorkflow = serializers.DictField(required=False)
    sdkRestartCount = serializers.IntegerField(required=False)
    startTime = serializers.CharField(required=False)
    completionTime = serializers.CharField(required=False)
    jobName = serializers.CharField(required=False)


class ObjectMetaSerializer(serializers.Serializer):
    name = serializers.CharField()
    namespace = serializers.CharField(required=False)
    uid = serializers.CharField(required=False)
    resourceVersion = serializers.CharField(required=False)
    generation = serializers.IntegerField(required=False)
    creationTimestamp = serializers.CharField(required=False)
    labels = serializers.DictField(child=serializers.CharField(), required=False)
    annotations = serializers.DictField(child=serializers.CharField(), required=False)


class SessionSerializer(serializers.Serializer):
    """An AgenticSession custom resource as stored (`managedFields` dropped)."""

    apiVersion = serializers.CharField()
    kind = serializers.CharField()
    metadata = ObjectMetaSerializer()
    spec = SessionSpecSerializer(required=False)
    status = SessionStatusSerializer(required=False)


# `many=False`: the list action answers one page object, not an array.
@extend_schema_serializer(many=False)
class SessionPageSerializer(serializers.Serializer):
    items = SessionSerializer(many=True)
    totalCount = serializers.IntegerField()
    limit = serializers.IntegerField()
    offset = serializers.IntegerField()
    hasMore = serializers.BooleanField()


class ContainerStateSerializer(serializers.Serializer):
    name = serializers.CharField()
    state = serializers.ChoiceField(choices=["Running", "Terminated", "Waiting", "Unknown"])
    exitCode = serializers.IntegerField(allow_null=True)
    reason = serializers.CharField(allow_blank=True)
    ready = serializers.BooleanField()


class PodSummarySerializer(serializers.Serializer):
    name = serializers.CharField()
    phase = serializers.CharField()
    containers = ContainerStateSerializer(many=True)


class K8sResourcesSerializer(serializers.Serializer):
    jobName = serializers.CharField()
    jobExists = serializers.BooleanField()
    jobStatus = serializers.CharField(required=False)
    jobConditions = serializers.ListField(child=serializers.DictField(), required=False)
    pods = PodSummarySerializer(many=True)
    pvcName = serializers.CharField()
    pvcExists = serializers.BooleanField()
    pvcSize = serializers.CharField(required=False)
    serviceName = serializers.CharField()
    serviceExists = serializers.BooleanField()
    contentServiceReady = serializers.BooleanField()


class ErrorSerializer(serializers.Serializer):
    """Every error: what went wrong and what to do, a stable code, and details (e.g. `fields`)."""

    error = serializers.CharField()
    code = serializers.CharField()
    details = serializers.DictField()
