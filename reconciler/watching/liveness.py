"""How long since the watcher last heard from the API server (or, while standby, checked the Lease)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from reconciler import metrics


class Liveness:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._last = clock()
        metrics.WATCHER_LAST_EVENT_AGE.set_function(self.age)

    def touch(self) -> None:
        with self._lock:
            self._last = self._clock()

    def age(self) -> float:
        with self._lock:
            return max(0.0, self._clock() - self._last)

    def alive(self, max_age: float) -> bool:
        return self.age() <= max_age
