"""The embedded default: `make run` on a laptop. Needs no environment variables at all."""

from pathlib import Path

from ambient.embedded.private_files import private_directory, private_file
from ambient.settings.base import *  # noqa: F403
from ambient.settings.base import STATE_DIR, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
# Embedded mode allows local file:// git URLs so demos work offline against local repositories.
AMBIENT_ALLOW_FILE_GIT_URLS = env.bool("AMBIENT_ALLOW_FILE_GIT_URLS", default=True)

# Owner-only state on a possibly shared host: the SQLite file holds every staff session key.
private_directory(STATE_DIR)
_database = DATABASES["default"]  # noqa: F405
if _database["ENGINE"] == "django.db.backends.sqlite3" and not str(_database["NAME"]).startswith((":memory:", "file:")):
    private_file(Path(_database["NAME"]))
