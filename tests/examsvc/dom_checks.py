"""What a page's DOM may hold when it shows text people typed (SEC-X1, X3, X4): read with an HTML
parser, as a browser builds it, not by searching the source for strings."""

from __future__ import annotations

import re
from html.parser import HTMLParser

#: Elements no page of ours has; one in a page came from content.
FOREIGN_TAGS = {"iframe", "object", "embed", "meta", "style", "base", "frame", "frameset"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "poster", "data"}


class _Walker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name, value in attrs:
            value = (value or "").strip().lower()
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…> event handler")
            if name in URL_ATTRIBUTES and (value.startswith(("javascript:", "data:text", "vbscript:"))
                                           or value.startswith(("//", "http:", "https:"))):
                self.problems.append(f"<{tag} {name}={value[:40]!r}> unsafe or external URL")
        if tag == "script":
            self._in_script = True
            if not (values.get("src") or "").startswith("/static/"):
                self.problems.append(f"<script> not from /static/: {values}")
        if tag in FOREIGN_TAGS and not (tag == "meta" and "http-equiv" not in values):
            self.problems.append(f"<{tag}> element")
        if tag == "img" and not (values.get("src") or "").startswith(("/static/", "data:image/")):
            self.problems.append(f"<img src={values.get('src')!r}>")
        if tag == "form" and (values.get("action") or "/").startswith(("//", "http")):
            self.problems.append(f"<form action={values.get('action')!r}>")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.problems.append(f"inline script: {data.strip()[:40]!r}")
        self.text.append(data)


def unsafe_parts(page: str) -> list[str]:
    """Everything in ``page`` that could run script, load from elsewhere or navigate away: event handler
    attributes, javascript:/data: or external URLs, scripts not from /static/, iframes, meta refresh,
    style elements, forms posting elsewhere."""
    walker = _Walker()
    walker.feed(page)
    walker.close()
    return walker.problems


def shown_text(page: str) -> str:
    """The text a reader sees (entities decoded), for checking a payload is shown as typed."""
    walker = _Walker()
    walker.feed(page)
    walker.close()
    return "".join(walker.text)


def field_block(page: str, name: str) -> str:
    """The form field's block (label, input, hint, errors) around the input named ``name``."""
    return re.search(rf'<div class="field[^"]*">(?:(?!<div class="field).)*?\bname="{name}".*?</div>', page, re.S).group(0)
