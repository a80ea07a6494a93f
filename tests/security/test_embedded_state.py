"""Embedded mode on a shared host: nothing it keeps on disk is readable by another local user.

State directories are 0700 and files 0600 (secret volume files keep only owner bits), whatever
the umask of the shell that ran `make run`.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ambient.embedded.redis_server import private_redis_prepare, redis_command
from ambient.embedded.supervision import Program, render_config
from localkube.journal import JOURNAL, SNAPSHOT, Journal
from localkube.runtime.volumes import plan_volumes, sync_directory
from localkube.testing import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    """The common default umask (022): modes must come from the code, not from the shell."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_state_directory_and_sqlite_database_are_owner_only(run_django, tmp_path):
    state_dir = tmp_path / "state"
    state_dir.mkdir(mode=0o755)
    state_dir.chmod(0o755)  # as an older checkout left it
    result = run_django(
        "import django; django.setup()", settings="ambient.settings.local", env={"AMBIENT_STATE_DIR": str(state_dir)}
    )
    assert result.returncode == 0, result.stderr
    assert mode(state_dir) == 0o700
    assert mode(state_dir / "db.sqlite3") == 0o600


@pytest.mark.usefixtures("permissive_umask")
def test_localkube_journal_and_snapshot_are_owner_only(tmp_path):
    store = tmp_path / "store"
    journal = Journal(store, fsync=False)
    journal.append({"rv": 1, "type": "ADDED", "object": {"kind": "Secret", "data": {"token": "c2VjcmV0"}}})
    assert mode(store) == 0o700
    assert mode(store / JOURNAL) == 0o600
    journal.compact(1, [])
    assert mode(store / SNAPSHOT) == 0o600
    assert mode(store / JOURNAL) == 0o600
    journal.close()


@pytest.mark.usefixtures("permissive_umask")
def test_a_world_readable_journal_from_an_older_version_is_tightened(tmp_path):
    store = tmp_path / "store"
    store.mkdir(mode=0o755)
    (store / JOURNAL).write_text("")
    (store / JOURNAL).chmod(0o644)
    Journal(store, fsync=False).close()
    assert mode(store) == 0o700
    assert mode(store / JOURNAL) == 0o600


def test_localkube_state_dir_kubeconfig_and_keys_are_owner_only(tmp_path):
    state_dir = tmp_path / "localkube"
    command = [sys.executable, "-m", "localkube", "serve", "--port", str(free_port()), "--state-dir", str(state_dir)]
    command += ["--no-controllers", "--no-fsync"]
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    # The umask of a typical shell; localkube must not depend on it.
    process = subprocess.Popen(
        command,
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        preexec_fn=lambda: os.umask(0o022),  # noqa: PLW1509 - only sets the umask of the child
    )
    try:
        assert process.stdout is not None
        ready = json.loads(process.stdout.readline())
        assert Path(ready["kubeconfig"]).is_file()
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert mode(state_dir) == 0o700
    assert mode(state_dir / "store") == 0o700
    for path in state_dir.rglob("*"):
        if path.is_file():
            assert mode(path) == 0o600, path
        elif path.is_dir():
            assert mode(path) == 0o700, path


@pytest.mark.usefixtures("permissive_umask")
def test_pod_secret_volume_files_keep_only_owner_bits(tmp_path):
    pod = {
        "metadata": {"namespace": "team", "name": "runner"},
        "spec": {
            "volumes": [
                {"name": "token", "secret": {"secretName": "runner-token"}},
                {"name": "strict", "secret": {"secretName": "runner-token", "defaultMode": 0o440}},
            ]
        },
    }
    _, sourced = plan_volumes(pod, tmp_path / "state", tmp_path / "pod")
    modes = {volume.name: volume.mode for volume in sourced}
    assert modes == {"token": 0o600, "strict": 0o400}
    for volume in sourced:
        sync_directory(volume.directory, {"token": b"secret-value"}, volume.mode)
        assert mode(volume.directory) == 0o700
        assert mode(volume.directory / "token") == modes[volume.name]


@pytest.mark.usefixtures("permissive_umask")
def test_private_redis_password_is_in_an_owner_only_file_not_on_the_command_line(tmp_path):
    redis = private_redis_prepare(state_dir=tmp_path, port=6390)
    assert mode(tmp_path / "redis") == 0o700
    assert mode(redis.config_file) == 0o600
    assert mode(tmp_path / "redis" / "password") == 0o600
    assert "bind 127.0.0.1" in redis.config_file.read_text().splitlines()
    assert redis.password not in " ".join(redis_command(redis))


def test_supervised_processes_create_owner_only_files_and_a_private_control_socket(tmp_path):
    config = render_config(
        state_dir=tmp_path, working_dir=REPO_ROOT, programs=[Program("api", ["daphne"], 30, autostart=False)]
    )
    lines = config.splitlines()
    assert "umask=077" in lines
    assert "chmod=0700" in lines
    assert not any(line.startswith("[inet_http_server]") for line in lines)
