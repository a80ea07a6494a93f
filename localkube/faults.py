"""Test instruments: a deterministic, seeded fault switch and a bounded request log."""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from dataclasses import asdict, dataclass, field
from itertools import islice
from typing import Any

WRITE_VERBS = frozenset({"create", "update", "patch", "delete", "deletecollection"})


@dataclass
class FaultConfig:
    seed: int = 0
    write_error_rate: float = 0.0  # fraction of writes answered with an error instead of applied
    write_error_codes: list[int] = field(default_factory=lambda: [409, 500])
    latency_ms: float = 0.0  # added to every API request
    watch_drop_rate: float = 0.0  # chance, per delivered watch event, that the stream is cut after it
    watch_expire_rate: float = 0.0  # chance that a watch with a resourceVersion is answered 410 Expired


class FaultSwitch:
    """Same seed + same request sequence → same faults, so a flaky-looking test is reproducible."""

    def __init__(self, config: FaultConfig | None = None) -> None:
        self._lock = threading.Lock()
        self.configure(**asdict(config or FaultConfig()))

    def configure(self, **settings: Any) -> FaultConfig:
        with self._lock:
            unknown = set(settings) - set(FaultConfig.__dataclass_fields__)
            if unknown:
                raise ValueError(f"unknown fault settings: {sorted(unknown)}")
            base = asdict(getattr(self, "config", FaultConfig()))
            base.update(settings)
            base["write_error_codes"] = [int(code) for code in base["write_error_codes"]] or [500]
            self.config = FaultConfig(**base)
            self._random = random.Random(self.config.seed)  # noqa: S311 - test fault injection, not crypto
            return self.config

    def reset(self) -> FaultConfig:
        with self._lock:
            self.config = FaultConfig()
            self._random = random.Random(0)  # noqa: S311
            return self.config

    @property
    def active(self) -> bool:
        config = self.config
        return bool(config.write_error_rate or config.latency_ms or config.watch_drop_rate or config.watch_expire_rate)

    def write_error(self) -> int | None:
        with self._lock:
            if self.config.write_error_rate and self._random.random() < self.config.write_error_rate:
                return self._random.choice(self.config.write_error_codes)
        return None

    def latency_seconds(self) -> float:
        return self.config.latency_ms / 1000.0

    def drop_watch(self) -> bool:
        with self._lock:
            return bool(self.config.watch_drop_rate) and self._random.random() < self.config.watch_drop_rate

    def expire_watch(self) -> bool:
        with self._lock:
            return bool(self.config.watch_expire_rate) and self._random.random() < self.config.watch_expire_rate


@dataclass(frozen=True)
class RequestRecord:
    sequence: int
    time: float
    method: str
    path: str
    user: str
    verb: str
    code: int

    @property
    def is_write(self) -> bool:
        return self.verb in WRITE_VERBS


class RequestLog:
    """The last ``size`` requests; ``mark()`` then ``writes_since(mark)`` counts write calls."""

    def __init__(self, size: int = 10000) -> None:
        self._records: deque[RequestRecord] = deque(maxlen=size)
        self._sequence = 0
        self._writes = 0
        self._lock = threading.Lock()

    def add(self, method: str, path: str, user: str, verb: str, code: int) -> None:
        with self._lock:
            self._sequence += 1
            record = RequestRecord(self._sequence, time.time(), method, path, user, verb, code)
            self._records.append(record)
            if record.is_write:
                self._writes += 1

    def mark(self) -> int:
        """A position in the log; pass it to ``writes_since`` / ``records_since``."""
        with self._lock:
            return self._sequence

    def records_since(self, mark: int = 0) -> list[RequestRecord]:
        with self._lock:
            # Sequences are consecutive, so the records after ``mark`` are the log's last ones: take
            # them from the end instead of scanning a log that can hold hundreds of thousands.
            count = min(max(self._sequence - mark, 0), len(self._records))
            newest_first = list(islice(reversed(self._records), count))
        newest_first.reverse()
        return newest_first

    def writes_since(self, mark: int = 0, user: str | None = None) -> int:
        return sum(1 for r in self.records_since(mark) if r.is_write and (user is None or r.user == user))

    @property
    def total_writes(self) -> int:
        return self._writes

    def as_json(self, mark: int = 0) -> list[dict[str, Any]]:
        # The fields by hand: dataclasses.asdict deep-copies each value, a cost per record for nothing.
        return [
            {
                "sequence": record.sequence,
                "time": record.time,
                "method": record.method,
                "path": record.path,
                "user": record.user,
                "verb": record.verb,
                "code": record.code,
            }
            for record in self.records_since(mark)
        ]
