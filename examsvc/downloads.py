"""The Content-Disposition of every download (RFC 6266), written by werkzeug.

A download has a real name, often Chinese ("任前法律知识考试-成绩汇总表.csv"), and an ASCII name for
clients that cannot read RFC 5987 ("score-sheet-7.csv"). werkzeug's header support writes both,
quoting the ASCII name where it needs quotes; the real name travels percent-encoded as
``filename*=UTF-8''…``, so no character in it (a quote, a line break) can break the header.
"""

from __future__ import annotations

from urllib.parse import quote

from werkzeug.http import dump_options_header


def disposition(name: str, fallback: str) -> str:
    """``attachment`` saved as ``name`` (any text; the caller has made it safe as a file name, see
    ``reports.routes.filename_stem``) or, by old clients, as ``fallback`` (ASCII)."""
    return dump_options_header("attachment", {"filename": fallback, "filename*": f"UTF-8''{quote(name, safe='')}"})
