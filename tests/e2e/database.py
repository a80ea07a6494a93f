"""The stacks' SQLite database: migrated once per test run, copied for each stack.

Every stack (one per xdist worker, and tests/e2e/test_localkube_restart.py's own) needs a migrated
database, and `manage.py migrate` on an empty file costs ~2.5 s of CPU. The first stack of a run
migrates a template under a file lock; the others wait for it and copy the file.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from reconciler.embedded_images import REPO_ROOT

TEMPLATE_NAME = "e2e-migrated.sqlite3"


def run_directory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory shared by this run's xdist workers, and by no other run."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def migrated_database(tmp_path_factory: pytest.TempPathFactory, env: dict[str, str], target: Path) -> None:
    """`target` becomes a migrated database; `env` is the stack's (settings, PYTHONPATH)."""
    template = run_directory(tmp_path_factory) / TEMPLATE_NAME
    with template.with_suffix(".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not template.exists():
            partial = template.with_suffix(".partial")
            partial.unlink(missing_ok=True)
            done = subprocess.run(
                [sys.executable, str(REPO_ROOT / "manage.py"), "migrate", "--noinput"],
                env={**env, "DATABASE_URL": f"sqlite:///{partial}"},
                cwd=REPO_ROOT,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
            partial.rename(template)
    shutil.copyfile(template, target)
