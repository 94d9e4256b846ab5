"""The Content-Security-Policy says ``style-src 'self'``, so a browser drops every ``style``
attribute: a template that positions or sizes something inline (a progress bar's width, a tree's
indentation) shows it wrong without a word. Found by an outside tester: the study progress bar was
full at 0 %."""

from __future__ import annotations

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
INLINE_STYLE = re.compile(r"<[^>]*\sstyle\s*=", re.IGNORECASE)


def test_no_template_relies_on_an_inline_style_the_policy_drops(app):
    assert "style-src 'self'" in app.test_client().get("/login").headers["Content-Security-Policy"]
    offenders = [f"{path.relative_to(TEMPLATES)}:{number}"
                 for path in sorted(TEMPLATES.rglob("*.html"))
                 for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
                 if INLINE_STYLE.search(line)]
    assert offenders == []

