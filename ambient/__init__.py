"""The Ambient project package: settings, URLs, ASGI/WSGI, the Celery app, shared infrastructure.

Importing it loads nothing: the runner image imports `ambient.contract` without Django or Celery.
Django processes load the Celery app in `AmbientConfig.ready()`; `celery -A ambient` finds
`ambient.celery` by itself.
"""
