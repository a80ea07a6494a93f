"""GitHub App installation tokens: an RS256 JWT signed with the App's key, exchanged at
`POST {api}/app/installations/{id}/access_tokens`, cached until shortly before `expires_at`.

The cache is Redis when `REDIS_URL` is set (every api and worker process shares one token per
installation, minted under a single-flight lock so a burst of sessions asks GitHub once), else
this process's memory.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import jwt
import redis
import requests
from django.conf import settings

from ambient.exceptions import UpstreamError

# GitHub refuses a JWT whose lifetime passes 10 minutes; its clock may lag ours a little.
JWT_LIFETIME_SECONDS = 540
JWT_CLOCK_SKEW_SECONDS = 60
LOCK_TIMEOUT_SECONDS = 30
CODE_GITHUB_FAILED = "github_request_failed"


@dataclass(frozen=True)
class InstallationToken:
    token: str
    expires_at: datetime

    def fresh(self, *, margin_seconds: float) -> bool:
        return self.expires_at.timestamp() - time.time() > margin_seconds


def app_configured() -> bool:
    return bool(settings.GITHUB_APP_ID and (settings.GITHUB_APP_PRIVATE_KEY or settings.GITHUB_APP_PRIVATE_KEY_FILE))


def _private_key() -> str:
    if settings.GITHUB_APP_PRIVATE_KEY:
        return str(settings.GITHUB_APP_PRIVATE_KEY)
    return Path(settings.GITHUB_APP_PRIVATE_KEY_FILE).read_text()


def app_jwt(*, now: float | None = None) -> str:
    """The App's own credential: RS256 over {iat, exp, iss=<app id>}."""
    issued = int(now if now is not None else time.time()) - JWT_CLOCK_SKEW_SECONDS
    claims = {"iat": issued, "exp": issued + JWT_LIFETIME_SECONDS, "iss": str(settings.GITHUB_APP_ID)}
    return jwt.encode(claims, _private_key(), algorithm="RS256")


_session = requests.Session()  # keeps the connection to the GitHub API open between mints


def _mint(installation_id: str) -> InstallationToken:
    url = f"{settings.GITHUB_API_URL.rstrip('/')}/app/installations/{installation_id}/access_tokens"
    headers = {"Authorization": f"Bearer {app_jwt()}", "Accept": "application/vnd.github+json"}
    try:
        response = _session.post(url, headers=headers, timeout=settings.GITHUB_REQUEST_TIMEOUT_SECONDS)
    except requests.RequestException as error:
        raise UpstreamError(
            f"GitHub did not answer the installation-token request ({type(error).__name__}); retry shortly.",
            code=CODE_GITHUB_FAILED,
        ) from error
    if response.status_code != 201:
        raise UpstreamError(
            f"GitHub refused an installation token for installation {installation_id} ({response.status_code}): "
            "check GITHUB_APP_ID, the App's private key and that the App is installed.",
            code=CODE_GITHUB_FAILED,
            details={"status": response.status_code},
        )
    body = response.json()
    expires_at = datetime.fromisoformat(str(body["expires_at"]).replace("Z", "+00:00"))
    return InstallationToken(token=str(body["token"]), expires_at=expires_at.astimezone(UTC))


# --- cache -----------------------------------------------------------------------------------------

_local: dict[str, InstallationToken] = {}
_local_lock = threading.Lock()


def _cache_key(installation_id: str) -> str:
    return f"{settings.RECONCILE_KEY_PREFIX}github:installation-token:{settings.GITHUB_APP_ID}:{installation_id}"


def _decode(raw: bytes | str | None) -> InstallationToken | None:
    if not raw:
        return None
    data = json.loads(raw)
    return InstallationToken(token=data["token"], expires_at=datetime.fromisoformat(data["expiresAt"]))


def installation_token(installation_id: str) -> InstallationToken:
    """A token for `installation_id` valid for at least the refresh margin (minted at most once at a time)."""
    margin = settings.GITHUB_TOKEN_REFRESH_MARGIN_SECONDS
    if not settings.REDIS_URL:
        with _local_lock:
            cached = _local.get(installation_id)
            if cached is None or not cached.fresh(margin_seconds=margin):
                cached = _local[installation_id] = _mint(installation_id)
            return cached
    client = redis.Redis.from_url(settings.REDIS_URL)
    key = _cache_key(installation_id)
    try:
        cached = _decode(client.get(key))
        if cached is not None and cached.fresh(margin_seconds=margin):
            return cached
        with client.lock(f"{key}:lock", timeout=LOCK_TIMEOUT_SECONDS, blocking_timeout=LOCK_TIMEOUT_SECONDS):
            cached = _decode(client.get(key))  # another process may have minted it while we waited
            if cached is not None and cached.fresh(margin_seconds=margin):
                return cached
            minted = _mint(installation_id)
            keep_seconds = int(minted.expires_at.timestamp() - time.time() - margin)
            if keep_seconds > 0:
                value = json.dumps({"token": minted.token, "expiresAt": minted.expires_at.isoformat()})
                client.set(key, value, ex=keep_seconds)
            return minted
    finally:
        client.close()


def forget_installation_tokens() -> None:
    """Tests: drop this process's cached tokens."""
    with _local_lock:
        _local.clear()
