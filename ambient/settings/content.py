"""The content-service sidecar: only the `workspaces` app, no database, token-authenticated."""

from pathlib import Path

from ambient.logging import logging_config
from ambient.settings.env import env

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="content-service-has-no-sessions-or-cookies-0123456789abcdef")
DEBUG = False
ALLOWED_HOSTS = ["*"]  # reached by pod IP, service DNS name and the API server's proxy alike
INSTALLED_APPS = ["rest_framework", "workspaces"]
MIDDLEWARE = ["ambient.logging.RequestIdMiddleware", "django.middleware.common.CommonMiddleware"]
ROOT_URLCONF = "workspaces.urls"
WSGI_APPLICATION = "workspaces.wsgi.application"
DATABASES: dict = {}
USE_TZ = True
TIME_ZONE = "UTC"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

WORKSPACE_ROOT = Path(env.str("WORKSPACE_ROOT", default="/workspace"))
# The per-session bearer token, mounted from the session's Secret; re-read on every request.
CONTENT_TOKEN_FILE = env.str("CONTENT_TOKEN_FILE", default="/var/run/secrets/ambient/content-token")
CONTENT_TOKEN = env.str("CONTENT_TOKEN", default="")

REST_FRAMEWORK = {
    "EXCEPTION_HANDLER": "ambient.exceptions.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
    "UNAUTHENTICATED_USER": None,
}

LOGGING = logging_config(
    level=env.str("LOG_LEVEL", default="INFO"), json_lines=env.str("LOG_FORMAT", default="json") == "json"
)
