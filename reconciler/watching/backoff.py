"""Reconnect backoff for watch streams: 0.8 s doubling to 30 s, jittered, reset by a healthy stream."""

from __future__ import annotations

import random
import time
from collections.abc import Callable


class ReconnectBackoff:
    def __init__(
        self,
        *,
        initial: float = 0.8,
        maximum: float = 30.0,
        reset_after: float = 120.0,
        jitter: Callable[[], float] = random.random,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.initial = initial
        self.maximum = maximum
        self.reset_after = reset_after
        self._jitter = jitter
        self._clock = clock
        self._next = initial
        self._healthy_since: float | None = None

    def connected(self) -> None:
        """A stream is open and delivering; if streams stay so for ``reset_after``, start over.

        A stream the server ended on its own timeout is no failure: the healthy period started by
        an earlier stream goes on, so only a failure (``next_delay``) restarts the count."""
        if self._healthy_since is None:
            self._healthy_since = self._clock()

    def disconnected(self) -> None:
        self._healthy_since = None

    def next_delay(self) -> float:
        """The wait before the next attempt: a value in [¾·d, d], d doubling up to the maximum.

        Jitter spreads many watchers reconnecting after one API server restart."""
        if self._healthy_since is not None and self._clock() - self._healthy_since >= self.reset_after:
            self._next = self.initial
        self._healthy_since = None
        delay = self._next
        self._next = min(self.maximum, self._next * 2)
        return delay * (0.75 + 0.25 * self._jitter())
