"""Citations on a page: a legal-basis text shown exactly as written, each cited article linked to
its permalink (one tap away), and what did not resolve marked for editors."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Flask, url_for
from flask_babel import gettext

from question_bank.models import CitationSource, QuestionCitation
from question_bank.models.citations import STATUS_REASONS
from question_bank.services.law_catalogue import KIND_NAMES


def article_url(ref: QuestionCitation) -> str | None:
    """The permalink of the article a citation points at (of the version it resolved to); the
    version's page for a law cited as a whole; ``None`` when it points at nothing."""
    if ref.law_version_id is None:
        return None
    if ref.article_id is not None:
        slug = f"{ref.article_number}-{ref.article_suffix}" if ref.article_suffix else str(ref.article_number)
        return url_for("laws.article", version_id=ref.law_version_id, slug=slug)
    if ref.article_number is None:
        return url_for("laws.version", version_id=ref.law_version_id)
    return None


def reason(ref: QuestionCitation) -> str:
    """Why a citation needs attention, in the person's language (empty when it does not)."""
    message = STATUS_REASONS.get(ref.status, "")
    return gettext(message) if message else ""


@dataclass
class Piece:
    """A run of the legal-basis text: plain (no ``refs``), or the words of one citation with the
    rows they resolved to (several for a range), its link and whether it needs attention."""

    text: str
    refs: list[QuestionCitation] = field(default_factory=list)

    @property
    def link(self) -> str | None:
        return next((url for url in map(article_url, self.refs) if url), None)

    @property
    def problem(self) -> str:
        return next((reason(r) for r in self.refs if r.needs_attention), "")


def basis_pieces(text: str, refs: list[QuestionCitation]) -> list[Piece]:
    """``text`` (a legal basis) cut into pieces at the places of its citations, in order."""
    spans: dict[tuple[int, int], list[QuestionCitation]] = {}
    for ref in refs:
        if ref.source == CitationSource.LEGAL_BASIS and 0 <= ref.start < ref.end <= len(text):
            spans.setdefault((ref.start, ref.end), []).append(ref)
    pieces: list[Piece] = []
    position = 0
    for (start, end), rows in sorted(spans.items()):
        if start < position:
            continue  # overlapping places cannot be shown twice
        if start > position:
            pieces.append(Piece(text[position:start]))
        pieces.append(Piece(text[start:end], rows))
        position = end
    if position < len(text):
        pieces.append(Piece(text[position:]))
    return pieces


def basis_citations(refs: list[QuestionCitation]) -> list[Piece]:
    """The legal basis's citations one per place (a range's rows together), for a list row."""
    spans: dict[tuple[int, int], Piece] = {}
    for ref in refs:
        if ref.source == CitationSource.LEGAL_BASIS:
            spans.setdefault((ref.start, ref.end), Piece(ref.text)).refs.append(ref)
    return [spans[key] for key in sorted(spans)]


def mentions(refs: list[QuestionCitation]) -> list[QuestionCitation]:
    """Articles the stem, options or explanation name that point at the catalogue."""
    return [r for r in refs if r.source != CitationSource.LEGAL_BASIS and r.is_linked]


def register(app: Flask) -> None:
    app.add_template_global(basis_pieces, "basis_pieces")
    app.add_template_global(basis_citations, "basis_citations")
    app.add_template_global(article_url, "article_url")
    app.add_template_global(mentions, "cited_mentions")
    app.add_template_global(reason, "citation_reason")
    app.add_template_global(KIND_NAMES, "LAW_KINDS")
    app.add_template_global(STATUS_REASONS, "STATUS_REASONS")
