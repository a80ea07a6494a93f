"""The session's Job: init container, content sidecar (native) and runner sharing the workspace PVC."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from ambient.contract import (
    ANNOTATION_SESSION_GENERATION,
    ANNOTATION_SESSION_START_TIME,
    APP_RUNNER,
    BOT_TOKEN_DIRECTORY,
    BOT_TOKEN_FILE,
    CONTAINER_CONTENT,
    CONTAINER_RUNNER,
    CONTENT_HEALTH_PATH,
    CONTENT_PORT,
    CONTENT_PORT_NAME,
    CONTENT_TOKEN_DIRECTORY,
    CONTENT_TOKEN_FILE,
    CONTENT_TOKEN_PATH,
    ENV_CONTENT_TOKEN_FILE,
    INIT_CONTAINER_WORKSPACE,
    LABEL_APP,
    SECRET_KEY_CONTENT_TOKEN,
    SECRET_KEY_K8S_TOKEN,
    WORKSPACE_DIRECTORIES,
    WORKSPACE_PATH,
    job_name,
    pvc_name,
    service_account_name,
    token_secret_name,
)
from reconciler.config import ReconcilerConfig
from reconciler.manifests.environment import runner_env
from reconciler.manifests.metadata import Kind, Manifest, child_metadata, session_labels, session_name

VOLUME_WORKSPACE = "workspace"
VOLUME_BOT_TOKEN = "runner-token"  # noqa: S105 - a volume name
VOLUME_CONTENT_TOKEN = "content-token"  # noqa: S105 - a volume name


def active_deadline_seconds(spec: Mapping[str, Any], config: ReconcilerConfig) -> int | None:
    """The run's deadline in seconds, None for no limit (LIFECYCLE.md "Timeouts").

    Absent (or not an integer): the platform default. 0 (here or as the default): no limit of the
    session's own. Either way never above the platform maximum, which 0 turns off.
    """
    timeout = spec.get("timeout")
    if isinstance(timeout, bool) or not isinstance(timeout, int) or timeout < 0:
        timeout = config.default_timeout_seconds
    maximum = config.max_timeout_seconds if config.max_timeout_seconds > 0 else None
    if timeout <= 0:
        return maximum
    return min(timeout, maximum) if maximum is not None else timeout


def runner_resources(spec: Mapping[str, Any], config: ReconcilerConfig) -> dict[str, Any]:
    resources = {key: dict(value) for key, value in config.runner_resources.items()}
    overrides = spec.get("resourceOverrides") or {}
    for resource in ("cpu", "memory"):
        if overrides.get(resource):
            # One value for request and limit: the user asked for exactly this much.
            resources.setdefault("requests", {})[resource] = str(overrides[resource])
            resources.setdefault("limits", {})[resource] = str(overrides[resource])
    return resources


def _init_container(config: ReconcilerConfig) -> Manifest:
    directories = " ".join(f'"$WORKSPACE_PATH/{directory}"' for directory in WORKSPACE_DIRECTORIES)
    return {
        "name": INIT_CONTAINER_WORKSPACE,
        "image": config.content_image,
        "imagePullPolicy": config.image_pull_policy,
        "command": ["sh", "-c", f"mkdir -p {directories}"],
        "env": [{"name": "WORKSPACE_PATH", "value": WORKSPACE_PATH}],
        "volumeMounts": [{"name": VOLUME_WORKSPACE, "mountPath": WORKSPACE_PATH}],
        "resources": {key: dict(value) for key, value in config.init_resources.items()},
    }


def _content_container(config: ReconcilerConfig) -> Manifest:
    """The content service as a native sidecar (an init container that always restarts, Kubernetes
    1.29+): the kubelet restarts it if it dies while the runner works on, and stops it once the
    runner has exited, so the pod and Job finish with the runner."""
    return {
        "name": CONTAINER_CONTENT,
        "image": config.content_image,
        "imagePullPolicy": config.image_pull_policy,
        "restartPolicy": "Always",
        "command": list(config.content_command),
        "env": [
            {"name": "DJANGO_SETTINGS_MODULE", "value": config.content_settings_module},
            {"name": "WORKSPACE_ROOT", "value": WORKSPACE_PATH},
            {"name": ENV_CONTENT_TOKEN_FILE, "value": CONTENT_TOKEN_PATH},
        ],
        "ports": [{"name": CONTENT_PORT_NAME, "containerPort": CONTENT_PORT, "protocol": "TCP"}],
        "readinessProbe": {
            "httpGet": {"path": CONTENT_HEALTH_PATH, "port": CONTENT_PORT_NAME},
            "initialDelaySeconds": 1,
            "periodSeconds": 5,
            "timeoutSeconds": 2,
            "failureThreshold": 3,
        },
        "volumeMounts": [
            {"name": VOLUME_WORKSPACE, "mountPath": WORKSPACE_PATH},
            {"name": VOLUME_CONTENT_TOKEN, "mountPath": CONTENT_TOKEN_DIRECTORY, "readOnly": True},
        ],
        "resources": {key: dict(value) for key, value in config.content_resources.items()},
    }


def _runner_container(
    session: Mapping[str, Any], config: ReconcilerConfig, copied_secret_keys: Collection[str]
) -> Manifest:
    spec = session.get("spec") or {}
    container: Manifest = {
        "name": CONTAINER_RUNNER,
        "image": config.runner_image,
        "imagePullPolicy": config.image_pull_policy,
        "env": runner_env(session, config, copied_secret_keys),
        # The token is a file, not an env var, so the kubelet propagates refreshed tokens.
        "volumeMounts": [
            {"name": VOLUME_WORKSPACE, "mountPath": WORKSPACE_PATH},
            {"name": VOLUME_BOT_TOKEN, "mountPath": BOT_TOKEN_DIRECTORY, "readOnly": True},
        ],
        "resources": runner_resources(spec, config),
    }
    if config.runner_command:
        container["command"] = list(config.runner_command)
    if config.copied_secrets:
        # Explicit env entries win over envFrom: system variables over the copies, which is wanted;
        # user variables never carry a copied key (runner_env), so the copies win over them.
        container["envFrom"] = [
            {"secretRef": {"name": copy.name, "optional": not copy.required}} for copy in config.copied_secrets
        ]
    return container


def _secret_file_volume(volume: str, secret: str, key: str, path: str) -> Manifest:
    return {"name": volume, "secret": {"secretName": secret, "items": [{"key": key, "path": path}]}}


def session_job(
    session: Mapping[str, Any],
    config: ReconcilerConfig,
    *,
    start_time: str,
    generation: int,
    copied_secret_keys: Collection[str],
) -> Manifest:
    """The Job for one run; annotated with the run's startTime and the spec generation it embodies.

    ``copied_secret_keys`` are the keys the copied control-plane secrets hand the runner through
    envFrom; user variables of those names are left out so the secrets' values are the ones it sees.
    """
    name = session_name(session)
    spec = session.get("spec") or {}
    overrides = spec.get("resourceOverrides") or {}
    pod_spec: Manifest = {
        "restartPolicy": "Never",
        "terminationGracePeriodSeconds": config.termination_grace_period_seconds,
        "serviceAccountName": service_account_name(name),
        "automountServiceAccountToken": False,
        "volumes": [
            {"name": VOLUME_WORKSPACE, "persistentVolumeClaim": {"claimName": pvc_name(name)}},
            _secret_file_volume(VOLUME_BOT_TOKEN, token_secret_name(name), SECRET_KEY_K8S_TOKEN, BOT_TOKEN_FILE),
            _secret_file_volume(
                VOLUME_CONTENT_TOKEN, token_secret_name(name), SECRET_KEY_CONTENT_TOKEN, CONTENT_TOKEN_FILE
            ),
        ],
        "initContainers": [_init_container(config), _content_container(config)],
        "containers": [_runner_container(session, config, copied_secret_keys)],
    }
    if overrides.get("priorityClass"):
        pod_spec["priorityClassName"] = str(overrides["priorityClass"])
    job_spec: Manifest = {
        "backoffLimit": config.backoff_limit,
        "template": {
            "metadata": {"labels": session_labels(name, {LABEL_APP: APP_RUNNER})},
            "spec": pod_spec,
        },
    }
    deadline = active_deadline_seconds(spec, config)
    if deadline is not None:
        job_spec["activeDeadlineSeconds"] = deadline
    return {
        "apiVersion": "batch/v1",
        "kind": Kind.JOB.value,
        "metadata": child_metadata(
            session,
            job_name(name),
            labels={LABEL_APP: APP_RUNNER},
            annotations={
                ANNOTATION_SESSION_GENERATION: str(generation),
                ANNOTATION_SESSION_START_TIME: start_time,
            },
        ),
        "spec": job_spec,
    }
