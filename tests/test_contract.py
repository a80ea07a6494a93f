"""The session contract loads without Django or Celery, and the Celery app still binds everywhere."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from celery.app.utils import find_app

from ambient import contract
from reconciler.config import ReconcilerConfig

REPO_ROOT = Path(__file__).resolve().parent.parent

# One fresh interpreter, as in the runner image, then as in the API process: the contract alone
# pulls in none of the stack; after django.setup() the project's Celery app is loaded and current,
# so `.delay()` from the API goes to the configured broker, not to a default app.
PROBE = """
import json, sys
import ambient.contract
stack = {"django", "celery", "kombu", "kubernetes", "rest_framework", "channels"}
heavy = sorted({name.split(".")[0] for name in sys.modules} & stack)
import django
django.setup()
from celery import current_app
print(json.dumps({"heavy": heavy, "loaded": "ambient.celery" in sys.modules, "current": current_app.main}))
"""


def test_contract_imports_only_the_standard_library_and_django_loads_the_celery_app() -> None:
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "ambient.settings.test"}
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=REPO_ROOT, env=environment, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {"heavy": [], "loaded": True, "current": "ambient"}


def test_celery_command_line_finds_the_configured_app() -> None:
    # `celery -A ambient worker|beat` resolves the package to ambient.celery.app.
    assert find_app("ambient").main == "ambient"


def test_reconciler_defaults_are_the_contract_defaults() -> None:
    config = ReconcilerConfig()
    assert config.runner_image == contract.DEFAULT_RUNNER_IMAGE
    assert config.content_image == contract.DEFAULT_CONTENT_IMAGE
    assert config.default_timeout_seconds == contract.DEFAULT_TIMEOUT_SECONDS
    assert config.max_timeout_seconds == contract.MAX_TIMEOUT_SECONDS
