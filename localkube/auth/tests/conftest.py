"""Fixtures for the auth unit tests: an RBAC authorizer and an authenticator over a dict-backed reader
(tests/support.py), and one signing key per run."""

from __future__ import annotations

from pathlib import Path

import pytest

from localkube.auth import Authenticator, RBACAuthorizer
from localkube.auth.constants import SIGNING_KEY_FILE
from localkube.auth.signing import load_or_create_signing_key
from localkube.auth.tests.support import MemoryReader


@pytest.fixture
def reader() -> MemoryReader:
    return MemoryReader()


@pytest.fixture
def authorizer(reader: MemoryReader) -> RBACAuthorizer:
    return RBACAuthorizer(reader)


@pytest.fixture(scope="session")
def signing_key_pem(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """One generated key for the session: RSA generation is the slow part of these tests."""
    directory = tmp_path_factory.mktemp("signing-key")
    load_or_create_signing_key(directory)
    return (directory / SIGNING_KEY_FILE).read_bytes()


@pytest.fixture
def state_dir(tmp_path: Path, signing_key_pem: bytes) -> Path:
    state = tmp_path / "state"
    state.mkdir()
    (state / SIGNING_KEY_FILE).write_bytes(signing_key_pem)
    (state / SIGNING_KEY_FILE).chmod(0o600)
    return state


@pytest.fixture
def authenticator(reader: MemoryReader, state_dir: Path) -> Authenticator:
    return Authenticator(None, state_dir, reader)
