"""CPU seconds of a bench's processes, from /proc: on a machine shared with other work, what a
scenario cost in CPU compares between runs where its wall-clock time does not."""

from __future__ import annotations

import os
from pathlib import Path


def process_table() -> tuple[dict[int, int], dict[int, float]]:
    """Every process's parent and user + system CPU seconds, from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    seconds: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            # The command name (field 2) is in parentheses and may hold spaces: split after it.
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        parents[int(entry.name)] = int(fields[1])
        seconds[int(entry.name)] = (int(fields[11]) + int(fields[12])) / ticks
    return parents, seconds


def tree_cpu_seconds(pid: int, *, exclude: tuple[int, ...] = ()) -> float:
    """User + system CPU of a process and its live descendants (pods that exited and were reaped are
    not counted), leaving out the subtrees of `exclude`."""
    parents, seconds = process_table()
    total, frontier = 0.0, [pid]
    while frontier:
        current = frontier.pop()
        total += seconds.get(current, 0.0)
        frontier.extend(child for child, parent in parents.items() if parent == current and child not in exclude)
    return total


def children_by_command(parent: int, markers: dict[str, str]) -> dict[str, int]:
    """{name: pid} of `parent`'s children whose command line holds each marker (the first one found)."""
    found: dict[str, int] = {}
    parents, _ = process_table()
    for pid, ppid in parents.items():
        if ppid != parent:
            continue
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        for name, marker in markers.items():
            if marker in command and name not in found:
                found[name] = pid
    return found
