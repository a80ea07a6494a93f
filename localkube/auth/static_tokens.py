"""Static bearer tokens: kube-apiserver's --token-auth-file format plus tokens added in-process.

The file is re-read whenever its mtime or size changes so a test can add a user while the server
runs. Tokens are secrets: nothing here logs or repr()s them.
"""

from __future__ import annotations

import csv
import io
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from localkube.interfaces import UserInfo

logger = logging.getLogger(__name__)


class TokenFileError(ValueError):
    """The tokens file cannot be parsed; the message names the line, never the token."""


@dataclass(frozen=True)
class _FileStamp:
    mtime_ns: int
    size: int
    inode: int


def parse_token_file(text: str, source: str = "tokens file") -> dict[str, UserInfo]:
    """Parse ``token,user,uid[,"group1,group2"]`` lines the way kube's tokenfile authenticator does.

    Fewer than three columns is an error; an empty token is skipped; a later duplicate wins.
    Blank lines and ``#`` comments are skipped as a convenience for hand-written files.
    """
    tokens: dict[str, UserInfo] = {}
    text = text.removeprefix("\ufeff")  # kube strips a UTF-8 BOM too
    reader = csv.reader(io.StringIO(text), skipinitialspace=True)
    for record in reader:
        if not record or (len(record) == 1 and not record[0].strip()) or record[0].lstrip().startswith("#"):
            continue
        if len(record) < 3:
            raise TokenFileError(
                f"{source} line {reader.line_num} must have at least 3 columns "
                f"(token, user name, user uid), found {len(record)}"
            )
        token, username, uid = record[0].strip(), record[1].strip(), record[2].strip()
        if not token:
            logger.warning("empty token in %s line %d, skipped", source, reader.line_num)
            continue
        groups: tuple[str, ...] = ()
        if len(record) >= 4 and record[3].strip():
            groups = tuple(group.strip() for group in record[3].split(",") if group.strip())
        tokens[token] = UserInfo(username=username, uid=uid, groups=groups)
    return tokens


class StaticTokens:
    """Token → user lookups from an optional file (reloaded on change) and an in-process table."""

    def __init__(self, tokens_file: Path | None) -> None:
        self._path = tokens_file
        self._stamp: _FileStamp | None = None
        self._from_file: dict[str, UserInfo] = {}
        self._in_process: dict[str, UserInfo] = {}
        if tokens_file is not None:
            # A broken file at start-up is a configuration error worth failing on, as kube does.
            self._reload(strict=True)

    def add(self, token: str, user: UserInfo) -> None:
        if not token:
            raise ValueError("a static token must not be empty")
        self._in_process[token] = user

    def remove(self, token: str) -> None:
        self._in_process.pop(token, None)

    def lookup(self, token: str) -> UserInfo | None:
        user = self._in_process.get(token)
        if user is not None:
            return user
        if self._path is not None:
            self._reload(strict=False)
        return self._from_file.get(token)

    def _reload(self, *, strict: bool) -> None:
        assert self._path is not None
        try:
            stat = self._path.stat()
        except FileNotFoundError:
            if strict:
                raise
            # A deleted file revokes its tokens rather than leaving stale users authenticated.
            if self._stamp is not None:
                logger.warning("tokens file %s disappeared; its tokens are revoked", self._path)
            self._stamp, self._from_file = None, {}
            return
        stamp = _FileStamp(stat.st_mtime_ns, stat.st_size, stat.st_ino)
        if stamp == self._stamp:
            return
        try:
            parsed = parse_token_file(self._path.read_text(encoding="utf-8"), os.fspath(self._path))
        except (OSError, UnicodeDecodeError, TokenFileError) as error:
            if strict:
                raise
            # Half-written files are normal while an editor saves; keep serving the last good table.
            logger.warning("tokens file %s not reloaded: %s", self._path, error)
            return
        self._stamp, self._from_file = stamp, parsed
        logger.info("loaded %d static tokens from %s", len(parsed), self._path)
