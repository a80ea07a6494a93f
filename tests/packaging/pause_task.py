"""A task for the worker shutdown test: marks its start, pauses, marks its end (paths from the args)."""

from __future__ import annotations

import time
from pathlib import Path

from celery import shared_task

PAUSE_TASK = "tests.packaging.pause"


@shared_task(name=PAUSE_TASK)
def pause(started: str, finished: str, seconds: float) -> None:
    Path(started).touch()
    time.sleep(seconds)
    Path(finished).touch()
