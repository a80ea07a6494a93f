"""Settings shared by every control-plane process (api, watcher, worker, beat)."""

from pathlib import Path
from typing import Any

from kombu import Exchange, Queue

from ambient import contract
from ambient.settings.env import BASE_DIR, STATE_DIR, env

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="insecure-local-only-key-change-me-in-production-0123456789")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # The admin with the session console (sessions/admin): its site is the default `admin.site`.
    "sessions.admin.apps.ConsoleAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and ReDoc assets, served by the app (no CDN)
    "channels",
    "ambient",
    "sessions.apps.SessionsConfig",
    "gitops",
    "workspaces",
    "reconciler",
]

MIDDLEWARE = [
    "ambient.logging.RequestIdMiddleware",
    # Django's own error answers under /api/ (unknown path, oversized body, 405) in the JSON error shape.
    "ambient.error_pages.ApiErrorMiddleware",
    # Django's own (and WhiteNoise) without a thread hop per hook under ASGI: ambient/async_middleware.py
    "ambient.async_middleware.SecurityMiddleware",
    "ambient.async_middleware.StaticFilesMiddleware",
    "ambient.async_middleware.SessionMiddleware",
    "ambient.async_middleware.CommonMiddleware",
    "ambient.async_middleware.CsrfViewMiddleware",
    "ambient.async_middleware.AuthenticationMiddleware",
    "ambient.async_middleware.MessageMiddleware",
    "ambient.async_middleware.XFrameOptionsMiddleware",
]
# Django's checks for its security, clickjacking and CSRF middleware want its own dotted paths; the
# subclasses above are checked instead by ambient.W001-W003 (ambient/async_middleware.py).
SILENCED_SYSTEM_CHECKS = ["security.W001", "security.W002", "security.W003"]

ROOT_URLCONF = "ambient.urls"
WSGI_APPLICATION = "ambient.wsgi.application"
ASGI_APPLICATION = "ambient.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{STATE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=0))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Write-ahead log, synced at checkpoints: a commit no longer waits for an fsync (27 ms on a busy
    # disk, under the one lock all writers share), so a burst of reconcile passes writing condition
    # history does not queue behind it; readers and the writer stop blocking each other too.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL"
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("DJANGO_STATIC_ROOT", default=str(STATE_DIR / "static")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Serve straight from the apps' static dirs so `make run` needs no collectstatic step.
WHITENOISE_USE_FINDERS = True

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "ambient.exceptions.exception_handler",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Ambient control plane API",
    "DESCRIPTION": "Sessions of AI coding agents, each an AgenticSession custom resource.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "sessions.schema.document_enforced_names",
    ],
}

# --- Redis, Celery, Channels -----------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")

# Redis re-delivers an unacknowledged task after this many seconds; every time limit and
# countdown below stays well inside it so a slow task is never run twice concurrently.
BROKER_VISIBILITY_TIMEOUT = env.int("BROKER_VISIBILITY_TIMEOUT", default=3600)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=240)
MAX_TASK_COUNTDOWN = BROKER_VISIBILITY_TIMEOUT // 2
# Celery's Django fixup otherwise reconnects for every task (+2–3 ms CPU per writing pass, a PostgreSQL
# backend per task); a failed history append closes the connection (reconciler/services/history.py).
CELERY_DB_REUSE_MAX = 1000

# `make run` starts a private Redis and hands every process its REDIS_URL, so the embedded mode
# runs the production broker and channel layer. Without REDIS_URL (a one-off management command,
# unit tests) tasks go to kombu's in-memory transport: they stay inside that process.
CELERY_BROKER_URL = REDIS_URL or "memory://"
# Two queues (RECONCILER.md, queueing), each on its own direct exchange: new sessions' first sight, taken
# first by workers ("priority": kombu's BRPOP order, not round robin), and Celery's default for the rest.
RECONCILE_QUEUE, RECONCILE_FIRST_SIGHT_QUEUE = "celery", "reconcile-first-sight"
CELERY_TASK_DEFAULT_QUEUE = RECONCILE_QUEUE
CELERY_TASK_QUEUES = [Queue(q, Exchange(q), routing_key=q) for q in (RECONCILE_FIRST_SIGHT_QUEUE, RECONCILE_QUEUE)]
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": BROKER_VISIBILITY_TIMEOUT, "queue_order_strategy": "priority"}

