"""Static tokens: kube's --token-auth-file format, reload on change, in-process additions.

Authenticators get the `state_dir` fixture (the run's one signing key): a fresh state directory would
generate an RSA key each time, the slow part of building one.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from localkube.auth import Authenticator, TokenFileError
from localkube.auth.static_tokens import parse_token_file
from localkube.auth.tests.support import MemoryReader
from localkube.interfaces import UserInfo


def write(path: Path, text: str, *, bump: int = 0) -> None:
    path.write_text(text, encoding="utf-8")
    if bump:
        # Move the mtime explicitly so the test does not depend on filesystem timestamp granularity.
        stat = path.stat()
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + bump * 1_000_000_000))


def test_parse_kube_format() -> None:
    tokens = parse_token_file(
        '\ufefftok-a,alice,uid-a,"dev,ops"\ntok-b, bob, uid-b\n\n# a comment\n,nobody,uid-x\ntok-c,carol,uid-c,\n'
    )
    assert tokens == {
        "tok-a": UserInfo("alice", uid="uid-a", groups=("dev", "ops")),
        "tok-b": UserInfo("bob", uid="uid-b"),
        "tok-c": UserInfo("carol", uid="uid-c"),
    }


def test_parse_rejects_short_lines_without_echoing_the_token() -> None:
    with pytest.raises(TokenFileError) as caught:
        parse_token_file("ok,alice,1\nsecret-token,bob\n")
    assert "line 2" in str(caught.value)
    assert "secret-token" not in str(caught.value)


def test_file_tokens_authenticate_with_the_authenticated_group(
    tmp_path: Path, state_dir: Path, reader: MemoryReader
) -> None:
    tokens = tmp_path / "tokens.csv"
    write(tokens, 'tok-a,alice,uid-a,"dev,ops"\n')
    authn = Authenticator(tokens, state_dir, reader)
    assert authn.authenticate("tok-a") == UserInfo("alice", uid="uid-a", groups=("dev", "ops", "system:authenticated"))
    assert authn.authenticate("nope") is None
    assert authn.authenticate("") is None
    assert authn.authenticate(None) is None


def test_file_is_reloaded_when_it_changes(tmp_path: Path, state_dir: Path, reader: MemoryReader) -> None:
    tokens = tmp_path / "tokens.csv"
    write(tokens, "tok-a,alice,uid-a\n")
    authn = Authenticator(tokens, state_dir, reader)
    assert authn.authenticate("tok-b") is None

    write(tokens, "tok-a,alice,uid-a\ntok-b,bob,uid-b,admins\n", bump=1)
    user = authn.authenticate("tok-b")
    assert user is not None
    assert user.username == "bob"
    assert user.groups == ("admins", "system:authenticated")

    # Removing a line revokes that token.
    write(tokens, "tok-b,bob,uid-b,admins\n", bump=2)
    assert authn.authenticate("tok-a") is None


def test_broken_rewrite_keeps_last_good_tokens(
    tmp_path: Path, state_dir: Path, reader: MemoryReader, caplog: pytest.LogCaptureFixture
) -> None:
    tokens = tmp_path / "tokens.csv"
    write(tokens, "tok-a,alice,uid-a\n")
    authn = Authenticator(tokens, state_dir, reader)
    with caplog.at_level(logging.DEBUG, logger="localkube.auth"):
        write(tokens, "tok-a,alice,uid-a\nsecret-half-written\n", bump=1)
        assert authn.authenticate("tok-a") is not None
    assert "not reloaded" in caplog.text
    assert "secret-half-written" not in caplog.text
    assert "tok-a" not in caplog.text


def test_deleted_file_revokes_its_tokens(tmp_path: Path, state_dir: Path, reader: MemoryReader) -> None:
    tokens = tmp_path / "tokens.csv"
    write(tokens, "tok-a,alice,uid-a\n")
    authn = Authenticator(tokens, state_dir, reader)
    tokens.unlink()
    assert authn.authenticate("tok-a") is None


def test_missing_or_broken_file_at_start_is_an_error(tmp_path: Path, reader: MemoryReader) -> None:
    with pytest.raises(FileNotFoundError):
        Authenticator(tmp_path / "absent.csv", tmp_path / "state", reader)
    broken = tmp_path / "broken.csv"
    write(broken, "only-one-column\n")
    with pytest.raises(TokenFileError):
        Authenticator(broken, tmp_path / "state", reader)


def test_in_process_tokens_win_over_the_file(tmp_path: Path, state_dir: Path, reader: MemoryReader) -> None:
    tokens = tmp_path / "tokens.csv"
    write(tokens, "shared,from-file,1\n")
    authn = Authenticator(tokens, state_dir, reader)
    authn.add_static_token("shared", "from-code", groups=["system:masters"], uid="2")
    authn.add_static_token("solo", "dev")
    assert authn.authenticate("shared") == UserInfo(
        "from-code", uid="2", groups=("system:masters", "system:authenticated")
    )
    assert authn.authenticate("solo") == UserInfo("dev", groups=("system:authenticated",))
    authn.remove_static_token("shared")
    assert authn.authenticate("shared") == UserInfo("from-file", uid="1", groups=("system:authenticated",))
    with pytest.raises(ValueError):
        authn.add_static_token("", "nobody")


def test_authenticated_group_is_not_duplicated(authenticator: Authenticator) -> None:
    authenticator.add_static_token("t", "u", groups=["system:authenticated", "x"])
    assert authenticator.authenticate("t") == UserInfo("u", groups=("system:authenticated", "x"))


def test_static_tokens_only_count_for_the_api_audiences(authenticator: Authenticator) -> None:
    authenticator.add_static_token("t", "u")
    assert authenticator.authenticate_token("t").audiences == authenticator.api_audiences
    other = authenticator.authenticate_token("t", ["vault"])
    assert other.user is None
    assert other.error == "invalid bearer token"
