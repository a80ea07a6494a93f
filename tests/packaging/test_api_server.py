"""The production API server command (`python -m ambient.asgi_server`) as a real process.

SIGTERM lets an in-flight request finish before the process exits, and the access log never
carries a token from a query string.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from ambient.asgi_server import lean_log_records, parse_arguments, uvicorn_logging
from localkube.testing import free_port
from tests.e2e.processes import wait_for

REPO_ROOT = Path(__file__).resolve().parents[2]
SECRET = "s3cr3t-token-value"


def start_server(port: int, *extra: str) -> subprocess.Popen[str]:
    environment = dict(os.environ, DJANGO_SETTINGS_MODULE="ambient.settings.test", LOG_FORMAT="text")
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ambient.asgi_server",
            "tests.packaging.slow_app:application",
            "--port",
            str(port),
            *extra,
        ],
        cwd=REPO_ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def answers(port: int) -> bool:
    try:
        return requests.get(f"http://127.0.0.1:{port}/", timeout=1).status_code == 200
    except requests.ConnectionError:
        return False


# Starts a real server and waits out a request across SIGTERM: for `make test`, not the fast lane.
@pytest.mark.slow
def test_sigterm_lets_the_in_flight_request_finish_and_the_log_masks_tokens():
    port = free_port()
    server = start_server(port)
    try:
        wait_for(lambda: answers(port), 30, "the API server to answer")
        outcome: dict[str, object] = {}

        def slow_request() -> None:
            response = requests.get(f"http://127.0.0.1:{port}/slow?token={SECRET}", timeout=30)
            outcome["status"], outcome["body"] = response.status_code, response.text

        caller = threading.Thread(target=slow_request)
        caller.start()
        time.sleep(0.5)  # the request is being served when the signal arrives
        server.send_signal(signal.SIGTERM)
        caller.join(timeout=30)
        output, _ = server.communicate(timeout=30)
    finally:
        if server.poll() is None:
            server.kill()
    assert outcome == {"status": 200, "body": "done"}
    # uvicorn re-raises the SIGTERM it handled once shutdown is done, as a process should.
    assert server.returncode in (0, -signal.SIGTERM)
    assert "/slow?token=[REDACTED]" in output
    assert SECRET not in output


def test_workers_default_to_the_setting_and_uvicorn_logs_through_the_application_handlers():
    assert parse_arguments(["-b", "127.0.0.2", "-p", "9000"]).workers is None
    config = uvicorn_logging({"version": 1, "handlers": {"console": {}}, "root": {"handlers": ["console"]}})
    assert config["loggers"]["uvicorn.access"] == {"level": "INFO", "handlers": [], "propagate": True}


def test_lean_log_records_still_render_the_formatted_line(monkeypatch):
    """The switches the server process sets: a record skips caller, thread and process lookups, and the
    line the application's formatter writes is the same."""
    for name in ("_srcfile", "logThreads", "logProcesses", "logMultiprocessing"):
        monkeypatch.setattr(logging, name, getattr(logging, name))  # put back after the test
    lean_log_records()
    record = logging.getLogger("uvicorn.access").makeRecord(
        "uvicorn.access", logging.INFO, "(unknown file)", 0, '%s - "%s %s" %d', ("1.2.3.4:5", "GET", "/a", 200), None
    )
    assert (record.thread, record.process, record.processName) == (None, None, None)
    assert logging.Formatter("%(levelname)s %(name)s %(message)s").format(record) == (
        'INFO uvicorn.access 1.2.3.4:5 - "GET /a" 200'
    )
