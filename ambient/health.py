"""Liveness, readiness and Prometheus metrics endpoints (no authentication: probes and scrapers)."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET
from kombu import Connection
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from ambient import kube

# Each readiness check is bounded so a dead dependency answers "down" instead of hanging the probe.
CHECK_TIMEOUT_SECONDS = 3


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def check_broker() -> None:
    with Connection(
        settings.CELERY_BROKER_URL,
        transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS,
        connect_timeout=CHECK_TIMEOUT_SECONDS,
    ) as broker:
        broker.ensure_connection(max_retries=1, timeout=CHECK_TIMEOUT_SECONDS)


def check_kubernetes() -> None:
    kube.control_plane_gateway().request("GET", "/version", timeout=CHECK_TIMEOUT_SECONDS)


READINESS_CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "broker": check_broker,
    "kubernetes": check_kubernetes,
}


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: the process serves requests. Checks nothing else, so a dependency outage never
    gets the pod restarted."""
    return JsonResponse({"status": "ok"})


@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: database, broker and Kubernetes API each reported separately; 503 if one is down."""
    checks: dict[str, dict[str, object]] = {}
    for name, check in READINESS_CHECKS.items():
        started = time.monotonic()
        try:
            check()
        except Exception as exc:  # noqa: BLE001 - any failure means "not ready", reported by type
            checks[name] = {"ok": False, "error": f"{type(exc).__name__}: {str(exc)[:200]}"}
        else:
            checks[name] = {"ok": True}
        checks[name]["seconds"] = round(time.monotonic() - started, 4)
    ready = all(result["ok"] for result in checks.values())
    return JsonResponse({"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503)


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus text exposition of this process's registry."""
    return HttpResponse(generate_latest(), content_type=CONTENT_TYPE_LATEST)
