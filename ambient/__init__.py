"""The Ambient project package: settings, URLs, ASGI/WSGI, the Celery app, shared infrastructure."""

from ambient.celery import app as celery_app

__all__ = ("celery_app",)
