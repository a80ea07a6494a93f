"""The embedded fallback when ``REDIS_URL`` is empty: the same claims, leases and counters in a
SQLite file, shared by the watcher and worker processes of one machine.

Limits (why Redis is the production path): one machine only (SQLite locking is not reliable on
network filesystems); every operation takes the database write lock, so throughput is a few
thousand operations a second; expiry follows the wall clock, so a clock jump can expire or
prolong a claim or lease early or late. Correctness still holds because reconciles are idempotent.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from reconciler.queueing.stores import LeaseRelease

_SCHEMA = "CREATE TABLE IF NOT EXISTS entries (name TEXT PRIMARY KEY, value TEXT NOT NULL, expires_at REAL NOT NULL)"


class SqliteStore:
    def __init__(self, path: Path | str, *, busy_timeout: float = 5.0) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._busy_timeout = busy_timeout
        with self._transaction() as connection:
            connection.execute(_SCHEMA)

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        # A connection per operation: sqlite3 connections are not shared across threads, and
        # BEGIN IMMEDIATE takes the write lock up front so read-then-write is atomic across processes.
        connection = sqlite3.connect(self.path, timeout=self._busy_timeout, isolation_level=None)
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield connection
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")
        finally:
            connection.close()

    @staticmethod
    def _live_value(connection: sqlite3.Connection, name: str) -> str | None:
        row = connection.execute(
            "SELECT value FROM entries WHERE name = ? AND expires_at > ?", (name, time.time())
        ).fetchone()
        return None if row is None else str(row[0])

    @staticmethod
    def _put(connection: sqlite3.Connection, name: str, value: str, ttl_seconds: float) -> None:
        connection.execute(
            "INSERT OR REPLACE INTO entries (name, value, expires_at) VALUES (?, ?, ?)",
            (name, value, time.time() + ttl_seconds),
        )

    def claim(self, name: str, due: float, ttl_seconds: float, tolerance: float) -> bool:
        with self._transaction() as connection:
            current = self._live_value(connection, name)
            if current is not None and float(current) <= due + tolerance:
                return False
            self._put(connection, name, repr(due), ttl_seconds)
            return True

    def take_claim(self, name: str, earliest: float, latest: float) -> tuple[float | None, bool]:
        with self._transaction() as connection:
            current = self._live_value(connection, name)
            if current is None:
                return None, False
            due = float(current)
            if earliest <= due <= latest:
                connection.execute("DELETE FROM entries WHERE name = ?", (name,))
                return due, True
            return due, False

    def clear(self, name: str) -> None:
        with self._transaction() as connection:
            connection.execute("DELETE FROM entries WHERE name = ?", (name,))

    def lease(
        self, name: str, token: str, ttl_seconds: float, dirty_name: str, dirty_ttl_seconds: float
    ) -> SqliteLease:
        return SqliteLease(self, name, token, ttl_seconds, dirty_name, dirty_ttl_seconds)

    def increment(self, name: str, ttl_seconds: float) -> int:
        with self._transaction() as connection:
            current = self._live_value(connection, name)
            value = (int(current) if current is not None else 0) + 1
            self._put(connection, name, str(value), ttl_seconds)
            return value

    def read_counter(self, name: str) -> int:
        with self._transaction() as connection:
            current = self._live_value(connection, name)
            return int(current) if current is not None else 0


class SqliteLease:
    """The same contract as the Redis lease: each step is one write transaction."""

    def __init__(
        self, store: SqliteStore, name: str, token: str, ttl_seconds: float, dirty_name: str, dirty_ttl: float
    ) -> None:
        self._store = store
        self._name = name
        self._dirty_name = dirty_name
        self.token = token
        self._ttl = ttl_seconds
        self._dirty_ttl = dirty_ttl

    def acquire(self) -> bool:
        with self._store._transaction() as connection:
            if self._store._live_value(connection, self._name) is not None:
                self._store._put(connection, self._dirty_name, "1", self._dirty_ttl)
                return False
            self._store._put(connection, self._name, self.token, self._ttl)
            return True

    def renew(self) -> bool:
        with self._store._transaction() as connection:
            cursor = connection.execute(
                "UPDATE entries SET expires_at = ? WHERE name = ? AND value = ? AND expires_at > ?",
                (time.time() + self._ttl, self._name, self.token, time.time()),
            )
            return cursor.rowcount == 1

    def release(self) -> LeaseRelease:
        with self._store._transaction() as connection:
            cursor = connection.execute(
                "DELETE FROM entries WHERE name = ? AND value = ? AND expires_at > ?",
                (self._name, self.token, time.time()),
            )
            owned = cursor.rowcount == 1
            if self._store._live_value(connection, self._name) is not None:
                return LeaseRelease(owned=owned, dirty=False)
            dirty = self._store._live_value(connection, self._dirty_name) is not None
            connection.execute("DELETE FROM entries WHERE name = ?", (self._dirty_name,))
            return LeaseRelease(owned=owned, dirty=dirty)
