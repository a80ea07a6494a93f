"""The CRD's structural schema keeps every field the API, the reconciler and the runner write.

A structural schema makes the API server prune undeclared fields silently, so each field written
must be declared. The maximal session below carries every field; it is checked statically against
the schema and then round-tripped through a real API server (localkube), which must give it back
unchanged.
"""

from __future__ import annotations

from typing import Any

import kubernetes.client
import pytest
import yaml
from django.test import override_settings
from rest_framework import serializers

from ambient.contract import (
    API_VERSION,
    CRD_NAME,
    GROUP,
    KIND,
    PLURAL,
    SHORT_NAME,
    VERSION,
    ConditionReason,
    ConditionStatus,
    ConditionType,
    Phase,
    StoppedReason,
)
from ambient.kube import Identity
from reconciler.lifecycle.content import REPO_FAILED, REPO_READY, WORKFLOW_ACTIVE, WORKFLOW_FAILED
from sessions.api_constants import CRD_MANIFEST
from sessions.serializers.inputs import SessionCreateSerializer, SessionSpecInputSerializer
from sessions.services.specs import EDITABLE_SPEC_FIELDS, new_session_body

CRD = yaml.safe_load(CRD_MANIFEST.read_text())
VERSION_ENTRY = next(version for version in CRD["spec"]["versions"] if version["name"] == VERSION)
SCHEMA = VERSION_ENTRY["schema"]["openAPIV3Schema"]

CREATE_BODY = {
    "name": "maximal",
    "initialPrompt": "do everything",
    "displayName": "Everything",
    "interactive": True,
    "timeout": 900,
    "llmSettings": {"model": "opus", "temperature": 0.2, "maxTokens": 8000},
    "repos": [
        {
            "url": "https://github.com/o/r.git",
            "branch": "main",
            "name": "r",
            "autoPush": True,
            "output": {"url": "https://github.com/me/r.git", "branch": "ambient/x"},
        }
    ],
    "mainRepoIndex": 0,
    "activeWorkflow": {"gitUrl": "https://github.com/o/w.git", "branch": "main", "path": "flows/spec"},
    "environmentVariables": {"DEBUG": "1"},
    "resourceOverrides": {"cpu": "2", "memory": "4Gi", "storageClass": "fast", "priorityClass": "high"},
    "autoPushOnComplete": True,
    "labels": {"team": "a"},
    "annotations": {"example.com/note": "kept"},
    "parentSessionId": "earlier",
}

CONDITION = {
    "type": ConditionType.READY.value,
    "status": ConditionStatus.TRUE.value,
    "reason": ConditionReason.RUNNING.value,
    "message": "Session is running",
    "lastTransitionTime": "2025-01-01T00:00:00Z",
    "observedGeneration": 1,
}
# Every status field the reconciler writes (reconciler/lifecycle) plus the runner's result summary.
FULL_STATUS = {
    "phase": Phase.RUNNING.value,
    "message": "Session is running",
    "observedGeneration": 1,
    "conditions": [CONDITION],
    "reconciledRepos": [
        {
            "name": "r",
            "url": "https://github.com/o/r.git",
            "branch": "main",
            "status": REPO_READY,
            "message": "cloned",
            "clonedAt": "2025-01-01T00:00:00Z",
        }
    ],
    "reconciledWorkflow": {
        "gitUrl": "https://github.com/o/w.git",
        "branch": "main",
        "path": "flows/spec",
        "status": WORKFLOW_ACTIVE,
        "message": "active",
        "appliedAt": "2025-01-01T00:00:00Z",
    },
    "sdkRestartCount": 2,
    "startTime": "2025-01-01T00:00:00Z",
    "completionTime": "2025-01-01T01:00:00Z",
    "jobName": "maximal-job",
    "timeoutSeconds": 86400,
    "infrastructureLosses": ["2025-01-01T00:30:00Z"],
    "stoppedReason": StoppedReason.USER.value,
    "subtype": "success",
    "is_error": False,
    "num_turns": 3,
    "session_id": "maximal",
    "total_cost_usd": 0.5,
    "usage": {"input_tokens": 10, "output_tokens": 20},
    "result": "done",
}


def maximal_session() -> dict[str, Any]:
    # The maximal body names a StorageClass and a PriorityClass, which this server must then allow.
    with override_settings(SESSION_STORAGE_CLASSES=["fast"], SESSION_PRIORITY_CLASSES=["high"]):
        serializer = SessionCreateSerializer(data=CREATE_BODY)
        assert serializer.is_valid(), serializer.errors
    return new_session_body(
        namespace="ignored",
        name="maximal",
        data=serializer.validated_data,
        identity=Identity("alice", "", ("devs",)),
        signing_key=b"test-key",
    )


