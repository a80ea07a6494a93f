"""Identities for the embedded mode: the Django admin login and a demo Kubernetes user token.

Both are generated once, kept under the state directory (never printed to logs, only to the
terminal banner) and reused on the next `make run`, so bookmarks and scripts keep working.
"""

from __future__ import annotations

import csv
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth import get_user_model

ADMIN_USERNAME = "admin"
DEMO_USERNAME = "demo@ambient.local"
DEMO_PROJECT = "demo"


@dataclass(frozen=True)
class EmbeddedIdentity:
    admin_username: str
    admin_password: str
    demo_username: str
    demo_token: str


def _read_or_create_secret(path: Path) -> str:
    if path.is_file():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(24)
    path.write_text(value + "\n")
    path.chmod(0o600)
    return value


def admin_user_ensure(*, state_dir: Path) -> tuple[str, str]:
    """A superuser for the Django admin; its password lives in STATE_DIR/admin-password."""
    password = _read_or_create_secret(state_dir / "admin-password")
    user_model = get_user_model()
    user, _ = user_model.objects.get_or_create(username=ADMIN_USERNAME, defaults={"is_staff": True})
    if not user.check_password(password) or not user.is_superuser:
        user.is_staff = user.is_superuser = True
        user.set_password(password)
        user.save()
    return ADMIN_USERNAME, password


def demo_token_ensure(*, tokens_file: Path) -> str:
    """A static token for the demo user in localkube's tokens file (kube-apiserver CSV format)."""
    tokens_file.parent.mkdir(parents=True, exist_ok=True)
    if tokens_file.is_file():
        with tokens_file.open(newline="") as handle:
            for row in csv.reader(handle):
                if len(row) >= 2 and row[1] == DEMO_USERNAME:
                    return row[0]
    token = secrets.token_urlsafe(32)
    with tokens_file.open("a", newline="") as handle:
        csv.writer(handle).writerow([token, DEMO_USERNAME, "demo-uid", "ambient:demo"])
    tokens_file.chmod(0o600)
    return token
