"""What the queue tests share besides fixtures."""

from __future__ import annotations

import threading


class RecordingSender:
    """Counts sends; a plain function parameter, the queue's only collaborator besides the store."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, float]] = []
        self._lock = threading.Lock()

    def __call__(self, namespace: str, name: str, countdown: float) -> None:
        with self._lock:
            self.sent.append((namespace, name, countdown))
