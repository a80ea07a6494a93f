"""The AgenticSession contract shared by the API, the reconciler, the runner and the content service.

Everything here is a fact about the resource, the objects derived from it, or the runner's interface
(environment and exit codes); no behaviour lives here. Import these names instead of retyping the
strings so a typo is an import error, not a silent mismatch. The module imports only the standard
library: the runner image loads it without Django or Celery.
"""

# Names of secrets, keys and files, never secret values:
# ruff: noqa: S105

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

# --- The custom resource -------------------------------------------------------------------------

GROUP = "vteam.ambient-code"
VERSION = "v1alpha1"
API_VERSION = f"{GROUP}/{VERSION}"
KIND = "AgenticSession"
PLURAL = "agenticsessions"
SINGULAR = "agenticsession"
SHORT_NAME = "as"
CRD_NAME = f"{PLURAL}.{GROUP}"


class Phase(StrEnum):
    PENDING = "Pending"
    CREATING = "Creating"
    RUNNING = "Running"
    STOPPING = "Stopping"
    STOPPED = "Stopped"
    COMPLETED = "Completed"
    FAILED = "Failed"


TERMINAL_PHASES: frozenset[Phase] = frozenset({Phase.COMPLETED, Phase.FAILED, Phase.STOPPED})
NON_TERMINAL_PHASES: frozenset[Phase] = frozenset(Phase) - TERMINAL_PHASES
# Phases in which the session holds (or is about to hold) a Job and the copied secrets.
ACTIVE_PHASES: frozenset[Phase] = frozenset({Phase.PENDING, Phase.CREATING, Phase.RUNNING})


class DesiredPhase(StrEnum):
    """Values of the intent annotation; anything else is ignored by the reconciler."""

    RUNNING = "Running"
    STOPPED = "Stopped"


class StoppedReason(StrEnum):
    USER = "user"
    INACTIVITY = "inactivity"


# --- Annotations ---------------------------------------------------------------------------------

ANNOTATION_PREFIX = "ambient-code.io/"
ANNOTATION_DESIRED_PHASE = "ambient-code.io/desired-phase"
ANNOTATION_START_REQUESTED_AT = "ambient-code.io/start-requested-at"
ANNOTATION_STOP_REQUESTED_AT = "ambient-code.io/stop-requested-at"
ANNOTATION_STOP_REASON = "ambient-code.io/stop-reason"
STOP_REASON_INACTIVITY = "inactivity"
ANNOTATION_RUNNER_SA = "ambient-code.io/runner-sa"
ANNOTATION_RUNNER_TOKEN_SECRET = "ambient-code.io/runner-token-secret"
ANNOTATION_TOKEN_REFRESHED_AT = "ambient-code.io/token-refreshed-at"
ANNOTATION_COPIED_FROM = "ambient-code.io/copied-from"
ANNOTATION_CREATED_BY = "ambient-code.io/created-by"
ANNOTATION_PARENT_SESSION_ID = "vteam.ambient-code/parent-session-id"
# Stamped on the Job so the reconciler knows which spec generation and which run it was built for.
ANNOTATION_SESSION_GENERATION = "ambient-code.io/session-generation"
ANNOTATION_SESSION_START_TIME = "ambient-code.io/session-start-time"

START_INTENT_ANNOTATIONS: tuple[str, ...] = (ANNOTATION_DESIRED_PHASE, ANNOTATION_START_REQUESTED_AT)
STOP_INTENT_ANNOTATIONS: tuple[str, ...] = (
    ANNOTATION_DESIRED_PHASE,
    ANNOTATION_STOP_REQUESTED_AT,
    ANNOTATION_STOP_REASON,
)
INTENT_ANNOTATIONS: tuple[str, ...] = (
    ANNOTATION_DESIRED_PHASE,
    ANNOTATION_START_REQUESTED_AT,
    ANNOTATION_STOP_REQUESTED_AT,
    ANNOTATION_STOP_REASON,
)

# Keys a user PATCH may not set or remove: intent goes through /start and /stop (which check the
# phase), and the rest are written by the reconciler about objects it owns.
SYSTEM_ANNOTATIONS: frozenset[str] = frozenset(
    {
        *INTENT_ANNOTATIONS,
        ANNOTATION_RUNNER_SA,
        ANNOTATION_RUNNER_TOKEN_SECRET,
        ANNOTATION_TOKEN_REFRESHED_AT,
        ANNOTATION_COPIED_FROM,
        ANNOTATION_SESSION_GENERATION,
        ANNOTATION_SESSION_START_TIME,
    }
)
SYSTEM_ANNOTATION_PREFIXES: tuple[str, ...] = ("ambient-code.io/runner-",)


