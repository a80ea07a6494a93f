"""Lifecycle rows: a pod lost to the node or kubelet starts a new run on the same workspace, up to
the window's allowance; then the session fails with its own reason."""

from __future__ import annotations

from ambient.contract import ConditionReason, ConditionType
from reconciler.tests.cases import F, T
from reconciler.tests.factories import CONFIG, NOW, ago, observed, terminated_state
from reconciler.tests.lifecycle_objects import job_with, lost_container_pod, runner_pod
from reconciler.tests.lifecycle_rows_support import Row, creating, running
from reconciler.timestamps import format_time

R, C = ConditionReason, ConditionType
PHASES = (("creating", creating), ("running", running))
WINDOW = CONFIG.infrastructure_restart_window_seconds
LIMIT = CONFIG.infrastructure_restart_limit

DISRUPTIONS = (
    ("eviction-api", ("EvictionByEvictionAPI", "Eviction API: evicting")),
    ("preemption", ("PreemptionByScheduler", "Kubernetes Scheduler: preempting to accommodate a higher priority pod")),
    ("taint-manager", ("DeletionByTaintManager", "Taint manager: deleting due to NoExecute taint")),
    ("node-shutdown", ("TerminationByKubelet", "Pod was terminated in response to imminent node shutdown.")),
    ("pod-gc", ("DeletionByPodGC", "PodGC: node no longer exists")),
)

LOST_PODS = (
    ("container-status-unknown", lost_container_pod(), "ContainerStatusUnknown"),
    (
        "evicted",
        runner_pod(terminated_state(137, "Error"), phase="Failed", reason="Evicted", message="node low on memory"),
        "Evicted: node low on memory",
    ),
    *(
        (f"disruption-{name}-terminating", runner_pod(deleting=True, disruption=disruption), disruption[0])
        for name, disruption in DISRUPTIONS
    ),
    *(
        (
            f"disruption-{name}-failed",
            runner_pod(terminated_state(137, "Error"), phase="Failed", disruption=disruption),
            disruption[0],
        )
        for name, disruption in DISRUPTIONS
    ),
)


def _restart_rows() -> list[Row]:
    return [
        Row(
            f"{phase}-infrastructure-{pod_id}",
            observed(build(), job_body=job_with(), pod_body=pod_body),
            "Pending",
            ("DeleteJob",),
            {C.READY: (F, R.INFRASTRUCTURE_LOST), C.FAILED: None, C.RUNNER_STARTED: None, C.PVC_READY: (T, R.CREATED)},
            requeue=True,
            fields={"infrastructureLosses": [format_time(NOW)], "startTime": format_time(NOW)},
            message_contains=cause,
        )
        for phase, build in PHASES
        for pod_id, pod_body, cause in LOST_PODS
    ]


EARLIER = [ago(60 * (index + 1)) for index in range(LIMIT)]

INFRASTRUCTURE_ROWS = [
    *_restart_rows(),
    Row(
        "running-infrastructure-limit-spent",
        observed(running(status={"infrastructureLosses": EARLIER}), job_body=job_with(), pod_body=lost_container_pod()),
        "Failed",
        ("DeleteJob", "DeleteRunnerToken"),
        {C.FAILED: (T, R.INFRASTRUCTURE_LOST), C.READY: (F, R.FAILED)},
        fields={"infrastructureLosses": [*EARLIER, format_time(NOW)]},
        message_contains=f"{LIMIT + 1} times within 1h (limit {LIMIT})",
    ),
    Row(
        "running-infrastructure-old-losses-forgotten",
        observed(
            running(status={"infrastructureLosses": [ago(WINDOW + 1)] * LIMIT}),
            job_body=job_with(),
            pod_body=lost_container_pod(),
        ),
        "Pending",
        ("DeleteJob",),
        {C.READY: (F, R.INFRASTRUCTURE_LOST)},
        fields={"infrastructureLosses": [format_time(NOW)]},
    ),
    Row(
        # Someone deleted the pod (no DisruptionTarget): a lost run, not the runner's failure.
        "running-pod-terminating-without-disruption",
        observed(running(), job_body=job_with(), pod_body=runner_pod(terminated_state(143), deleting=True)),
        "Pending",
        ("DeleteJob",),
        {C.READY: (F, R.RESTARTING)},
    ),
    Row(
        "running-job-deleted-with-lost-pod",
        observed(running(), job_body=job_with(deleting=True), pod_body=lost_container_pod()),
        "Pending",
        (),
        {C.READY: (F, R.RESTARTING)},
    ),
]