# CHANNEL_LAYER_BACKEND: "pubsub" (Redis Pub/Sub: one PUBLISH per broadcast; "beta" upstream) or "core"
# (channels_redis' list layer: one push per socket, and each api process pops them one round trip at
# a time). In bench/chat_bench.py (200 sockets, 200 messages/s) pubsub delivered in ~50 ms where core
# took seconds, so it is the default; core keeps messages in Redis through a short disconnect.
CHANNEL_LAYER_BACKEND = env.str("CHANNEL_LAYER_BACKEND", default="pubsub")


def redis_channel_layers(redis_url: str) -> dict[str, dict[str, Any]]:
    """The chat's channel layer on Redis (production.py calls this with its required REDIS_URL)."""
    # redis-py gives up on a reply after 5 s by default, exactly as long as the core layer's blocking
    # pop waits on an idle channel: under load the read timed out first and ended every socket of the process.
    host = {"address": redis_url, "socket_timeout": env.float("CHANNEL_LAYER_SOCKET_TIMEOUT", default=30.0)}
    if CHANNEL_LAYER_BACKEND == "pubsub":
        return {"default": {"BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer", "CONFIG": {"hosts": [host]}}}
    return {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [host],
                # Every socket of one api process reads from one Redis list, and a broadcast over this
                # many waiting messages is dropped silently: size it for sockets per process x burst.
                "capacity": env.int("CHANNEL_LAYER_CAPACITY", default=5000),
                # A socket stays in its session's group this long (a run may last the 7-day maximum).
                "group_expiry": env.int("CHANNEL_LAYER_GROUP_EXPIRY", default=7 * 24 * 3600),
            },
        }
    }


IN_MEMORY_CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
CHANNEL_LAYERS: dict[str, dict[str, Any]] = redis_channel_layers(REDIS_URL) if REDIS_URL else IN_MEMORY_CHANNEL_LAYERS

# --- Kubernetes ------------------------------------------------------------------------------
# Exactly one of: a kubeconfig file (embedded mode writes one), or the in-cluster service account.
KUBE_IN_CLUSTER = env.bool("KUBE_IN_CLUSTER", default=False)
KUBECONFIG = env.str("KUBECONFIG", default=str(STATE_DIR / "localkube" / "kubeconfig"))
KUBE_CONTEXT = env.str("KUBE_CONTEXT", default="")
KUBE_REQUEST_TIMEOUT = env.float("KUBE_REQUEST_TIMEOUT", default=10.0)
# Connections kept per Kubernetes client: at least the threads that call the API server at once
# (API request threads, worker concurrency); fewer makes urllib3 open and drop extra connections.
KUBE_CONNECTION_POOL_MAXSIZE = env.int("KUBE_CONNECTION_POOL_MAXSIZE", default=64)
# A write without a client resourceVersion that loses a race (409) is retried on a fresh read with
# exponential backoff and full jitter (base, longest single wait) until this deadline.
KUBE_CONFLICT_RETRY_DEADLINE_SECONDS = env.float("KUBE_CONFLICT_RETRY_DEADLINE_SECONDS", default=8.0)
KUBE_CONFLICT_RETRY_BASE_SECONDS = env.float("KUBE_CONFLICT_RETRY_BASE_SECONDS", default=0.01)
KUBE_CONFLICT_RETRY_MAX_WAIT_SECONDS = env.float("KUBE_CONFLICT_RETRY_MAX_WAIT_SECONDS", default=0.5)
CONTROL_PLANE_NAMESPACE = env.str("CONTROL_PLANE_NAMESPACE", default=contract.DEFAULT_CONTROL_PLANE_NAMESPACE)
CONTENT_SERVICE_URL_TEMPLATE = env.str(
    "CONTENT_SERVICE_URL_TEMPLATE", default="http://ambient-content-{session}.{namespace}.svc:8080"
)
# How the api and the reconciler reach a session's content service: "direct" (the URL template:
# in-cluster Service DNS), "service-proxy" (the API server's services/proxy, which works from
# outside the cluster and in embedded mode), or "auto" (direct in cluster, service proxy outside).
CONTENT_SERVICE_ROUTE = env.str("CONTENT_SERVICE_ROUTE", default="auto")
# Per-operation bounds (seconds): connecting, workspace reads/writes, git commands, clones.
CONTENT_SERVICE_CONNECT_TIMEOUT_SECONDS = env.float("CONTENT_SERVICE_CONNECT_TIMEOUT_SECONDS", default=3.0)
CONTENT_SERVICE_READ_TIMEOUT_SECONDS = env.float("CONTENT_SERVICE_READ_TIMEOUT_SECONDS", default=15.0)
CONTENT_SERVICE_GIT_TIMEOUT_SECONDS = env.float("CONTENT_SERVICE_GIT_TIMEOUT_SECONDS", default=120.0)
CONTENT_SERVICE_CLONE_TIMEOUT_SECONDS = env.float("CONTENT_SERVICE_CLONE_TIMEOUT_SECONDS", default=300.0)
# Connections kept to content services (direct route); at least the api threads proxying at once.
CONTENT_SERVICE_POOL_MAXSIZE = env.int("CONTENT_SERVICE_POOL_MAXSIZE", default=32)
# A session's content token (read from its Secret) is reused this long; a 401 re-reads it at once.
CONTENT_TOKEN_CACHE_SECONDS = env.float("CONTENT_TOKEN_CACHE_SECONDS", default=60.0)

