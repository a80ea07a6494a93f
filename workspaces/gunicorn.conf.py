"""gunicorn for the content-service sidecar: one process, a few threads (one session's traffic).

Threads, not processes: requests mostly wait on git subprocesses and disk, and per-directory
locks (workspaces/locks.py) keep concurrent git calls on one repository in order. The worker
timeout outlasts the longest git call (a clone) so git's own timeout answers first (504).
"""

import os
import sys

# The service renders JSON only and has no database, yet DRF's compat module imports postgres
# fields (psycopg), requests, markdown and pygments whenever they are installed: a third of the
# worker's start-up CPU (0.73 -> 0.46 s), paid by every session pod. Marked absent here (the
# arbiter reads this file before it forks the worker), DRF takes its "not installed" branches;
# nothing the service runs imports them.
for _optional in ("psycopg", "psycopg2", "requests", "markdown", "pygments"):
    # None in sys.modules is the import system's documented "not importable" mark; typeshed
    # types the mapping's values as modules only.
    sys.modules.setdefault(_optional, None)  # type: ignore[arg-type]

wsgi_app = "workspaces.wsgi:application"
bind = os.environ.get("CONTENT_BIND", "0.0.0.0:8080")  # the Service targets the pod IP
worker_class = "gthread"
workers = int(os.environ.get("CONTENT_WORKERS", "1"))
threads = int(os.environ.get("CONTENT_THREADS", "8"))
timeout = int(float(os.environ.get("GIT_CLONE_TIMEOUT_SECONDS", "290"))) + 30
graceful_timeout = 10
keepalive = 5
accesslog = "-"
errorlog = "-"
# No headers in the access log: Authorization and X-Git-Token never reach a log line.
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
