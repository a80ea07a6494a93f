"""The Celery app: the worker is the reconciler, beat its clock. JSON only, at-least-once delivery.

Broker URL, transport options and time limits come from the CELERY_* Django settings
(settings.base), so nothing here touches settings at import time.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ambient.settings.local")
# A worker serves no URL: Django's system checks at its start would import the API's whole URLconf
# (every view and serializer), a fifth of a worker's start-up. `manage.py check` and the api run them.
os.environ.setdefault("CELERY_SKIP_CHECKS", "1")

app = Celery("ambient")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.update(
    broker_connection_retry_on_startup=True,
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    task_ignore_result=True,
    # Acknowledge after the task ran: a worker killed mid-reconcile gets its task redelivered.
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    worker_hijack_root_logger=False,
    timezone="UTC",
    enable_utc=True,
)
app.autodiscover_tasks()
