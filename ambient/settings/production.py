"""Production: every secret and connection comes from the environment, with no defaults."""

from ambient.logging import logging_config
from ambient.settings.base import *  # noqa: F403
from ambient.settings.base import BROKER_VISIBILITY_TIMEOUT, env, redis_channel_layers

DEBUG = False
SECRET_KEY = env.str("DJANGO_SECRET_KEY")
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
REDIS_URL = env.str("REDIS_URL")
CELERY_BROKER_URL = REDIS_URL
# The first-sight queue before the default one, as in base.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": BROKER_VISIBILITY_TIMEOUT, "queue_order_strategy": "priority"}
CHANNEL_LAYERS = redis_channel_layers(REDIS_URL)
KUBE_IN_CLUSTER = env.bool("KUBE_IN_CLUSTER", default=True)
AMBIENT_ALLOW_FILE_GIT_URLS = False

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
# TLS terminates at the ingress; trust its header and keep cookies and redirects HTTPS-only.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
# Kubelet probes and Prometheus scrape over plain HTTP inside the cluster.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True

LOGGING = logging_config(
    level=env.str("LOG_LEVEL", default="INFO"), json_lines=env.str("LOG_FORMAT", default="json") == "json"
)
