"""The worker command from the README, as a real process on a private Redis: SIGTERM during a task.

Celery's warm shutdown lets the running task finish and acknowledges it (acks are late, so a
worker that died instead would leave it for redelivery); nothing is left on the queue.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from celery import Celery

from tests.e2e.processes import RedisServer, wait_for
from tests.packaging.pause_task import PAUSE_TASK

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def broker_url(tmp_path: Path) -> Iterator[str]:
    """A redis-server of the test's own (as the e2e stacks start one): nothing to skip without the
    machine's Redis, and nothing left in a shared database."""
    server = RedisServer(tmp_path).start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.mark.slow
def test_sigterm_finishes_the_running_task_and_acknowledges_it(tmp_path, broker_url):
    queue = f"packaging-{uuid.uuid4().hex[:8]}"
    started, finished = tmp_path / "started", tmp_path / "finished"
    environment = dict(os.environ, DJANGO_SETTINGS_MODULE="ambient.settings.test", REDIS_URL=broker_url)
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "ambient", "worker", "--loglevel", "INFO", "--pool", "threads"]
        + [
            "--concurrency",
            "2",
            "--without-gossip",
            "--without-mingle",
            "-Q",
            queue,
            "-I",
            "tests.packaging.pause_task",
        ],
        cwd=REPO_ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    sender = Celery("sender", broker=broker_url)
    try:
        sender.send_task(PAUSE_TASK, args=[str(started), str(finished), 2.0], queue=queue)
        wait_for(started.exists, 60, "the worker to start the task")
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=60)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.communicate(timeout=30)
        sender.close()
    assert finished.exists(), output
    assert worker.returncode == 0, output
    broker = redis.Redis.from_url(broker_url)
    assert broker.llen(queue) == 0
    assert broker.hlen("unacked") == 0 or all(queue not in str(value) for value in broker.hvals("unacked"))
