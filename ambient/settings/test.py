"""Test settings: PostgreSQL when DATABASE_URL points at one, SQLite otherwise."""

import tempfile
from pathlib import Path

from ambient.settings.base import *  # noqa: F403
from ambient.settings.base import env

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed; never in production
AMBIENT_ALLOW_FILE_GIT_URLS = True

if not env.str("DATABASE_URL", default=""):
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}

# Tests never touch the developer's embedded state.
TEST_STATE_DIR = Path(tempfile.mkdtemp(prefix="ambient-test-"))

if not env.str("REDIS_URL", default=""):
    _spool = TEST_STATE_DIR / "broker"
    for _folder in ("queue", "processed", "control"):
        (_spool / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_spool / "queue"),
        "data_folder_out": str(_spool / "queue"),
        "processed_folder": str(_spool / "processed"),
        # Broadcast (remote control) messages; kombu would otherwise write ./control in the cwd.
        "control_folder": str(_spool / "control"),
        "store_processed": False,
    }

STATIC_ROOT = TEST_STATE_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
