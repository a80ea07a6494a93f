"""What the reconcile task builds each session's Job from (reconciler.services.config → ReconcilerConfig):
images, commands, storage, timeouts, restart limits and requeue intervals. Part of the base settings."""

from ambient import contract
from ambient.settings.env import env

# What the reconcile task builds (reconciler.services.config → ReconcilerConfig).
RECONCILER_RUNNER_IMAGE = env.str("RECONCILER_RUNNER_IMAGE", default=contract.DEFAULT_RUNNER_IMAGE)
RECONCILER_CONTENT_IMAGE = env.str("RECONCILER_CONTENT_IMAGE", default=contract.DEFAULT_CONTENT_IMAGE)
RECONCILER_IMAGE_PULL_POLICY = env.str("RECONCILER_IMAGE_PULL_POLICY", default=contract.DEFAULT_IMAGE_PULL_POLICY)
# Control-plane secrets copied into each session namespace: "name" or "name:required".
RECONCILER_COPIED_SECRETS = env.list("RECONCILER_COPIED_SECRETS", default=[])
# Empty: the default in reconciler/config.py (content: gunicorn with workspaces/gunicorn.conf.py on 0.0.0.0:8080).
RECONCILER_CONTENT_COMMAND = env.list("RECONCILER_CONTENT_COMMAND", default=[])
RECONCILER_RUNNER_COMMAND = env.list("RECONCILER_RUNNER_COMMAND", default=list(contract.DEFAULT_RUNNER_COMMAND))
RECONCILER_STORAGE_SIZE = env.str("RECONCILER_STORAGE_SIZE", default=contract.DEFAULT_STORAGE_SIZE)
RECONCILER_STORAGE_CLASS = env.str("RECONCILER_STORAGE_CLASS", default="")
RECONCILER_WEBSOCKET_URL_TEMPLATE = env.str("RECONCILER_WEBSOCKET_URL_TEMPLATE", default="")
RECONCILER_BACKEND_API_URL_TEMPLATE = env.str("RECONCILER_BACKEND_API_URL_TEMPLATE", default="")
# spec.timeout absent → the default; 0 (in spec or here) → no limit of the session's own; never
# above the maximum (0: none). Interactive sessions run for hours, so the default is a day.
RECONCILER_DEFAULT_TIMEOUT_SECONDS = env.int(
    "RECONCILER_DEFAULT_TIMEOUT_SECONDS", default=contract.DEFAULT_TIMEOUT_SECONDS
)
RECONCILER_MAX_TIMEOUT_SECONDS = env.int("RECONCILER_MAX_TIMEOUT_SECONDS", default=contract.MAX_TIMEOUT_SECONDS)
# A pod lost to the infrastructure restarts on a new pod at most LIMIT times per WINDOW, then Failed.
RECONCILER_INFRASTRUCTURE_RESTART_LIMIT = env.int(
    "RECONCILER_INFRASTRUCTURE_RESTART_LIMIT", default=contract.DEFAULT_INFRASTRUCTURE_RESTART_LIMIT
)
RECONCILER_INFRASTRUCTURE_RESTART_WINDOW_SECONDS = env.float(
    "RECONCILER_INFRASTRUCTURE_RESTART_WINDOW_SECONDS", default=contract.DEFAULT_INFRASTRUCTURE_RESTART_WINDOW_SECONDS
)
RECONCILER_IMAGE_PULL_GRACE_SECONDS = env.float(
    "RECONCILER_IMAGE_PULL_GRACE_SECONDS", default=contract.DEFAULT_IMAGE_PULL_GRACE_SECONDS
)
RECONCILER_CREATION_DEADLINE_SECONDS = env.float(
    "RECONCILER_CREATION_DEADLINE_SECONDS", default=contract.DEFAULT_CREATION_DEADLINE_SECONDS
)
RECONCILER_TOKEN_REFRESH_AGE_SECONDS = env.float(
    "RECONCILER_TOKEN_REFRESH_AGE_SECONDS", default=contract.DEFAULT_TOKEN_REFRESH_AGE_SECONDS
)
RECONCILER_TOKEN_EXPIRATION_SECONDS = env.int("RECONCILER_TOKEN_EXPIRATION_SECONDS", default=3600)
RECONCILER_PENDING_REQUEUE_SECONDS = env.float(
    "RECONCILER_PENDING_REQUEUE_SECONDS", default=contract.DEFAULT_PENDING_REQUEUE_SECONDS
)
RECONCILER_CREATING_REQUEUE_SECONDS = env.float(
    "RECONCILER_CREATING_REQUEUE_SECONDS", default=contract.DEFAULT_CREATING_REQUEUE_SECONDS
)
RECONCILER_STOPPING_REQUEUE_SECONDS = env.float(
    "RECONCILER_STOPPING_REQUEUE_SECONDS", default=contract.DEFAULT_STOPPING_REQUEUE_SECONDS
)
# >0: the worker serves /metrics on this port (run it with --pool threads so one process counts).
RECONCILER_WORKER_METRICS_PORT = env.int("RECONCILER_WORKER_METRICS_PORT", default=0)
RECONCILER_WORKER_METRICS_ADDR = env.str("RECONCILER_WORKER_METRICS_ADDR", default="127.0.0.1")
