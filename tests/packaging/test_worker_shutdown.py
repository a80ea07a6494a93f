"""The worker command from the README, as a real process on Redis: SIGTERM during a task.

Celery's warm shutdown lets the running task finish and acknowledges it (acks are late, so a
worker that died instead would leave it for redelivery); nothing is left on the queue.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import redis
from celery import Celery

from tests.e2e.processes import wait_for
from tests.packaging.pause_task import PAUSE_TASK

REPO_ROOT = Path(__file__).resolve().parents[2]
BROKER = os.environ.get("PACKAGING_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")


def redis_answers() -> bool:
    try:
        return bool(redis.Redis.from_url(BROKER, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.mark.slow
@pytest.mark.skipif(not redis_answers(), reason="needs the machine's Redis (started by .ci/run)")
def test_sigterm_finishes_the_running_task_and_acknowledges_it(tmp_path):
    queue = f"packaging-{uuid.uuid4().hex[:8]}"
    started, finished = tmp_path / "started", tmp_path / "finished"
    environment = dict(os.environ, DJANGO_SETTINGS_MODULE="ambient.settings.test", REDIS_URL=BROKER)
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
    sender = Celery("sender", broker=BROKER)
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
    broker = redis.Redis.from_url(BROKER)
    assert broker.llen(queue) == 0
    assert broker.hlen("unacked") == 0 or all(queue not in str(value) for value in broker.hvals("unacked"))
