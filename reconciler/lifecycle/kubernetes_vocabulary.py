"""What the Job controller and the kubelet write, spelled as Kubernetes spells it (batch/v1, core/v1)."""

from __future__ import annotations

# Job conditions. Since Kubernetes 1.31 the terminal ones come after an interim one
# (SuccessCriteriaMet, FailureTarget) that already decides the outcome while pods terminate.
JOB_COMPLETE = "Complete"
JOB_SUCCESS_CRITERIA_MET = "SuccessCriteriaMet"
JOB_FAILED = "Failed"
JOB_FAILURE_TARGET = "FailureTarget"
JOB_SUCCESS_TYPES: frozenset[str] = frozenset({JOB_COMPLETE, JOB_SUCCESS_CRITERIA_MET})
JOB_FAILURE_TYPES: frozenset[str] = frozenset({JOB_FAILED, JOB_FAILURE_TARGET})
JOB_REASON_DEADLINE_EXCEEDED = "DeadlineExceeded"

# Pod condition the control plane and the kubelet add before a pod is disrupted (1.26+): its reason
# says by whom (DeletionByTaintManager, EvictionByEvictionAPI, PreemptionByScheduler,
# TerminationByKubelet, DeletionByPodGC).
POD_DISRUPTION_TARGET = "DisruptionTarget"
# Pod status reasons that mean the node, not the workload, ended the pod (older kubelets set these
# without DisruptionTarget).
POD_INFRASTRUCTURE_REASONS: frozenset[str] = frozenset({"Evicted", "NodeLost", "Preempting", "Shutdown", "Terminated"})

# Container termination reasons.
CONTAINER_OOM_KILLED = "OOMKilled"
# The kubelet lost the container (node or kubelet restart): exit code 137, not the program's doing.
CONTAINER_STATUS_UNKNOWN = "ContainerStatusUnknown"
