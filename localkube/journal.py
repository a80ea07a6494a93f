"""Crash-safe persistence: an fsynced append-only journal plus an atomically renamed snapshot.

Each journal record is one JSON line; a final record without its newline (a torn write) is
ignored and cut off on load. Compaction writes ``snapshot.json.tmp``, fsyncs, renames it over
``snapshot.json`` and only then empties the journal, so a crash at any point loses nothing that
was acknowledged.

The store holds every Secret, so its directory is owner-only (0700) and its files 0600 whatever
the process umask.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

logger = logging.getLogger(__name__)

SNAPSHOT = "snapshot.json"
JOURNAL = "journal.jsonl"
DIRECTORY_MODE = 0o700
FILE_MODE = 0o600


def _open_private(path: Path, flags: int) -> BinaryIO:
    descriptor = os.open(path, flags | os.O_CREAT, FILE_MODE)
    os.fchmod(descriptor, FILE_MODE)  # also tightens a file an older version left world-readable
    return os.fdopen(descriptor, "ab" if flags & os.O_APPEND else "wb")


class Journal:
    def __init__(self, directory: Path, compact_every: int = 5000, fsync: bool = True) -> None:
        self.directory = directory
        self.compact_every = compact_every
        self.fsync = fsync
        directory.mkdir(mode=DIRECTORY_MODE, parents=True, exist_ok=True)
        directory.chmod(DIRECTORY_MODE)
        for name in (SNAPSHOT, JOURNAL):
            if (directory / name).is_file():
                (directory / name).chmod(FILE_MODE)
        self._records_since_snapshot = 0
        self._file: BinaryIO | None = None

    def load(self) -> tuple[int, list[dict[str, Any]], list[dict[str, Any]]]:
        """Returns (snapshot resourceVersion, snapshot entries, journal records after it)."""
        snapshot_rv = 0
        entries: list[dict[str, Any]] = []
        snapshot_path = self.directory / SNAPSHOT
        if snapshot_path.exists():
            data = json.loads(snapshot_path.read_text())
            snapshot_rv = int(data["resourceVersion"])
            entries = data["entries"]
        records = [record for record in self._read_journal() if record["rv"] > snapshot_rv]
        self._records_since_snapshot = len(records)
        return snapshot_rv, entries, records

    def _read_journal(self) -> Iterator[dict[str, Any]]:
        path = self.directory / JOURNAL
        if not path.exists():
            return
        raw = path.read_bytes()
        good_length = 0
        offset = 0
        while offset < len(raw):
            end = raw.find(b"\n", offset)
            if end < 0:
                break  # torn final record: no newline was written
            try:
                record = json.loads(raw[offset:end])
            except ValueError:
                break
            good_length = end + 1
            offset = end + 1
            yield record
        if good_length < len(raw):
            logger.warning("localkube journal: ignoring %d torn trailing bytes", len(raw) - good_length)
            with path.open("r+b") as handle:
                handle.truncate(good_length)
                os.fsync(handle.fileno())

    def append(self, record: dict[str, Any]) -> None:
        if self._file is None:
            self._file = _open_private(self.directory / JOURNAL, os.O_WRONLY | os.O_APPEND)
        self._file.write(json.dumps(record, separators=(",", ":")).encode() + b"\n")
        self._file.flush()
        if self.fsync:
            os.fsync(self._file.fileno())
        self._records_since_snapshot += 1

    def needs_compaction(self) -> bool:
        return self._records_since_snapshot >= self.compact_every

    def compact(self, resource_version: int, entries: list[dict[str, Any]]) -> None:
        temporary = self.directory / (SNAPSHOT + ".tmp")
        with _open_private(temporary, os.O_WRONLY | os.O_TRUNC) as handle:
            handle.write(json.dumps({"resourceVersion": resource_version, "entries": entries}).encode())
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.directory / SNAPSHOT)
        self._fsync_directory()
        if self._file is not None:
            self._file.close()
            self._file = None
        # Records up to resource_version are in the snapshot; load() skips any that survive here.
        with _open_private(self.directory / JOURNAL, os.O_WRONLY | os.O_TRUNC) as handle:
            os.fsync(handle.fileno())
        self._records_since_snapshot = 0

    def _fsync_directory(self) -> None:
        descriptor = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