def is_system_annotation(key: str) -> bool:
    return key in SYSTEM_ANNOTATIONS or key.startswith(SYSTEM_ANNOTATION_PREFIXES)


# --- Labels --------------------------------------------------------------------------------------

LABEL_SESSION = "agentic-session"
LABEL_SESSION_OWNER = "ambient-code.io/session"
LABEL_APP = "app"
APP_RUNNER = "ambient-code-runner"
APP_WORKSPACE = "ambient-workspace"
APP_RUNNER_TOKEN = "ambient-runner-token"
APP_SESSION_RBAC = "ambient-runner"
APP_CONTENT = "ambient-content"
LABEL_COPIED_SECRET = "ambient-code.io/copied-secret"
SYSTEM_LABELS: frozenset[str] = frozenset({LABEL_SESSION, LABEL_SESSION_OWNER})


def session_selector(session: str) -> str:
    """Label selector for every child of a session (cleanup and the watcher find them by it)."""
    return f"{LABEL_SESSION_OWNER}={session}"


# --- Conditions ----------------------------------------------------------------------------------


class ConditionType(StrEnum):
    PVC_READY = "PVCReady"
    SECRETS_READY = "SecretsReady"
    JOB_CREATED = "JobCreated"
    POD_SCHEDULED = "PodScheduled"
    RUNNER_STARTED = "RunnerStarted"
    REPOS_RECONCILED = "ReposReconciled"
    WORKFLOW_RECONCILED = "WorkflowReconciled"
    READY = "Ready"
    FAILED = "Failed"
    USER_VERIFIED = "UserVerified"
    CONTENT_SERVICE_READY = "ContentServiceReady"


class ConditionStatus(StrEnum):
    TRUE = "True"
    FALSE = "False"
    UNKNOWN = "Unknown"


class ConditionReason(StrEnum):
    # PVCReady
    BOUND = "Bound"
    CREATED = "Created"
    PROVISIONING_FAILED = "ProvisioningFailed"
    # SecretsReady
    ALL_REQUIRED_SECRETS_FOUND = "AllRequiredSecretsFound"
    RUNNER_SECRET_MISSING = "RunnerSecretMissing"
    TOKEN_PROVISION_FAILED = "TokenProvisionFailed"
    # JobCreated
    CREATE_FAILED = "CreateFailed"
    # PodScheduled (False reasons are copied from the pod, e.g. "Unschedulable")
    SCHEDULED = "Scheduled"
    UNSCHEDULABLE = "Unschedulable"
    # RunnerStarted
    CONTAINER_RUNNING = "ContainerRunning"
    RUNNER_EXIT = "RunnerExit"
    # ReposReconciled / WorkflowReconciled
    NO_REPOS = "NoRepos"
    NOT_CONFIGURED = "NotConfigured"
    RECONCILED = "Reconciled"
    CLONE_FAILED = "CloneFailed"
    # Also the Ready reason while the runner runs but the content sidecar is not ready.
    CONTENT_SERVICE_UNAVAILABLE = "ContentServiceUnavailable"
    # ContentServiceReady (False reasons other than these are the kubelet's waiting reason, e.g.
    # ContainerCreating or CrashLoopBackOff)
    CONTAINER_READY = "ContainerReady"
    CONTAINER_NOT_READY = "ContainerNotReady"
    CONTAINER_EXITED = "ContainerExited"
    # Ready
    RUNNING = "Running"
    INITIALIZING = "Initializing"
    RESTARTING = "Restarting"
    # Also a Failed reason: the pod was lost to the node/kubelet more often than the window allows.
    INFRASTRUCTURE_LOST = "InfrastructureLost"
    STOPPING = "Stopping"
    USER_STOPPED = "UserStopped"
    # Ready, when beat stopped the session after spec.inactivityTimeout seconds without chat
    INACTIVITY_TIMEOUT = "InactivityTimeout"
    COMPLETED = "Completed"
    FAILED = "Failed"
    # Failed
    TIMEOUT = "Timeout"
    IMAGE_PULL_BACK_OFF = "ImagePullBackOff"
    ERR_IMAGE_PULL = "ErrImagePull"
    INVALID_IMAGE_NAME = "InvalidImageName"
    CREATE_CONTAINER_CONFIG_ERROR = "CreateContainerConfigError"
    CRASH_LOOP_BACK_OFF = "CrashLoopBackOff"
    SDK_ERROR = "SDKError"
    PREREQUISITE_FAILED = "PrerequisiteFailed"
    OOM_KILLED = "OOMKilled"
    CREATION_TIMEOUT = "CreationTimeout"
    # UserVerified
    SIGNED_BY_API = "SignedByAPI"
    UNVERIFIED_USER = "UnverifiedUser"


