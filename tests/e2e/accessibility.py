"""Measuring a page as a phone user and a screen reader meet it: axe-core from the pinned copy in
``tests/e2e/vendor/axe-core`` (never fetched at test time), tap-target sizes and sideways scroll."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Page

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
#: WCAG 2.5.5 (target size, enhanced) and Apple's Human Interface Guidelines.
MIN_TARGET_PX = 44
#: How long a measurement waits for the page's stylesheets (generous: a loaded 2-core machine).
STYLED_WAIT_MS = 60_000


def _styled(page: Page) -> Page:
    """``page`` once its stylesheets have arrived: a box measured before then is the unstyled one
    (a visible element does not mean the CSS has applied; seen when app.css was being revalidated)."""
    page.wait_for_load_state("load", timeout=STYLED_WAIT_MS)
    return page


def axe_violations(page: Page, impacts: tuple[str, ...] = ("serious", "critical")) -> list[dict[str, Any]]:
    """axe-core's violations of the page as it is now, of the given impacts: each
    ``{"id", "impact", "help", "targets"}`` (CSS selectors of the offending nodes)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol, which the page's CSP (no inline script) does not
        # govern: the page is checked with the policy it really has.
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "targets": [n["target"] for n in v["nodes"]]}
            for v in result["violations"] if v["impact"] in impacts]


def small_targets(page: Page, selector: str) -> list[dict[str, Any]]:
    """The visible elements matching ``selector`` whose box is under 44 x 44 CSS px: each
    ``{"what", "width", "height"}``."""
    return _styled(page).evaluate("""([selector, least]) => Array.from(document.querySelectorAll(selector))
        .filter(el => el.getClientRects().length > 0)
        .map(el => { const r = el.getBoundingClientRect();
                     return {what: el.outerHTML.slice(0, 80), width: r.width, height: r.height}; })
        .filter(box => box.width < least || box.height < least)""", [selector, MIN_TARGET_PX])


def sideways_overflow(page: Page) -> int:
    """How many CSS px the page is wider than the viewport (0 when nothing scrolls sideways)."""
    return _styled(page).evaluate("document.documentElement.scrollWidth - window.innerWidth")
