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

# Everything the embedded mode writes (SQLite, broker spool, localkube state) lives here.
STATE_DIR = Path(env.str("AMBIENT_STATE_DIR", default=str(BASE_DIR / ".ambient"))).resolve()


def filesystem_broker_options(spool: Path, *, visibility_timeout: int) -> dict[str, object]:
    """kombu's filesystem transport under `spool`: the broker of the embedded mode, no server needed."""
    for folder in ("queue", "processed", "control"):
        (spool / folder).mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(spool / "queue"),
        "data_folder_out": str(spool / "queue"),
        "processed_folder": str(spool / "processed"),
        # Broadcast (remote control) messages; kombu would otherwise write ./control in the cwd.
        "control_folder": str(spool / "control"),
        "store_processed": False,
        "visibility_timeout": visibility_timeout,
    }
