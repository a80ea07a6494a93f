"""ReconcilerConfig from Django settings (the RECONCILER_* variables, documented in .env.example)."""

from __future__ import annotations

from django.conf import settings

from reconciler.config import ReconcilerConfig, SecretCopy
from sessions.environment_policy import environment_policy_from_settings
from sessions.user_context import user_context_signing_key


def parse_copied_secrets(entries: list[str]) -> tuple[SecretCopy, ...]:
    """`name` or `name:required` per entry; a required secret keeps a session Pending until it exists."""
    copies = []
    for entry in entries:
        name, _, flag = entry.strip().partition(":")
        if name:
            copies.append(SecretCopy(name=name, required=flag.strip().lower() == "required"))
    return tuple(copies)


def reconciler_config_from_settings() -> ReconcilerConfig:
    defaults = ReconcilerConfig()
    content_command = tuple(settings.RECONCILER_CONTENT_COMMAND) or defaults.content_command
    return ReconcilerConfig(
        runner_image=settings.RECONCILER_RUNNER_IMAGE,
        content_image=settings.RECONCILER_CONTENT_IMAGE,
        image_pull_policy=settings.RECONCILER_IMAGE_PULL_POLICY,
        control_plane_namespace=settings.CONTROL_PLANE_NAMESPACE,
        copied_secrets=parse_copied_secrets(settings.RECONCILER_COPIED_SECRETS),
        default_timeout_seconds=settings.RECONCILER_DEFAULT_TIMEOUT_SECONDS,
        max_timeout_seconds=settings.RECONCILER_MAX_TIMEOUT_SECONDS,
        image_pull_grace_seconds=settings.RECONCILER_IMAGE_PULL_GRACE_SECONDS,
        creation_deadline_seconds=settings.RECONCILER_CREATION_DEADLINE_SECONDS,
        token_refresh_age_seconds=settings.RECONCILER_TOKEN_REFRESH_AGE_SECONDS,
        infrastructure_restart_limit=settings.RECONCILER_INFRASTRUCTURE_RESTART_LIMIT,
        infrastructure_restart_window_seconds=settings.RECONCILER_INFRASTRUCTURE_RESTART_WINDOW_SECONDS,
        pending_requeue_seconds=settings.RECONCILER_PENDING_REQUEUE_SECONDS,
        creating_requeue_seconds=settings.RECONCILER_CREATING_REQUEUE_SECONDS,
        stopping_requeue_seconds=settings.RECONCILER_STOPPING_REQUEUE_SECONDS,
        storage_size=settings.RECONCILER_STORAGE_SIZE,
        storage_class=settings.RECONCILER_STORAGE_CLASS or None,
        content_command=content_command,
        runner_command=tuple(settings.RECONCILER_RUNNER_COMMAND),
        websocket_url_template=settings.RECONCILER_WEBSOCKET_URL_TEMPLATE or defaults.websocket_url_template,
        backend_api_url_template=settings.RECONCILER_BACKEND_API_URL_TEMPLATE or defaults.backend_api_url_template,
        user_context_key=user_context_signing_key(),
        environment_policy=environment_policy_from_settings(),
    )