# Kubelet waiting reasons that never resolve by themselves: after a grace they fail the session.
FATAL_WAITING_REASONS: frozenset[ConditionReason] = frozenset(
    {
        ConditionReason.IMAGE_PULL_BACK_OFF,
        ConditionReason.ERR_IMAGE_PULL,
        ConditionReason.INVALID_IMAGE_NAME,
        ConditionReason.CREATE_CONTAINER_CONFIG_ERROR,
        ConditionReason.CRASH_LOOP_BACK_OFF,
    }
)

# --- The runner's interface (RUNNER.md) ----------------------------------------------------------


class RunnerEnv(StrEnum):
    """Variables the reconciler sets for every run; spec.environmentVariables can never replace them."""

    SESSION_NAME = "AGENTIC_SESSION_NAME"
    SESSION_NAMESPACE = "AGENTIC_SESSION_NAMESPACE"
    SESSION_ID = "SESSION_ID"
    PROJECT_NAME = "PROJECT_NAME"
    WORKSPACE_PATH = "WORKSPACE_PATH"
    INITIAL_PROMPT = "INITIAL_PROMPT"
    INTERACTIVE = "INTERACTIVE"
    LLM_MODEL = "LLM_MODEL"
    LLM_TEMPERATURE = "LLM_TEMPERATURE"
    LLM_MAX_TOKENS = "LLM_MAX_TOKENS"
    REPOS_JSON = "REPOS_JSON"
    MAIN_REPO_INDEX = "MAIN_REPO_INDEX"
    ACTIVE_WORKFLOW_GIT_URL = "ACTIVE_WORKFLOW_GIT_URL"
    ACTIVE_WORKFLOW_BRANCH = "ACTIVE_WORKFLOW_BRANCH"
    ACTIVE_WORKFLOW_PATH = "ACTIVE_WORKFLOW_PATH"
    AUTO_PUSH_ON_COMPLETE = "AUTO_PUSH_ON_COMPLETE"
    WEBSOCKET_URL = "WEBSOCKET_URL"
    BACKEND_API_URL = "BACKEND_API_URL"
    BOT_TOKEN_FILE = "BOT_TOKEN_FILE"
    USER_ID = "USER_ID"
    USER_NAME = "USER_NAME"
    USER_VERIFIED = "USER_VERIFIED"


# How the runner's exit code reads as a session outcome; any other code is an agent failure too.
EXIT_SUCCESS = 0
EXIT_SDK_ERROR = 1
EXIT_PREREQUISITES_MISSING = 2
# 128 + SIGTERM: the runner shut down cleanly because its pod was being stopped.
EXIT_SIGTERM = 143

# --- Defaults (the settings read these; ReconcilerConfig() falls back to them) ------------------

DEFAULT_RUNNER_IMAGE = "quay.io/ambient_code/ambient_runner:latest"
# What the runner container runs (the Job sets it, so any image with the runner package works).
DEFAULT_RUNNER_COMMAND: tuple[str, ...] = ("python", "-m", "runner")
# The project image; it also serves the content service and prepares the workspace.
DEFAULT_CONTENT_IMAGE = "quay.io/ambient_code/ambient:latest"
DEFAULT_IMAGE_PULL_POLICY = "IfNotPresent"
DEFAULT_CONTROL_PLANE_NAMESPACE = "ambient-system"
DEFAULT_STORAGE_SIZE = "5Gi"
# spec.timeout absent: this; interactive sessions run for hours, so a day. Never above the maximum.
DEFAULT_TIMEOUT_SECONDS = 24 * 3600
MAX_TIMEOUT_SECONDS = 7 * 24 * 3600
DEFAULT_LLM_MODEL = "claude-sonnet-4-5"
DEFAULT_LLM_TEMPERATURE = 0.7
DEFAULT_LLM_MAX_TOKENS = 4000
# How long a kubelet waiting reason may last before it fails the session, and how long a session
# may take from first sight to a running runner.
DEFAULT_IMAGE_PULL_GRACE_SECONDS = 120.0
DEFAULT_CREATION_DEADLINE_SECONDS = 600.0
# The runner's projected token is replaced once older than this.
DEFAULT_TOKEN_REFRESH_AGE_SECONDS = 45 * 60.0
# A pod lost to the node/kubelet restarts on a new pod at most LIMIT times per WINDOW, then Failed.
DEFAULT_INFRASTRUCTURE_RESTART_LIMIT = 3
DEFAULT_INFRASTRUCTURE_RESTART_WINDOW_SECONDS = 3600.0
# Requeue countdowns for waiting states (the watcher usually wakes the reconciler sooner).
DEFAULT_PENDING_REQUEUE_SECONDS = 2.0
DEFAULT_CREATING_REQUEUE_SECONDS = 5.0
DEFAULT_STOPPING_REQUEUE_SECONDS = 2.0

