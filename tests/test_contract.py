"""The session contract loads without Django or Celery, and the Celery app still binds everywhere."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from celery import current_app
from celery.app.utils import find_app

from ambient import contract
from reconciler.config import ReconcilerConfig

REPO_ROOT = Path(__file__).resolve().parent.parent

HEAVY_PACKAGES = ("django", "celery", "kombu", "kubernetes", "rest_framework", "channels")


def test_contract_imports_only_the_standard_library() -> None:
    # A fresh interpreter, as in the runner image: importing the contract must not pull in the stack.
    probe = (
        "import sys, ambient.contract; "
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY_PACKAGES!r})))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO_ROOT, capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]"


def test_celery_command_line_finds_the_configured_app() -> None:
    # `celery -A ambient worker|beat` resolves the package to ambient.celery.app.
    app = find_app("ambient")
    assert app.main == "ambient"


def test_django_process_binds_shared_tasks_to_the_project_app() -> None:
    # AmbientConfig.ready() loads the app, so `.delay()` from the API uses the configured broker.
    from reconciler.tasks import reconcile_session  # noqa: PLC0415 - after Django set-up

    assert current_app.main == "ambient"
    assert reconcile_session.app.main == "ambient"


def test_reconciler_defaults_are_the_contract_defaults() -> None:
    config = ReconcilerConfig()
    assert config.runner_image == contract.DEFAULT_RUNNER_IMAGE
    assert config.content_image == contract.DEFAULT_CONTENT_IMAGE
    assert config.default_timeout_seconds == contract.DEFAULT_TIMEOUT_SECONDS
    assert config.max_timeout_seconds == contract.MAX_TIMEOUT_SECONDS