# --- GitHub and the out-of-the-box workflows (gitops/github, gitops/ootb.py) -------------------
# API base URL (GitHub Enterprise: https://<host>/api/v3). A GitHub App (id and RS256 private key,
# inline or from a file) mints installation tokens; GITHUB_APP_INSTALLATION_ID is the installation
# used when a user has none of their own (ConfigMap `github-app-installations`).
GITHUB_API_URL = env.str("GITHUB_API_URL", default="https://api.github.com")
GITHUB_APP_ID = env.str("GITHUB_APP_ID", default="")
GITHUB_APP_PRIVATE_KEY = env.str("GITHUB_APP_PRIVATE_KEY", default="", multiline=True)
GITHUB_APP_PRIVATE_KEY_FILE = env.str("GITHUB_APP_PRIVATE_KEY_FILE", default="")
GITHUB_APP_INSTALLATION_ID = env.str("GITHUB_APP_INSTALLATION_ID", default="")
GITHUB_REQUEST_TIMEOUT_SECONDS = env.float("GITHUB_REQUEST_TIMEOUT_SECONDS", default=10.0)
# An installation token is reused until this long before it expires.
GITHUB_TOKEN_REFRESH_MARGIN_SECONDS = env.float("GITHUB_TOKEN_REFRESH_MARGIN_SECONDS", default=600.0)
OOTB_WORKFLOWS_REPO = env.str(
    "OOTB_WORKFLOWS_REPO", default="https://github.com/ambient-code/ootb-ambient-workflows.git"
)
OOTB_WORKFLOWS_BRANCH = env.str("OOTB_WORKFLOWS_BRANCH", default="main")
OOTB_WORKFLOWS_PATH = env.str("OOTB_WORKFLOWS_PATH", default="workflows")
OOTB_WORKFLOWS_CACHE_SECONDS = env.float("OOTB_WORKFLOWS_CACHE_SECONDS", default=300.0)
# A token for a private catalogue repository (sent through git's askpass, never in the URL).
OOTB_WORKFLOWS_GIT_TOKEN = env.str("OOTB_WORKFLOWS_GIT_TOKEN", default="")

# Embedded mode: which local command localkube runs for each container image (localkube/README.md).
EMBEDDED_IMAGE_MAP = env.str("EMBEDDED_IMAGE_MAP", default="")
# Seconds a control-plane process must stay up before supervisord counts it as started (RUNNING).
EMBEDDED_START_SECONDS = env.int("EMBEDDED_START_SECONDS", default=3)

# --- Logging ---------------------------------------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOG_FORMAT = env.str("LOG_FORMAT", default="text")
from ambient.logging import logging_config  # noqa: E402

LOGGING = logging_config(level=LOG_LEVEL, json_lines=LOG_FORMAT == "json")