def leaf_paths(value: Any, prefix: str = "") -> list[str]:
    if isinstance(value, dict):
        return [path for key, item in value.items() for path in leaf_paths(item, f"{prefix}.{key}")] or [prefix]
    if isinstance(value, list):
        return [path for item in value for path in leaf_paths(item, f"{prefix}[]")] or [prefix]
    return [prefix]


def schema_at(path: str) -> dict[str, Any] | None:
    node = SCHEMA
    for part in path.strip(".").split("."):
        key, is_list = (part[:-2], True) if part.endswith("[]") else (part, False)
        if node.get("x-kubernetes-preserve-unknown-fields"):
            return node
        properties = node.get("properties")
        if properties is not None and key in properties:
            node = properties[key]
        elif isinstance(node.get("additionalProperties"), dict):
            node = node["additionalProperties"]
        else:
            return None
        if is_list:
            node = node.get("items") or {}
    return node


def test_crd_names_match_the_constants():
    assert CRD["metadata"]["name"] == CRD_NAME
    assert CRD["spec"]["group"] == GROUP
    assert CRD["spec"]["names"]["plural"] == PLURAL
    assert CRD["spec"]["names"]["kind"] == KIND
    assert CRD["spec"]["names"]["shortNames"] == [SHORT_NAME]
    assert VERSION_ENTRY["subresources"] == {"status": {}}
    assert [column["name"] for column in VERSION_ENTRY["additionalPrinterColumns"]] == [
        "Phase",
        "Ready",
        "Reason",
        "Timeout",
        "Age",
    ]


def test_timeout_has_no_schema_default():
    """Absent means the platform default, which only the reconciler knows (LIFECYCLE.md "Timeouts")."""
    timeout = SCHEMA["properties"]["spec"]["properties"]["timeout"]
    assert "default" not in timeout
    assert timeout["minimum"] == 0


def test_every_editable_field_the_api_accepts_is_declared():
    spec_properties = set(SCHEMA["properties"]["spec"]["properties"])
    assert set(EDITABLE_SPEC_FIELDS) | {"userContext"} <= spec_properties
    assert set(EDITABLE_SPEC_FIELDS) == set(SessionSpecInputSerializer().fields)


def _serializer_paths(serializer: serializers.Serializer, prefix: str) -> list[str]:
    paths = []
    for name, field in serializer.fields.items():
        if isinstance(field, serializers.ListSerializer):
            assert isinstance(field.child, serializers.Serializer)
            paths += _serializer_paths(field.child, f"{prefix}.{name}[]")
        elif isinstance(field, serializers.Serializer):
            paths += _serializer_paths(field, f"{prefix}.{name}")
        else:
            paths.append(f"{prefix}.{name}")
    return paths


@pytest.mark.parametrize("path", _serializer_paths(SessionSpecInputSerializer(), "spec"))
def test_every_serializer_field_has_a_schema(path):
    assert schema_at(path) is not None, f"{path} would be pruned"


@pytest.mark.parametrize("path", leaf_paths(maximal_session()["spec"], "spec") + leaf_paths(FULL_STATUS, "status"))
def test_every_written_leaf_has_a_schema(path):
    assert schema_at(path) is not None, f"{path} would be pruned"


def test_enums_admit_every_value_the_code_writes():
    status = SCHEMA["properties"]["status"]["properties"]
    assert set(status["phase"]["enum"]) == {phase.value for phase in Phase}
    assert set(status["stoppedReason"]["enum"]) == {reason.value for reason in StoppedReason}
    assert {REPO_READY, REPO_FAILED} <= set(status["reconciledRepos"]["items"]["properties"]["status"]["enum"])
    assert {WORKFLOW_ACTIVE, WORKFLOW_FAILED} <= set(status["reconciledWorkflow"]["properties"]["status"]["enum"])
    condition_status = status["conditions"]["items"]["properties"]["status"]["enum"]
    assert set(condition_status) == {value.value for value in ConditionStatus}


@pytest.mark.localkube
def test_the_api_server_keeps_every_field(django_kube, kube_namespace):
    api = kubernetes.client.CustomObjectsApi(django_kube.api_client())
    body = maximal_session()
    body["metadata"]["namespace"] = kube_namespace
    assert body["apiVersion"] == API_VERSION
    created = api.create_namespaced_custom_object(GROUP, VERSION, kube_namespace, PLURAL, body)
    assert created["spec"] == body["spec"]
    assert created["metadata"]["labels"] == body["metadata"]["labels"]
    assert created["metadata"]["annotations"] == body["metadata"]["annotations"]
    patched = api.patch_namespaced_custom_object_status(
        GROUP, VERSION, kube_namespace, PLURAL, "maximal", {"status": FULL_STATUS}
    )
    assert patched["status"] == FULL_STATUS
    assert api.get_namespaced_custom_object(GROUP, VERSION, kube_namespace, PLURAL, "maximal")["status"] == FULL_STATUS
