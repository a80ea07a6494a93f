"""Names the runtime writes into the API: labels, annotations, reasons, event sources.

Kept in one place so tests and callers import them instead of retyping string literals.
"""

from __future__ import annotations

from localkube.node import NODE_NAME  # noqa: F401 - re-exported: one name for the one node

POD_IP = "127.0.0.1"

# Pod annotation: JSON {"<containerPort>": <hostPort>} so callers can reach a container directly.
HOST_PORTS_ANNOTATION = "localkube.ambient-code.io/host-ports"

# Labels the job controller puts on its pods (the names kube's job controller uses).
LABEL_JOB_NAME = "job-name"
LABEL_CONTROLLER_UID = "controller-uid"
LABEL_BATCH_JOB_NAME = "batch.kubernetes.io/job-name"
LABEL_BATCH_CONTROLLER_UID = "batch.kubernetes.io/controller-uid"

# Job syncs run at once (kube-controller-manager's --concurrent-job-syncs default): a burst of Jobs
# is not served one API round trip after another.
JOB_CONTROLLER_WORKERS = 5

# Event sources, as `kubectl describe` shows them.
COMPONENT_KUBELET = "kubelet"
COMPONENT_SCHEDULER = "default-scheduler"
COMPONENT_JOB_CONTROLLER = "job-controller"
COMPONENT_PVC_CONTROLLER = "persistentvolume-controller"

# Container waiting/terminated reasons (kubelet spelling).
REASON_CONTAINER_CREATING = "ContainerCreating"
REASON_POD_INITIALIZING = "PodInitializing"
REASON_ERR_IMAGE_PULL = "ErrImagePull"
REASON_IMAGE_PULL_BACKOFF = "ImagePullBackOff"
REASON_INVALID_IMAGE_NAME = "InvalidImageName"
REASON_CREATE_CONTAINER_CONFIG_ERROR = "CreateContainerConfigError"
REASON_CREATE_CONTAINER_ERROR = "CreateContainerError"
REASON_CRASH_LOOP_BACKOFF = "CrashLoopBackOff"
REASON_COMPLETED = "Completed"
REASON_ERROR = "Error"
REASON_STATUS_UNKNOWN = "ContainerStatusUnknown"
# Killed for using more memory than limits.memory (exit code 137, as the kernel's SIGKILL gives).
REASON_OOM_KILLED = "OOMKilled"

# Pod condition types and reasons.
COND_POD_SCHEDULED = "PodScheduled"
COND_INITIALIZED = "Initialized"
COND_CONTAINERS_READY = "ContainersReady"
COND_READY = "Ready"
REASON_UNSCHEDULABLE = "Unschedulable"

# Job condition types and reasons (batch/v1).
JOB_COMPLETE = "Complete"
JOB_FAILED = "Failed"
JOB_SUCCESS_CRITERIA_MET = "SuccessCriteriaMet"
JOB_FAILURE_TARGET = "FailureTarget"
REASON_BACKOFF_LIMIT_EXCEEDED = "BackoffLimitExceeded"
REASON_DEADLINE_EXCEEDED = "DeadlineExceeded"
REASON_COMPLETIONS_REACHED = "CompletionsReached"

# Exit code a container gets when localkube lost track of it (kubelet uses 137 as well).
EXIT_CODE_UNKNOWN = 137