# --- Reconciler: watcher and queueing ---------------------------------------------------------
# Queueing (reconciler/queueing): coalescing claims, per-session leases and backoff counters live
# in Redis (REDIS_URL); without it, in a SQLite file shared by the processes of one machine.
RECONCILE_KEY_PREFIX = env.str("RECONCILE_KEY_PREFIX", default="ambient:")
RECONCILE_QUEUE_SQLITE_PATH = env.str("RECONCILE_QUEUE_SQLITE_PATH", default=str(STATE_DIR / "reconcile-queue.sqlite3"))
RECONCILE_COALESCE_TTL = env.float("RECONCILE_COALESCE_TTL", default=300.0)
RECONCILE_LEASE_TTL = env.float("RECONCILE_LEASE_TTL", default=30.0)
RECONCILE_BACKOFF_BASE = env.float("RECONCILE_BACKOFF_BASE", default=1.0)
RECONCILE_BACKOFF_CAP = env.float("RECONCILE_BACKOFF_CAP", default=300.0)
# Deliveries of one key's task whose worker died (task_reject_on_worker_lost) before it waits instead.
RECONCILE_REDELIVERY_CAP = env.int("RECONCILE_REDELIVERY_CAP", default=5)
# A converged Running pass reuses the last full read of a session's secondary children (PVC,
# Service, RBAC, Secrets) for this long; under the resync period, so every resync re-reads them.
RECONCILER_CHILDREN_RECHECK_SECONDS = env.float("RECONCILER_CHILDREN_RECHECK_SECONDS", default=300.0)

# Watcher (manage.py watch_sessions): empty WATCH_NAMESPACES watches every namespace.
WATCH_NAMESPACES = env.list("WATCH_NAMESPACES", default=[])
WATCH_READ_TIMEOUT = env.float("WATCH_READ_TIMEOUT", default=90.0)
WATCH_LEASE_NAME = env.str("WATCH_LEASE_NAME", default="ambient-session-watcher")
WATCH_LEASE_DURATION = env.int("WATCH_LEASE_DURATION", default=15)
WATCH_LEASE_RENEW_INTERVAL = env.float("WATCH_LEASE_RENEW_INTERVAL", default=5.0)
WATCH_METRICS_PORT = env.int("WATCH_METRICS_PORT", default=0)
# /healthz on the metrics port fails once the watcher has not heard from the API server for this
# long; above the longest watch timeout (600 s) plus the read timeout, since a quiet server may
# send nothing for a whole stream.
WATCH_LIVENESS_MAX_AGE = env.float("WATCH_LIVENESS_MAX_AGE", default=900.0)

# --- Session API -----------------------------------------------------------------------------
# How long an allowed SelfSubjectAccessReview and a TokenReview identity are reused (API.md: ~30 s).
SESSION_API_ACCESS_CACHE_SECONDS = env.float("SESSION_API_ACCESS_CACHE_SECONDS", default=30.0)
# Creating a project (POST /api/projects) needs RBAC `create` on `projects` in API group
# `vteam.ambient-code` at cluster scope (ClusterRole `ambient-project-creator`); ServiceAccounts never may.
# Each user may have created at most PROJECT_QUOTA_PER_USER live projects (0: no limit).
PROJECT_QUOTA_PER_USER = env.int("PROJECT_QUOTA_PER_USER", default=5)
# New project names must fully match this pattern (and be DNS-1123 labels), so users cannot squat
# names other software expects (istio-system, cert-manager, monitoring, ...).
PROJECT_NAME_PATTERN = env.str("PROJECT_NAME_PATTERN", default=r"ambient-[a-z0-9]([-a-z0-9]*[a-z0-9])?")
# Bearer tokens longer than this are refused with 401 before any call (Kubernetes tokens are ~1–4 KB).
API_MAX_TOKEN_LENGTH = env.int("API_MAX_TOKEN_LENGTH", default=8192)
# JSON request bodies nested deeper than this are refused with 400 before they are parsed.
API_MAX_JSON_DEPTH = env.int("API_MAX_JSON_DEPTH", default=32)
# The API server (`python -m ambient.asgi_server`, uvicorn): worker processes per pod, how long
# in-flight requests may finish after SIGTERM, and which proxies' X-Forwarded-* headers to trust.
API_WORKERS = env.int("API_WORKERS", default=1)
API_GRACEFUL_SHUTDOWN_SECONDS = env.int("API_GRACEFUL_SHUTDOWN_SECONDS", default=25)
API_FORWARDED_ALLOW_IPS = env.str("API_FORWARDED_ALLOW_IPS", default="127.0.0.1")

