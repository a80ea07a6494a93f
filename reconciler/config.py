"""Reconciler configuration as plain values; the task layer builds it from Django settings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from ambient import contract
from ambient.contract import CONTENT_PORT, CONTENT_SETTINGS_MODULE
from sessions.environment_policy import EnvironmentPolicy


@dataclass(frozen=True)
class SecretCopy:
    """A control-plane secret copied into every session namespace and exposed to the runner."""

    name: str
    required: bool = False


def _frozen(mapping: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType({key: dict(value) for key, value in mapping.items()})


DEFAULT_RUNNER_RESOURCES = _frozen(
    {"requests": {"cpu": "500m", "memory": "512Mi"}, "limits": {"cpu": "2", "memory": "4Gi"}}
)
DEFAULT_CONTENT_RESOURCES = _frozen(
    {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"cpu": "1", "memory": "1Gi"}}
)
DEFAULT_INIT_RESOURCES = _frozen(
    {"requests": {"cpu": "50m", "memory": "32Mi"}, "limits": {"cpu": "200m", "memory": "128Mi"}}
)


@dataclass(frozen=True)
class ReconcilerConfig:
    runner_image: str = contract.DEFAULT_RUNNER_IMAGE
    content_image: str = contract.DEFAULT_CONTENT_IMAGE
    image_pull_policy: str = contract.DEFAULT_IMAGE_PULL_POLICY
    control_plane_namespace: str = contract.DEFAULT_CONTROL_PLANE_NAMESPACE
    copied_secrets: tuple[SecretCopy, ...] = ()

    # spec.timeout → the Job's activeDeadlineSeconds. Absent: the default; 0: no limit of the
    # session's own; never above the maximum (0 there: no platform maximum). LIFECYCLE.md "Timeouts".
    default_timeout_seconds: int = contract.DEFAULT_TIMEOUT_SECONDS
    max_timeout_seconds: int = contract.MAX_TIMEOUT_SECONDS
    # 0: a failed runner is a session outcome the reconciler reports, not something the Job retries.
    backoff_limit: int = 0
    termination_grace_period_seconds: int = 60

    image_pull_grace_seconds: float = contract.DEFAULT_IMAGE_PULL_GRACE_SECONDS
    creation_deadline_seconds: float = contract.DEFAULT_CREATION_DEADLINE_SECONDS
    token_refresh_age_seconds: float = contract.DEFAULT_TOKEN_REFRESH_AGE_SECONDS
    # A pod lost to the node/kubelet starts again on a new pod at most this often per window;
    # one loss more fails the session (Failed/InfrastructureLost).
    infrastructure_restart_limit: int = contract.DEFAULT_INFRASTRUCTURE_RESTART_LIMIT
    infrastructure_restart_window_seconds: float = contract.DEFAULT_INFRASTRUCTURE_RESTART_WINDOW_SECONDS

    # Requeue countdowns for waiting states (the watcher usually wakes us sooner).
    pending_requeue_seconds: float = contract.DEFAULT_PENDING_REQUEUE_SECONDS
    secret_missing_requeue_seconds: float = 10.0
    creating_requeue_seconds: float = contract.DEFAULT_CREATING_REQUEUE_SECONDS
    stopping_requeue_seconds: float = contract.DEFAULT_STOPPING_REQUEUE_SECONDS

    # Formatted with session, namespace and control_plane_namespace.
    websocket_url_template: str = (
        "ws://ambient-api.{control_plane_namespace}.svc:8000/api/projects/{namespace}/sessions/{session}/ws"
    )
    backend_api_url_template: str = "http://ambient-api.{control_plane_namespace}.svc:8000/api"

    storage_size: str = contract.DEFAULT_STORAGE_SIZE
    storage_class: str | None = None

    content_settings_module: str = CONTENT_SETTINGS_MODULE
    content_command: tuple[str, ...] = (
        "python",
        "-m",
        "gunicorn",
        "--config=workspaces/gunicorn.conf.py",
        f"--bind=0.0.0.0:{CONTENT_PORT}",  # noqa: S104 - the sidecar must answer on the pod IP
    )
    runner_command: tuple[str, ...] = contract.DEFAULT_RUNNER_COMMAND  # empty: the runner image's entrypoint

    default_llm_model: str = contract.DEFAULT_LLM_MODEL
    default_llm_temperature: float = contract.DEFAULT_LLM_TEMPERATURE
    default_llm_max_tokens: int = contract.DEFAULT_LLM_MAX_TOKENS

    # Verifies spec.userContext signatures (empty: every session runs as an unverified user).
    user_context_key: bytes = field(default=b"", repr=False)
    # Which spec.environmentVariables reach the runner; the API refuses the same names.
    environment_policy: EnvironmentPolicy = field(default_factory=EnvironmentPolicy)

    runner_resources: Mapping[str, Any] = field(default_factory=lambda: DEFAULT_RUNNER_RESOURCES)
    content_resources: Mapping[str, Any] = field(default_factory=lambda: DEFAULT_CONTENT_RESOURCES)
    init_resources: Mapping[str, Any] = field(default_factory=lambda: DEFAULT_INIT_RESOURCES)

    @property
    def required_secret_names(self) -> frozenset[str]:
        return frozenset(copy.name for copy in self.copied_secrets if copy.required)

    def url_for(self, template: str, *, session: str, namespace: str) -> str:
        return template.format(
            session=session, namespace=namespace, control_plane_namespace=self.control_plane_namespace
        )
