"""An operator's day in the admin console, in headless Chromium against the real stack: log in,
create a session, watch its timeline reach Running, chat with the echo runner, read a workspace
file, see a refused start, stop it and see UserStopped on the timeline, delete it."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.console.conftest import ConsoleLogin
from tests.browser.support import OfflineGuard, screenshot

# Bounds for a hang only (a session starts in seconds here); tests wait on what the page shows.
SESSION_START_MS = 120_000
REPLY_MS = 60_000


def log_in(page: Page, console: ConsoleLogin) -> None:
    page.goto(f"{console.url}/admin/login/?next=/admin/console/")
    page.fill("input[name=username]", console.username)
    page.fill("input[name=password]", console.password)
    page.click("input[type=submit]")
    expect(page.locator("#phase-counts")).to_be_visible()


def reload_until(page: Page, selector: str, text: str, timeout_ms: int) -> None:
    """What an operator does for parts the page does not refresh by itself: reload until it shows."""
    deadline_rounds = max(1, timeout_ms // 1000)
    for _ in range(deadline_rounds):
        # The part may be missing for now (a workspace whose content service is not ready yet).
        shown = page.locator(selector)
        if shown.count() and text in (shown.first.text_content() or ""):
            return
        page.wait_for_timeout(1000)
        page.reload()
    expect(page.locator(selector)).to_contain_text(text)


def test_operator_runs_a_session_from_the_console(
    page: Page, console: ConsoleLogin, artifacts: Path, offline_guard: OfflineGuard
) -> None:
    log_in(page, console)

    # Create an interactive session.
    page.goto(f"{console.url}/admin/console/sessions/new/")
    page.select_option("#id_project", console.project)
    page.fill("#id_name", "browser-run")
    page.fill("#id_displayName", "Driven from Chromium")
    page.fill("#id_initialPrompt", "hello from the console")
    page.click("#session-create input[type=submit]")
    expect(page.locator(".messagelist")).to_contain_text(f"Session {console.project}/browser-run created.")

    # The page refreshes its live part by itself until the session settles: the timeline reaches Running.
    ready_running = page.locator("#timeline li.source-condition", has_text="Ready:").filter(has_text="Running")
    expect(ready_running.first).to_be_visible(timeout=SESSION_START_MS)
    expect(page.locator("#phase")).to_have_text("Running")
    screenshot(page, artifacts, "session-page")
    page.locator("#timeline").screenshot(path=str(artifacts / "timeline-running.png"))

    # A refused transition reads as the API's message, not a traceback.
    page.click("#action-start")
    expect(page.locator(".messagelist")).to_contain_text(
        "Refused: Cannot start a session that is Running: only Completed, Failed or Stopped sessions can be started."
    )
    assert "Traceback" not in page.content()

    # Chat: the echo runner answers.
    page.fill("#chat-form textarea", "hello runner")
    page.click("#chat-form input[type=submit]")
    reload_until(page, "#transcript", "echo: hello runner", REPLY_MS)
    expect(page.locator("#transcript")).to_contain_text("hello runner")

    # Workspace: the echo runner keeps its transcript in artifacts/echo-transcript.md.
    reload_until(page, "#workspace-list", "artifacts/", REPLY_MS)
    page.click("#workspace-list >> text=artifacts/")
    page.click("#workspace-list >> text=echo-transcript.md")
    expect(page.locator("#file-content")).to_contain_text("hello runner")
    page.go_back()

    # The list, with this session in it.
    page.goto(f"{console.url}/admin/console/sessions/?project={console.project}")
    expect(page.locator("#session-list")).to_contain_text("browser-run")
    screenshot(page, artifacts, "session-list")

    # Stop: the timeline shows UserStopped (the page refreshes while the session is Stopping).
    page.click("#session-list >> text=browser-run")
    page.click("#action-stop")
    expect(page.locator(".messagelist")).to_contain_text("Stop requested")
    user_stopped = page.locator("#timeline li.source-condition").filter(has_text="UserStopped")
    expect(user_stopped.first).to_be_visible(timeout=SESSION_START_MS)
    expect(page.locator("#timeline")).to_contain_text(f"Stop requested by {console.username} (admin console)")
    page.locator("#timeline").screenshot(path=str(artifacts / "timeline-stopped.png"))

    # Delete, after the confirmation page.
    page.click("#action-delete")
    expect(page.locator("#confirm-delete")).to_contain_text("Yes, delete it")
    page.click("#confirm-delete input[type=submit]")
    expect(page.locator(".messagelist")).to_contain_text(f"Session {console.project}/browser-run deleted.")
    expect(page.locator("#session-list")).not_to_contain_text("browser-run")

    assert offline_guard.blocked == []
