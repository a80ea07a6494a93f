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

STATIC_ROOT = TEST_STATE_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
