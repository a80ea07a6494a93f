"""The content-service sidecar: only the `workspaces` app, no database, token-authenticated.

Served by gunicorn (workspaces/gunicorn.conf.py), never Django's development server.
"""

from pathlib import Path

from ambient.contract import WORKSPACE_PATH
from ambient.logging import logging_config
from ambient.settings.env import env
from workspaces import constants

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
APPEND_SLASH = False

WORKSPACE_ROOT = Path(env.str("WORKSPACE_ROOT", default=WORKSPACE_PATH))
# The per-session bearer token, mounted from the session's Secret (the Job sets CONTENT_TOKEN_FILE);
# re-read on every request. With neither the file nor CONTENT_TOKEN every route but /healthz is 401.
CONTENT_TOKEN_FILE = env.str("CONTENT_TOKEN_FILE", default="")
CONTENT_TOKEN = env.str("CONTENT_TOKEN", default="")
# Limits: a written file, and a JSON request body.
CONTENT_MAX_FILE_BYTES = env.int("CONTENT_MAX_FILE_BYTES", default=constants.DEFAULT_MAX_FILE_BYTES)
CONTENT_MAX_JSON_BYTES = env.int("CONTENT_MAX_JSON_BYTES", default=constants.DEFAULT_MAX_JSON_BYTES)
DATA_UPLOAD_MAX_MEMORY_SIZE = CONTENT_MAX_JSON_BYTES

# git: commit identity, time bounds, which URLs, which CA, and a fallback remote token (the
# X-Git-Token header wins). file:// is for embedded mode and tests only.
GIT_USER_NAME = env.str("GIT_USER_NAME", default=constants.DEFAULT_GIT_USER_NAME)
GIT_USER_EMAIL = env.str("GIT_USER_EMAIL", default=constants.DEFAULT_GIT_USER_EMAIL)
GIT_TIMEOUT_SECONDS = env.float("GIT_TIMEOUT_SECONDS", default=constants.DEFAULT_GIT_TIMEOUT_SECONDS)
GIT_NETWORK_TIMEOUT_SECONDS = env.float(
    "GIT_NETWORK_TIMEOUT_SECONDS", default=constants.DEFAULT_GIT_NETWORK_TIMEOUT_SECONDS
)
GIT_CLONE_TIMEOUT_SECONDS = env.float("GIT_CLONE_TIMEOUT_SECONDS", default=constants.DEFAULT_GIT_CLONE_TIMEOUT_SECONDS)
AMBIENT_ALLOW_FILE_GIT_URLS = env.bool("AMBIENT_ALLOW_FILE_GIT_URLS", default=False)
GIT_SSL_CA_FILE = env.str("GIT_SSL_CA_FILE", default="")
CONTENT_GIT_TOKEN = env.str("GIT_TOKEN", default="")

REST_FRAMEWORK = {
    "EXCEPTION_HANDLER": "ambient.exceptions.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": ["workspaces.authentication.ContentTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "UNAUTHENTICATED_USER": None,
}

LOGGING = logging_config(
    level=env.str("LOG_LEVEL", default="INFO"), json_lines=env.str("LOG_FORMAT", default="json") == "json"
)
