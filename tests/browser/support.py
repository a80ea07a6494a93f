"""Headless Chromium for browser tests: Debian's Chromium driven by Playwright for Python.

Playwright normally downloads a browser build of its own; we launch the distribution's binary
instead (`executable_path`), which `make test` and `.ci/run` install with apt-get when missing,
so nothing is fetched at test time. The old headless shell (package `chromium-headless-shell`,
what Playwright itself launches for headless runs) is preferred: the full browser's new headless
mode took twice the CPU for the same pages (17.9 -> 8.4 s for tests/browser/test_api_pages.py).
Screenshots land under `.ambient/test-artifacts/browser/` (gitignored), one folder per test, so a
failed run leaves something to look at.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Browser, Page, Playwright, Route

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS_ROOT = REPO_ROOT / ".ambient" / "test-artifacts" / "browser"
# Debian's packages put their binaries here, the headless shell first; AMBIENT_CHROMIUM points
# elsewhere (another distribution).
HEADLESS_SHELL = "/usr/bin/chromium-headless-shell"
DEFAULT_CHROMIUM = "/usr/bin/chromium"
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
# Long enough for a page served by a busy 2-core machine; tests wait on conditions, not on time.
DEFAULT_TIMEOUT_MS = 30_000


def chromium_path() -> str | None:
    """The Chromium binary to launch, or None when it is not installed."""
    configured = os.environ.get("AMBIENT_CHROMIUM")
    for candidate in (configured,) if configured else (HEADLESS_SHELL, DEFAULT_CHROMIUM):
        if Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return shutil.which("chromium-headless-shell") or shutil.which("chromium")


def chromium_missing_reason() -> str:
    return (
        f"browser tests need Chromium at {HEADLESS_SHELL} or {DEFAULT_CHROMIUM} (Debian packages "
        "`chromium-headless-shell`, `chromium`): `make test` installs them when run as root, otherwise "
        "`sudo apt-get install chromium-headless-shell` "
        "(or set AMBIENT_CHROMIUM to another Chromium binary)"
    )


def launch_chromium(playwright: Playwright, executable: str) -> Browser:
    # --no-sandbox: CI and developers run the suite as root, where Chromium refuses its sandbox.
    return playwright.chromium.launch(
        executable_path=executable,
        headless=True,
        args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
    )


def is_local(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in {"data", "blob", "about"}:
        return True
    return (parts.hostname or "") in LOCAL_HOSTS


class OfflineGuard:
    """Aborts every request that would leave this machine, and remembers it, so a page that
    needs a CDN fails visibly (`blocked` is not empty) instead of passing on a connected laptop."""

    def __init__(self) -> None:
        self.blocked: list[str] = []

    def __call__(self, route: Route) -> None:
        url = route.request.url
        if is_local(url):
            route.continue_()
            return
        self.blocked.append(url)
        route.abort("internetdisconnected")


def artifact_directory(test_name: str) -> Path:
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", test_name).strip("_")[:120] or "test"
    directory = ARTIFACTS_ROOT / safe
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def screenshot(page: Page, directory: Path, name: str, *, full_page: bool = True) -> Path:
    """Save a PNG of the page as a test artifact and return its path."""
    path = directory / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
