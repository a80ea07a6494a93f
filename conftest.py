"""Fixtures shared by the whole suite.

Expensive things are shared: one localkube per test run (session scope), a fresh namespace per
test. Per-app unit tests live next to their app; cross-app tests live in tests/.
"""

from __future__ import annotations

import gc
import io
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent

# `localkube` (one embedded API server per run), `kube_namespace` (a fresh namespace per test),
# `git_server` and `git_repository` (a smart-HTTP git server with token auth, gitops/testing.py);
# tests.scheduling puts the long files first for `make test`'s workers.
pytest_plugins = ["localkube.pytest_plugin", "gitops.pytest_plugin", "tests.scheduling"]


def pytest_collection_finish(session: pytest.Session) -> None:
    """What is alive once the tests are collected (modules, the kubernetes client's models, the test
    items) stays for the whole run: frozen out of the garbage collector's sweeps, with young
    collections less often, the collector's CPU in a worker falls by about 40% (tests/api and
    tests/chat: 2.45 -> 1.39 s)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)


def _redis_answers(url: str) -> bool:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Redis for tests that need one: AMBIENT_TEST_REDIS_URL, else DB 14 of the machine's Redis on
    127.0.0.1:6379, else a private redis-server started for this run (the binary must be installed)."""
    url = os.environ.get("AMBIENT_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")
    if _redis_answers(url):
        yield url
        return
    if shutil.which("redis-server") is None:
        pytest.fail(f"tests need Redis: nothing answers at {url} and redis-server is not installed")
    from tests.e2e.processes import RedisServer

    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def run_django() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run a Python snippet in a fresh interpreter under given settings and environment.

    Settings are read once per process, so testing how they react to the environment needs a
    process of its own.
    """

    def run(code: str, *, settings: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        base_env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL", "KUBE"))
        }
        base_env.update({"DJANGO_SETTINGS_MODULE": settings, "PYTHONPATH": str(REPO_ROOT)})
        base_env.update(env or {})
        return subprocess.run(
            [sys.executable, "-c", code],
            cwd=REPO_ROOT,
            env=base_env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    return run


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker) -> Iterator[None]:
    """pytest-django's test database, whose drop at the end does not wait on connections left open.

    Threads that ran ORM code for async tests (sync_to_async's worker thread, the ASGI handler's
    request threads) keep their own connections; DROP DATABASE would wait 5 s for them, then give
    up and leave the database behind. The run is over, so they are ended first.
    In between, transactional tests' flushes skip post_migrate's re-check of the content types and
    permissions (tests/postgresql/base.py)."""
    from tests.postgresql.base import kept_rows_not_checked_again

    with kept_rows_not_checked_again():
        yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        connection.close()  # this one too: the drop runs from a connection of its own


@pytest.fixture(scope="session")
def django_kube(localkube):
    """Django pointed at the test localkube (its admin kubeconfig is the control plane's identity),
    with the AgenticSession CRD and the Ambient ClusterRoles installed."""
    from django.conf import settings
    from django.core.management import call_command

    from ambient import kube
    from sessions.auth import forget_cached_access

    previous = settings.KUBECONFIG
    settings.KUBECONFIG = str(localkube.kubeconfig_path)
    kube.reset()
    call_command("install_crds", stdout=io.StringIO())
    yield localkube
    settings.KUBECONFIG = previous
    kube.reset()
    forget_cached_access()
