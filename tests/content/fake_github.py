"""A local GitHub API for the token tests: the endpoints the control plane calls, over real HTTP.

`POST /app/installations/{id}/access_tokens` checks the App's RS256 JWT against the test key (as
GitHub does) and answers a fresh installation token; `GET /user` answers for a token it minted.
"""

from __future__ import annotations

import functools
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.content.fake_http import JSONHandler, serve, shut

TOKEN_LIFETIME = timedelta(hours=1)


def _private_key_pem() -> tuple[str, Any]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return pem, key.public_key()


@functools.cache
def _app_key_pem() -> tuple[str, Any]:
    """The App's key, one per process: generating a 2048-bit RSA key costs 0.1-0.3 s of CPU, and each
    FakeGitHub is a fresh server with fresh tokens either way (a forged JWT still gets a key of its own)."""
    return _private_key_pem()


@dataclass
class FakeGitHub:
    app_id: str = "4242"
    mints: list[str] = field(default_factory=list)
    issued: dict[str, str] = field(default_factory=dict)  # token → installation id
    server: ThreadingHTTPServer | None = None
    # A mint takes this long, so concurrent callers overlap (single-flight tests).
    mint_delay_seconds: float = 0.0

    def __post_init__(self) -> None:
        self.private_key_pem, self._public_key = _app_key_pem()

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> FakeGitHub:
        github = self

        class Handler(JSONHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                parts = self.path.strip("/").split("/")
                if len(parts) != 4 or parts[:2] != ["app", "installations"] or parts[3] != "access_tokens":
                    self._answer(404, {"message": "Not Found"})
                    return
                bearer = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
                try:
                    claims = jwt.decode(
                        bearer, github._public_key, algorithms=["RS256"], options={"require": ["iat", "exp", "iss"]}
                    )
                except jwt.PyJWTError as error:
                    self._answer(401, {"message": f"A JSON web token could not be decoded: {error}"})
                    return
                if str(claims["iss"]) != github.app_id or claims["exp"] - claims["iat"] > 600:
                    self._answer(401, {"message": "'Issuer' claim or expiration is wrong"})
                    return
                time.sleep(github.mint_delay_seconds)
                token = f"ghs_{secrets.token_urlsafe(24)}"
                github.mints.append(parts[2])
                github.issued[token] = parts[2]
                expires = (datetime.now(UTC) + TOKEN_LIFETIME).strftime("%Y-%m-%dT%H:%M:%SZ")
                self._answer(201, {"token": token, "expires_at": expires, "permissions": {"contents": "write"}})

            def do_GET(self) -> None:
                bearer = (self.headers.get("Authorization") or "").split(" ")[-1]
                if self.path == "/user" and bearer in github.issued:
                    self._answer(200, {"login": "ambient-bot", "id": 1})
                    return
                self._answer(401, {"message": "Bad credentials"})

        self.server = serve(Handler, "fake-github")
        return self

    def stop(self) -> None:
        shut(self.server)
