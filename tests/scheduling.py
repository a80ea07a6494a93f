"""Run order for the parallel suite: the long test files first.

`make test` hands whole files to its xdist workers in collection order (`--dist loadfile
--no-loadscope-reorder`). The e2e and slow files take 5-50 s each, the others a second or two: started
last, one long file keeps a worker busy while the other has nothing left; started first, the many
short files fill the gaps at the end. The e2e files (each drives real processes) go before the other
slow ones, and those before the rest; within each group, files with more tests first (a rough
stand-in for their length, and what xdist's own reordering does). The order of tests inside a file
is unchanged.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

# Earlier in this tuple, earlier in the run; files with none of these marks run last.
LONG_MARKERS = ("e2e", "slow")


def _rank(item: pytest.Item) -> int:
    for rank, name in enumerate(LONG_MARKERS):
        if item.get_closest_marker(name) is not None:
            return rank
    return len(LONG_MARKERS)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # trylast: after the conftests that mark their directories e2e or slow.
    # A file's rank is that of its longest test.
    rank: dict[Path, int] = {}
    for item in items:
        rank[item.path] = min(rank.get(item.path, len(LONG_MARKERS)), _rank(item))
    tests_per_file = Counter(item.path for item in items)
    first_seen: dict[Path, int] = {}
    for item in items:
        first_seen.setdefault(item.path, len(first_seen))

    def key(item: pytest.Item) -> tuple[int, int, int]:
        return (rank[item.path], -tests_per_file[item.path], first_seen[item.path])

    items.sort(key=key)  # stable: tests keep their order inside a file
