"""The SDK restart handshake: the content service raises a counter, the runner acknowledges it.

`.ambient/sdk-restart-requested` holds the request counter (JSON with `count`, as the content
service writes it, or a bare number);
once the agent has been rebuilt on the new layout the runner writes the same number to
`.ambient/sdk-restart-acknowledged`. A counter, not a bare flag, so two quick requests are never
mistaken for one already handled, and a new pod knows which requests the old one served.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

REQUESTED_FILE = "sdk-restart-requested"
ACKNOWLEDGED_FILE = "sdk-restart-acknowledged"


def _counter(path: Path) -> int:
    try:
        raw = path.read_text().strip()
    except OSError:
        return 0
    try:
        value = json.loads(raw) if raw else 0
    except ValueError:
        return 0
    if isinstance(value, dict):
        value = value.get("count", 0)
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def requested(control: Path) -> int:
    return _counter(control / REQUESTED_FILE)


def acknowledged(control: Path) -> int:
    return _counter(control / ACKNOWLEDGED_FILE)


def pending(control: Path) -> int:
    """The requested counter when it is ahead of the acknowledged one, else 0."""
    wanted = requested(control)
    return wanted if wanted > acknowledged(control) else 0


def acknowledge(control: Path, counter: int) -> None:
    control.mkdir(parents=True, exist_ok=True)
    # Write-then-rename: the content service may read the file at any moment.
    temporary = control / f".{ACKNOWLEDGED_FILE}.tmp"
    temporary.write_text(f"{counter}\n")
    os.replace(temporary, control / ACKNOWLEDGED_FILE)
