"""gunicorn for the content-service sidecar: one process, a few threads (one session's traffic).

Threads, not processes: requests mostly wait on git subprocesses and disk, and per-directory
locks (workspaces/locks.py) keep concurrent git calls on one repository in order. The worker
timeout outlasts the longest git call (a clone) so git's own timeout answers first (504).
"""

import os

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
