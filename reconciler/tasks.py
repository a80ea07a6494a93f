"""Celery tasks: thin wrappers that take keys, call a service and hand the outcome to the queue.

`reconcile_session` is sent by name (`reconciler.tasks.reconcile_session`, args
`[namespace, name]`) by the watcher and the periodic tasks; the periodic tasks only enqueue keys.
The same task serves both queues (first sight and the default); the queue only decides how soon a
worker takes it.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime

from celery import Task, shared_task
from celery.signals import worker_ready
from django.conf import settings
from prometheus_client import start_http_server

from ambient.kube import control_plane_gateway
from reconciler import metrics, queueing
from reconciler.queueing.depth import first_sight_backlog
from reconciler.services import (
    reconciler_config_from_settings,
    session_keys_all,
    session_keys_past_deadline,
    session_keys_token_stale,
    session_reconcile,
)

logger = logging.getLogger(__name__)


@shared_task(bind=True, name=queueing.RECONCILE_TASK_NAME, acks_late=True, ignore_result=True)
def reconcile_session(self: Task, namespace: str, name: str) -> str:
    key = queueing.session_key(namespace, name)
    # First: an event from here on queues exactly one more run, so no change is missed.
    start = queueing.task_start(key, _eta(self.request.eta))
    if not start.run:
        return "superseded"
    # The claim held the task's due time (for a plain enqueue, when it was sent): the broker wait.
    queue_wait = max(time.time() - start.queued_at, 0.0) if start.queued_at is not None else None
    redelivered = bool((self.request.delivery_info or {}).get("redelivered"))
    if queueing.redelivery_capped(key, redelivered=redelivered):
        # Its worker died on each of the last deliveries: wait out the longest backoff.
        metrics.RECONCILE_ERRORS.labels(kind="redelivery_cap").inc()
        logger.error("reconcile of %s was redelivered too often; retrying after the longest backoff", key)
        queueing.requeue(key, settings.RECONCILE_BACKOFF_CAP, reason="redelivery_cap")
        return "redelivery_cap"
    with queueing.session_lease(key) as lease:
        if not lease:
            # Marked dirty by the failed acquire: the holder runs the key again when it finishes.
            queueing.requeue_lease_busy(key)
            return "busy"
        started = time.monotonic()
        try:
            outcome = session_reconcile(
                namespace, name, lease_lost=lambda: lease.lost, others_await_first_sight=_others_await_first_sight
            )
        except Exception:
            metrics.RECONCILE_ERRORS.labels(kind="transient").inc()
            logger.exception("reconcile of %s failed; backing off", key)
            queueing.requeue(key, queueing.backoff_next(key), reason="backoff")
            return "error"
        finally:
            metrics.RECONCILE_DURATION.observe(time.monotonic() - started)
        _observe_stages(outcome.stages, queue_wait, result="write" if outcome.wrote else "noop")
        if outcome.failed:
            metrics.RECONCILE_ERRORS.labels(kind="action").inc()
            queueing.requeue(key, queueing.backoff_next(key), reason="backoff")
            return outcome.reason
        queueing.backoff_reset(key)
        if redelivered:
            queueing.redelivery_reset(key)
        if outcome.requeue_after is not None:
            queueing.requeue(key, outcome.requeue_after, reason=outcome.reason or "requested")
        return outcome.reason


def _others_await_first_sight() -> bool:
    """Other new sessions' first sights wait on their queue (not yet taken by a worker thread)."""
    return first_sight_backlog() > 0


def _eta(value: object) -> float | None:
    """Celery's request.eta (ISO 8601 text, a datetime, or None) as epoch seconds."""
    if value is None:
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment.timestamp()


def _observe_stages(stages: dict[str, float], queue_wait: float | None, *, result: str) -> None:
    if queue_wait is not None:
        metrics.RECONCILE_STAGE.labels(stage="queue_wait", result=result).observe(queue_wait)
    for stage, seconds in stages.items():
        metrics.RECONCILE_STAGE.labels(stage=stage, result=result).observe(seconds)


def _enqueue_all(keys: list[str]) -> int:
    sent = 0
    for key in keys:
        sent += int(queueing.enqueue(key))
    return sent


@shared_task(name="reconciler.tasks.refresh_runner_tokens", ignore_result=True)
def refresh_runner_tokens() -> int:
    """Enqueue Running sessions whose token is due; their reconcile does the TokenRequest."""
    config = reconciler_config_from_settings()
    return _enqueue_all(session_keys_token_stale(control_plane_gateway(), config, datetime.now(UTC)))


@shared_task(name="reconciler.tasks.check_session_deadlines", ignore_result=True)
def check_session_deadlines() -> int:
    config = reconciler_config_from_settings()
    return _enqueue_all(session_keys_past_deadline(control_plane_gateway(), config, datetime.now(UTC)))


@shared_task(name="reconciler.tasks.resync_all_sessions", ignore_result=True)
def resync_all_sessions() -> int:
    """A lost event can never strand a session for longer than one resync period."""
    return _enqueue_all(session_keys_all(control_plane_gateway()))


@worker_ready.connect
def _serve_worker_metrics(**_kwargs: object) -> None:
    """/metrics of the worker (reconcile duration/errors/requeues) when a port is configured.

    Served from the main process: use the threads pool (or solo) so the tasks' counters live there.
    """
    port = int(settings.RECONCILER_WORKER_METRICS_PORT)
    if port > 0:
        start_http_server(port, addr=settings.RECONCILER_WORKER_METRICS_ADDR)
        logger.info("worker metrics on %s:%d/metrics", settings.RECONCILER_WORKER_METRICS_ADDR, port)