# --- The Job pod ---------------------------------------------------------------------------------

CONTAINER_RUNNER = "ambient-code-runner"
CONTAINER_CONTENT = "ambient-content"
INIT_CONTAINER_WORKSPACE = "init-workspace"
CONTENT_PORT = 8080
CONTENT_PORT_NAME = "http"
CONTENT_HEALTH_PATH = "/healthz"
CONTENT_SETTINGS_MODULE = "ambient.settings.content"
WORKSPACE_PATH = "/workspace"
WORKSPACE_DIRECTORIES: tuple[str, ...] = ("repos", "workflows", "artifacts", ".ambient")
BOT_TOKEN_DIRECTORY = "/var/run/secrets/ambient"
BOT_TOKEN_FILE = "bot-token"
BOT_TOKEN_PATH = f"{BOT_TOKEN_DIRECTORY}/{BOT_TOKEN_FILE}"
CONTENT_TOKEN_DIRECTORY = "/var/run/secrets/ambient-content"
CONTENT_TOKEN_FILE = "content-token"
CONTENT_TOKEN_PATH = f"{CONTENT_TOKEN_DIRECTORY}/{CONTENT_TOKEN_FILE}"
# Environment variable naming the content token file for the content service.
ENV_CONTENT_TOKEN_FILE = "CONTENT_TOKEN_FILE"
# Request headers of the content service. The content token also travels as `Authorization: Bearer`
# on the direct URL; through the API server's service proxy, which owns Authorization, only here.
CONTENT_TOKEN_HEADER = "X-Ambient-Content-Token"
# Credentials for a git remote, per request (never stored in a remote URL).
GIT_TOKEN_HEADER = "X-Git-Token"
GIT_USERNAME_HEADER = "X-Git-Username"

# Keys of the per-session token Secret.
SECRET_KEY_K8S_TOKEN = "k8s-token"
SECRET_KEY_CONTENT_TOKEN = "content-token"

# Labels the Helm chart puts on control-plane pods; a session's NetworkPolicy admits only the api
# and worker pods (by these labels, in the control-plane namespace) to its content port.
LABEL_K8S_NAME = "app.kubernetes.io/name"
LABEL_K8S_COMPONENT = "app.kubernetes.io/component"
LABEL_NAMESPACE_NAME = "kubernetes.io/metadata.name"
CONTROL_PLANE_APP_NAME = "ambient"
CONTENT_CLIENT_COMPONENTS = ("api", "worker")

# --- Child object names --------------------------------------------------------------------------

DNS_LABEL_MAX_LENGTH = 63


def job_name(session: str) -> str:
    return f"{session}-job"


def pvc_name(session: str) -> str:
    return f"ambient-workspace-{session}"


def service_name(session: str) -> str:
    return f"ambient-content-{session}"


def network_policy_name(session: str) -> str:
    """The content port's NetworkPolicy shares the Service's name: both guard the same door."""
    return service_name(session)


def service_account_name(session: str) -> str:
    return f"ambient-session-{session}"


def role_name(session: str) -> str:
    return f"ambient-session-{session}-role"


def role_binding_name(session: str) -> str:
    return f"ambient-session-{session}-rb"


def token_secret_name(session: str) -> str:
    return f"ambient-runner-token-{session}"


CHILD_NAME_FUNCTIONS: tuple[Callable[[str], str], ...] = (
    job_name,
    pvc_name,
    service_name,
    service_account_name,
    role_name,
    role_binding_name,
    token_secret_name,
)

# Every derived name (and the Job name, which Kubernetes copies into a pod label value) must be a
# DNS label, so the session name gives up the longest prefix+suffix any child adds.
MAX_SESSION_NAME_LENGTH = DNS_LABEL_MAX_LENGTH - max(len(name_of("")) for name_of in CHILD_NAME_FUNCTIONS)
