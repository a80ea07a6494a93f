"""Console browser tests drive the real stack (localkube, worker, watcher, the api over ASGI): the
e2e fixtures are reused here, and every test in this folder is e2e and slow."""

from __future__ import annotations

import io
import secrets
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import kubernetes.client
import pytest
from django.core.management import call_command
from pytest_django.fixtures import Settings

from ambient import kube as ambient_kube
from reconciler.embedded_images import REPO_ROOT
from sessions.api_constants import MANAGED_LABEL, MANAGED_LABEL_VALUE
from tests.api.support import bind
from tests.e2e.conftest import e2e_stack, localkube, stack  # noqa: F401 - fixtures for this folder
from tests.e2e.stack import Stack

CONSOLE_DIRECTORY = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.is_relative_to(CONSOLE_DIRECTORY):
            item.add_marker(pytest.mark.e2e)
            item.add_marker(pytest.mark.slow)


@dataclass(frozen=True)
class ConsoleLogin:
    url: str
    username: str
    password: str
    project: str


def manage(running: Stack, *arguments: str, env: dict[str, str] | None = None) -> None:
    """A management command against the stack's database and cluster (as the cluster admin)."""
    command = [sys.executable, "manage.py", *arguments]
    environment = {**running.env, "KUBECONFIG": str(running.kube.kubeconfig_path), **(env or {})}
    done = subprocess.run(
        command, cwd=REPO_ROOT, env=environment, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr


def superuser_create(running: Stack, username: str, password: str) -> None:
    """A Django superuser in the stack's database (the api process reads that one, not the test's)."""
    manage(
        running,
        "createsuperuser",
        "--noinput",
        "--username",
        username,
        "--email",
        "",
        env={"DJANGO_SUPERUSER_PASSWORD": password},
    )


def cluster_roles_install(running: Stack, settings: Settings) -> None:
    """`manage.py install_crds` in this process (it needs the cluster only, not the stack's database):
    the project ClusterRoles a binding names. Idempotent."""
    settings.KUBECONFIG = str(running.kube.kubeconfig_path)
    ambient_kube.reset()
    try:
        call_command("install_crds", stdout=io.StringIO())
    finally:
        # No client for the stack's cluster stays cached once `settings` restores KUBECONFIG.
        ambient_kube.reset()


@pytest.fixture
def console(stack: Stack, kube_namespace: str, settings: Settings) -> ConsoleLogin:  # noqa: F811 - the imported fixture
    """The api started, the real runner (echo backend) mapped, a managed project, and a superuser
    bound there as project admin (the console impersonates them, so RBAC must allow them)."""
    patch = {"metadata": {"labels": {MANAGED_LABEL: MANAGED_LABEL_VALUE}}}
    kubernetes.client.CoreV1Api(stack.admin).patch_namespace(kube_namespace, patch)
    stack.start_api()
    cluster_roles_install(stack, settings)
    stack.set_image_map(real_runner=True)  # the `stack` fixture restores the fake runner afterwards
    username, password = f"operator-{secrets.token_hex(3)}", secrets.token_urlsafe(16)
    superuser_create(stack, username, password)
    bind(stack.kube, kube_namespace, username, "admin")
    return ConsoleLogin(url=stack.api_url, username=username, password=password, project=kube_namespace)
