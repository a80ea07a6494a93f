"""The embedded default: `make run` on a laptop. Needs no environment variables at all."""

from ambient.settings.base import *  # noqa: F403
from ambient.settings.base import STATE_DIR, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
# Embedded mode allows local file:// git URLs so demos work offline against local repositories.
AMBIENT_ALLOW_FILE_GIT_URLS = env.bool("AMBIENT_ALLOW_FILE_GIT_URLS", default=True)

STATE_DIR.mkdir(parents=True, exist_ok=True)