# --- Session chat (messages and the WebSocket, docs/design/API.md) ----------------------------
# A chat message (POST body or WebSocket frame) larger than this is refused: 413 / an error frame.
CHAT_MAX_MESSAGE_BYTES = env.int("CHAT_MAX_MESSAGE_BYTES", default=256 * 1024)
# An open chat socket re-checks its token and access this often (at its next frame in or out).
CHAT_ACCESS_RECHECK_SECONDS = env.float("CHAT_ACCESS_RECHECK_SECONDS", default=300.0)
# spec.inactivityTimeout absent → this many seconds without a chat message in either direction
# stops a Running session (0 here or in the spec: never); beat looks every interval.
SESSION_DEFAULT_INACTIVITY_TIMEOUT_SECONDS = env.int("SESSION_DEFAULT_INACTIVITY_TIMEOUT_SECONDS", default=24 * 3600)
SESSION_INACTIVITY_CHECK_INTERVAL = env.float("SESSION_INACTIVITY_CHECK_INTERVAL", default=60.0)

# --- Session spec policy (docs/design/SECURITY.md) ----------------------------------------------
# HMAC key the API signs spec.userContext with and the reconciler verifies it with; empty: derived
# from DJANGO_SECRET_KEY. Every api and worker process must share it.
SESSION_USER_CONTEXT_SIGNING_KEY = env.str("SESSION_USER_CONTEXT_SIGNING_KEY", default="")
# spec.environmentVariables: extra refused name patterns (fnmatch, e.g. "MYCORP_*") on top of the
# built-in deny-list, and exact names exempted from it (sessions/environment_policy.py).
SESSION_ENV_DENIED_PATTERNS = env.list("SESSION_ENV_DENIED_PATTERNS", default=[])
SESSION_ENV_ALLOWED_NAMES = env.list("SESSION_ENV_ALLOWED_NAMES", default=[])
# spec.resourceOverrides: the PriorityClasses and StorageClasses a session may name (empty: none),
# and the most cpu and memory one runner may ask for.
SESSION_PRIORITY_CLASSES = env.list("SESSION_PRIORITY_CLASSES", default=[])
SESSION_STORAGE_CLASSES = env.list("SESSION_STORAGE_CLASSES", default=[])
SESSION_MAX_CPU = env.str("SESSION_MAX_CPU", default="8")
SESSION_MAX_MEMORY = env.str("SESSION_MAX_MEMORY", default="32Gi")

# --- Reconciler: tasks and beat ---------------------------------------------------------------
from ambient.settings.reconciler import *  # noqa: E402, F403 - the session Job's settings, one sub-domain

# A message held by a worker that died unacknowledged comes back after BROKER_VISIBILITY_TIMEOUT,
# found by a sweep every interval × throttle seconds (kombu's defaults: 10 × 10).
if REDIS_URL:
    CELERY_BROKER_TRANSPORT_OPTIONS.update(
        unacked_restore_interval=env.int("BROKER_UNACKED_RESTORE_INTERVAL", default=10),
        unacked_restore_throttle=env.int("BROKER_UNACKED_RESTORE_THROTTLE", default=10),
    )

# Exactly one beat process (`celery -A ambient beat`, never `worker -B`); each entry only enqueues keys.
CELERY_BEAT_SCHEDULE = {
    "refresh-runner-tokens": {
        "task": "reconciler.tasks.refresh_runner_tokens",
        "schedule": env.float("RECONCILER_TOKEN_REFRESH_INTERVAL", default=300.0),
    },
    "check-session-deadlines": {
        "task": "reconciler.tasks.check_session_deadlines",
        "schedule": env.float("RECONCILER_DEADLINE_CHECK_INTERVAL", default=30.0),
    },
    "stop-inactive-sessions": {
        "task": "sessions.tasks.stop_inactive_sessions",
        "schedule": SESSION_INACTIVITY_CHECK_INTERVAL,
    },
    "resync-all-sessions": {
        "task": "reconciler.tasks.resync_all_sessions",
        "schedule": env.float("RECONCILER_RESYNC_INTERVAL", default=600.0),
    },
}
