"""Test settings: PostgreSQL when DATABASE_URL points at one, SQLite otherwise.

The suite runs in parallel (pytest-xdist): whatever two workers could share on this machine (the
reconcile queue's SQLite file, keys in the machine's Redis) is made private to each worker here.
"""

import os
import tempfile
from pathlib import Path

from ambient.settings.base import *  # noqa: F403
from ambient.settings.base import CHANNEL_LAYERS, DATABASES, REDIS_URL, env

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed; never in production
AMBIENT_ALLOW_FILE_GIT_URLS = True

if not env.str("DATABASE_URL", default=""):
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Empties the database between transactional tests with DELETE rather than TRUNCATE (see there).
    DATABASES["default"]["ENGINE"] = "tests.postgresql"

# Tests never touch the developer's embedded state.
TEST_STATE_DIR = Path(tempfile.mkdtemp(prefix="ambient-test-"))

STATIC_ROOT = TEST_STATE_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# WhiteNoise looks a static file up when it is asked for, instead of listing every app's static
# files (~170, a stat each) whenever a middleware chain is built: the test client builds one per
# client, and the suite makes thousands of clients. What is served, and how, stays the same.
WHITENOISE_AUTOREFRESH = True

# "gw0", "gw1", ... in a pytest-xdist worker, empty elsewhere (a serial run, a process a test starts).
TEST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
# Two parallel runs at once on one machine (two checkouts, two people) would otherwise share
# test_<name>_gw0 and each worker's Redis keys, and create, flush and drop each other's data: names
# carry this run's id too (xdist hands it to its workers and they to the processes tests start).
TEST_RUN = os.environ.get("PYTEST_XDIST_TESTRUNUID", "")[:8]
if TEST_RUN:
    TEST_WORKER = f"{TEST_RUN}-{TEST_WORKER}"
    if DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
        DATABASES["default"].setdefault("TEST", {})["NAME"] = f"test_{DATABASES['default']['NAME']}_{TEST_RUN}"

# Claims, leases and memo snapshots: keys of this worker only, in a queue file of this run only.
if TEST_WORKER:
    RECONCILE_KEY_PREFIX = env.str("RECONCILE_KEY_PREFIX", default=f"ambient-test-{TEST_WORKER}:")
RECONCILE_QUEUE_SQLITE_PATH = env.str(
    "RECONCILE_QUEUE_SQLITE_PATH", default=str(TEST_STATE_DIR / "reconcile-queue.sqlite3")
)
if REDIS_URL and TEST_WORKER:
    CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = f"asgi-test-{TEST_WORKER}:"

# Sized for tests: a mapped image starts in well under a second, so a session still Creating after
# a few seconds is stuck; the failure paths then end in seconds instead of minutes.
RECONCILER_IMAGE_PULL_GRACE_SECONDS = env.float("RECONCILER_IMAGE_PULL_GRACE_SECONDS", default=3.0)
RECONCILER_CREATION_DEADLINE_SECONDS = env.float("RECONCILER_CREATION_DEADLINE_SECONDS", default=8.0)
