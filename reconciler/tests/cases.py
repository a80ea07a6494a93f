"""Shared session states for the lifecycle tests."""

from __future__ import annotations

from typing import Any

from ambient.contract import (
    ANNOTATION_DESIRED_PHASE,
    ANNOTATION_START_REQUESTED_AT,
    ANNOTATION_STOP_REASON,
    ANNOTATION_STOP_REQUESTED_AT,
    ConditionReason,
    ConditionStatus,
    ConditionType,
)
from reconciler.tests.factories import condition

T, F = ConditionStatus.TRUE, ConditionStatus.FALSE
STOP = {ANNOTATION_DESIRED_PHASE: "Stopped", ANNOTATION_STOP_REQUESTED_AT: "2025-06-01T11:59:00Z"}
STOP_INACTIVITY = {**STOP, ANNOTATION_STOP_REASON: "inactivity"}
START = {ANNOTATION_DESIRED_PHASE: "Running", ANNOTATION_START_REQUESTED_AT: "2025-06-01T11:59:00Z"}


def pending_conditions() -> list[dict[str, Any]]:
    return [condition(ConditionType.READY, F, ConditionReason.INITIALIZING, "Preparing the session")]


def creating_conditions() -> list[dict[str, Any]]:
    return [
        *pending_conditions(),
        condition(ConditionType.PVC_READY, T, ConditionReason.CREATED),
        condition(ConditionType.SECRETS_READY, T, ConditionReason.ALL_REQUIRED_SECRETS_FOUND),
        condition(ConditionType.JOB_CREATED, T, ConditionReason.CREATED),
    ]


def running_conditions() -> list[dict[str, Any]]:
    conditions = [c for c in creating_conditions() if c["type"] != ConditionType.READY]
    return [
        *conditions,
        condition(ConditionType.READY, T, ConditionReason.RUNNING, "Session is running"),
        condition(ConditionType.POD_SCHEDULED, T, ConditionReason.SCHEDULED, "Scheduled on node-1"),
        condition(ConditionType.RUNNER_STARTED, T, ConditionReason.CONTAINER_RUNNING, "Runner is running"),
        condition(ConditionType.CONTENT_SERVICE_READY, T, ConditionReason.CONTAINER_READY, "Content service is ready"),
        condition(ConditionType.REPOS_RECONCILED, T, ConditionReason.NO_REPOS, "No repositories configured"),
        condition(ConditionType.WORKFLOW_RECONCILED, T, ConditionReason.NOT_CONFIGURED, "No workflow configured"),
    ]


def failed_conditions() -> list[dict[str, Any]]:
    conditions = [
        c for c in running_conditions() if c["type"] not in (ConditionType.READY, ConditionType.RUNNER_STARTED)
    ]
    return [
        *conditions,
        condition(ConditionType.READY, F, ConditionReason.FAILED, "Runner exited with code 1"),
        condition(ConditionType.RUNNER_STARTED, F, ConditionReason.RUNNER_EXIT, "Runner exited with code 1"),
        condition(ConditionType.FAILED, T, ConditionReason.SDK_ERROR, "Runner exited with code 1"),
    ]
