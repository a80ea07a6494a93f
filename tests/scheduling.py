"""Run order for the parallel suite: the long test files first.

`make test` hands whole files to its xdist workers in collection order (`--dist loadfile
--no-loadscope-reorder`). The e2e and slow files take 5-50 s each, the others a second or two: started
last, one long file keeps a worker busy while the other has nothing left; started first, the many
short files fill the gaps at the end. The e2e files (each drives real processes) go before the other
slow ones, then the unmarked files known to be long (LONG_FILES), and those before the rest; within
each group, files with more tests first (a rough stand-in for their length, and what xdist's own
reordering does). The order of tests inside a file is unchanged.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

# Earlier in this tuple, earlier in the run; files with none of these marks run last.
LONG_MARKERS = ("e2e", "slow")
# Unmarked files that take 5-15 s each because they wait on processes they start (content services,
# gunicorn, kubectl, git, fresh interpreters), with few tests each: counted by tests they would start
# last and leave one worker running alone at the end of `make test-fast`. They go after the marked
# files and before the rest (measured 2026-12-01, longest first).
LONG_FILES = (
    "tests/content/test_content_sync.py",
    "workspaces/tests/test_git_routes.py",
    "tests/test_settings.py",
    "tests/content/test_upload_limit.py",
    "runner/tests/test_echo_chat.py",
    "localkube/tests/test_fidelity_kubectl_create.py",
    "tests/content/test_git_through_api.py",
    "localkube/tests/test_kubectl.py",
    "tests/content/test_github_push.py",
    "localkube/tests/test_persistence.py",
    "workspaces/tests/test_server.py",
    "tests/security/test_embedded_state.py",
)
_UNMARKED = len(LONG_MARKERS) + len(LONG_FILES)


def _rank(item: pytest.Item) -> int:
    for rank, name in enumerate(LONG_MARKERS):
        if item.get_closest_marker(name) is not None:
            return rank
    relative = item.path.relative_to(item.config.rootpath).as_posix()
    if relative in LONG_FILES:
        return len(LONG_MARKERS) + LONG_FILES.index(relative)
    return _UNMARKED


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # trylast: after the conftests that mark their directories e2e or slow.
    # A file's rank is that of its longest test.
    rank: dict[Path, int] = {}
    for item in items:
        rank[item.path] = min(rank.get(item.path, _UNMARKED), _rank(item))
    tests_per_file = Counter(item.path for item in items)
    first_seen: dict[Path, int] = {}
    for item in items:
        first_seen.setdefault(item.path, len(first_seen))

    def key(item: pytest.Item) -> tuple[int, int, int]:
        return (rank[item.path], -tests_per_file[item.path], first_seen[item.path])

    items.sort(key=key)  # stable: tests keep their order inside a file
