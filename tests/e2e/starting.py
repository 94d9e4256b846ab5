"""Starting a sitting in the browser as a candidate does: from the list, through the confirmation."""

from __future__ import annotations

from playwright.sync_api import Page, expect

#: Generous: the CI machine is a busy 2-core box.
TIMEOUT_MS = 30_000


def start_from_list(page: Page, sitting_id: int) -> None:
    """Open the sitting's start confirmation from "My exams", accept the pledge and start; returns
    once the exam page shows."""
    page.locator(f"[data-sitting='{sitting_id}'] a.button.primary").click()
    page.locator("#pledge").check(timeout=TIMEOUT_MS)
    page.locator("#start-button").click()
    expect(page.locator("#exam")).to_be_visible(timeout=TIMEOUT_MS)
    # Answers can change once the page holds the attempt (one active device): its claim is a request
    # of its own, which a busy server answers after the page shows.
    expect(page.locator("#exam .question input").first).to_be_enabled(timeout=TIMEOUT_MS)
    scripts_ready(page)


def scripts_ready(page: Page) -> None:
    """Wait until the page's scripts have run: the exam page shows, with its inputs enabled, a
    moment before its scripts listen for changes, focus and visibility."""
    page.wait_for_function("() => document.readyState === 'complete'", timeout=TIMEOUT_MS)


def open_from_list(page: Page, sitting_id: int) -> None:
    """The sitting's main button on "My exams": a new attempt goes through the confirmation (pledge
    accepted), one already started opens again; returns once the exam page shows."""
    page.locator(f"[data-sitting='{sitting_id}'] .primary").click()
    expect(page.locator("#exam, #pledge").first).to_be_visible(timeout=TIMEOUT_MS)
    if page.locator("#pledge").count():
        page.locator("#pledge").check(timeout=TIMEOUT_MS)
        page.locator("#start-button").click()
    expect(page.locator("#exam")).to_be_visible(timeout=TIMEOUT_MS)
    page_settled(page)


def page_settled(page: Page) -> None:
    """Wait until the exam page's scripts run and the server said whether this page holds the
    attempt: its answer fields are enabled (it holds it) or it asks "continue here?" (another page
    does). Before that every field is disabled, so a test cannot change an answer the page would
    never save."""
    page.wait_for_function(
        "() => document.querySelector('#exam .question :is(input, textarea):enabled')"
        " || (document.getElementById('takeover-dialog') || {}).open"
        " || !document.getElementById('held-elsewhere').hidden",
        timeout=TIMEOUT_MS)
    scripts_ready(page)
