"""Prometheus metrics of the watcher, the queue and the reconcile task: what an operator needs to
see that the control loop is healthy.

All live in the default registry, so each process exposes its own: the watcher on
``--metrics-port``, the api on ``/metrics``. The reconcile_* series are defined here and
incremented by the task layer.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

# --- Queue ---------------------------------------------------------------------------------------
QUEUE_DEPTH = Gauge(
    "ambient_reconcile_queue_depth",
    "Reconcile messages waiting in the broker queue (Redis LLEN; countdown tasks held by workers are not counted).",
)
ENQUEUES = Counter(
    "ambient_reconcile_enqueues_total",
    "Enqueue requests by result: sent (a task was sent) or coalesced (one was already queued).",
    ["result"],
)
REQUEUES = Counter(
    "ambient_reconcile_requeues_total",
    "Requeues asked for by the task, by reason (dirty, lease_busy, backoff, requested, ...).",
    ["reason"],
)

# --- Reconcile task (incremented by reconciler.tasks) -------------------------------------------
RECONCILE_DURATION = Histogram(
    "ambient_reconcile_duration_seconds",
    "Wall time of one reconcile of one session.",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300),
)
# Where a pass's time goes, for the bench's breakdown: queue_wait (enqueued → task started, from
# the coalescing claim's due time), read (observe), decide (pure core), write (actions + status).
# ``result`` is "write" for a pass that wrote something, "noop" for a converged pass.
RECONCILE_STAGE = Histogram(
    "ambient_reconcile_stage_seconds",
    "Time one reconcile spent in each stage (queue_wait, read, decide, write), by result (write, noop).",
    ["stage", "result"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
RECONCILE_ERRORS = Counter(
    "ambient_reconcile_errors_total",
    "Reconciles that failed, by kind (transient: the pass raised; action: a write the pass attempted failed;"
    " redelivery_cap: its worker died on each recent delivery). Each is retried after a backoff.",
    ["kind"],
)

# --- Watcher -------------------------------------------------------------------------------------
WATCH_EVENTS = Counter(
    "ambient_watch_events_total",
    "Watch events received, by resource and event type (ADDED, MODIFIED, DELETED, BOOKMARK, ERROR).",
    ["resource", "type"],
)
WATCH_ENQUEUE = Histogram(
    "ambient_watch_enqueue_seconds",
    "Time from a watch event's arrival to its session key being enqueued (claim and send).",
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5),
)
WATCH_RESTARTS = Counter(
    "ambient_watch_restarts_total",
    "Watch streams re-opened after a timeout, a disconnect or an error, by resource.",
    ["resource"],
)
WATCH_RELISTS = Counter(
    "ambient_watch_relists_total",
    "Full relists forced by 410 Gone (the resourceVersion fell out of the server's history), by resource.",
    ["resource"],
)
WATCHER_LAST_EVENT_AGE = Gauge(
    "ambient_watcher_last_event_age_seconds",
    "Seconds since the watcher last heard from the API server (event, bookmark, list or stream start); "
    "while standby, since its last Lease check.",
)
WATCHER_LEADER = Gauge(
    "ambient_watcher_leader",
    "1 while this watcher holds the watcher Lease and watches, 0 while standby.",
)
