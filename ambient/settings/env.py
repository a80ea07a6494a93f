"""The one django-environ reader every settings module shares.

Variables come from the process environment first, then from an optional `.env` file at the
repository root, so a developer can keep overrides out of their shell.
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
_dotenv = BASE_DIR / ".env"
if _dotenv.is_file():
    environ.Env.read_env(str(_dotenv), overwrite=False)

# Everything the embedded mode writes (SQLite, Redis, localkube state, logs) lives here, owner-only.
STATE_DIR = Path(env.str("AMBIENT_STATE_DIR", default=str(BASE_DIR / ".ambient"))).resolve()
