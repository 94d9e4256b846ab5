"""Keeping each question version's citations (``QuestionVersion.law_refs``) in step with its text
and with the catalogue.

When a version is written (created, imported, or edited in place) its legal basis is read
(:func:`~question_bank.formats.citations.parse_citations`) and resolved (:class:`LawIndex`) as of
that day; articles that the stem, options or explanation name (《刑法》第17条规定……) are recorded
too, as mentions, unless the legal basis cites the same article. The text stays exactly as written;
what cannot be resolved is stored with its reason, for the editor to see, and never blocks a save.

When a law is loaded later, citations that named it without success are resolved again
(:func:`resolve_again_for_law`); rows that resolved keep their ids, so flags other code keeps on a
citation stay attached, and a row a law reviewer re-pointed to an amended version's article
(``services.law_review``) keeps that article while its words stay the same.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, joinedload

from question_bank.clock import BEIJING
from question_bank.formats.citations import Citation, find_mentions, law_key, parse_citations
from question_bank.models import (
    CitationSource,
    CitationStatus,
    Law,
    LawArticle,
    LawReviewFlag,
    QuestionCitation,
    QuestionVersion,
    ReviewOutcome,
)
from question_bank.services.law_index import LawIndex, Resolution

#: Statuses that loading a law may change.
_RETRYABLE = (CitationStatus.UNKNOWN_LAW, CitationStatus.VERSION_NOT_LOADED, CitationStatus.NO_SUCH_ARTICLE)
#: Versions per IN (…) query.
_CHUNK = 500


def local_day(moment: dt.datetime) -> dt.date:
    """The date in Beijing of an aware datetime: a question written at 07:00 on 1 January cites
    what was in force that day, although it was still 31 December in UTC."""
    return moment.astimezone(BEIJING).date()


@dataclass(frozen=True)
class FoundCitation:
    """A citation of a version's text with its resolution: what :func:`citations_of` returns."""

    source: CitationSource
    resolution: Resolution


def citations_of(index: LawIndex, version: QuestionVersion, on: dt.date) -> list[FoundCitation]:
    """Every citation of ``version``: its legal basis first (unparsed pieces included, as
    ``unparsed``), then articles its stem, options and explanation mention."""
    found: list[FoundCitation] = []
    parsed = parse_citations(version.legal_basis or "")
    cited: set[tuple[str, tuple[int, int] | None]] = set()
    pieces: list[tuple[int, FoundCitation]] = []
    for citation in parsed.citations:
        for resolution in index.resolve(citation, on):
            pieces.append((citation.start, FoundCitation(CitationSource.LEGAL_BASIS, resolution)))
            cited.add((law_key(citation.law), resolution.article))
    for piece in parsed.unparsed:
        unparsed = Citation(piece.text, piece.start, piece.end, "")
        pieces.append((piece.start, FoundCitation(CitationSource.LEGAL_BASIS, Resolution(unparsed, CitationStatus.UNPARSED))))
    found.extend(item for _, item in sorted(pieces, key=lambda p: p[0]))
    names = index.names()
    for source, text in ((CitationSource.STEM, version.stem), (CitationSource.OPTIONS, "\n".join(version.options or [])),
                         (CitationSource.EXPLANATION, version.explanation)):
        for citation in find_mentions(text or "", names):
            for resolution in index.resolve(citation, on):
                key = (law_key(citation.law), resolution.article)
                if key not in cited:
                    cited.add(key)
                    found.append(FoundCitation(source, resolution))
    return found


def _row(version_id: int, position: int, found: FoundCitation) -> QuestionCitation:
    resolution = found.resolution
    citation = resolution.citation
    number, suffix = resolution.article or (None, 0)
    return QuestionCitation(
        question_version_id=version_id, source=found.source, position=position, start=citation.start,
        end=citation.end, text=citation.text, law_title=citation.law, named_year=citation.year,
        article_number=number, article_suffix=suffix, paragraph=citation.paragraph, item=citation.item,
        status=resolution.status, law_id=resolution.law_id, law_version_id=resolution.version_id,
        article_id=resolution.article_id,
    )


def _same(row: QuestionCitation, new: QuestionCitation) -> bool:
    return all(getattr(row, name) == getattr(new, name) for name in (
        "source", "start", "end", "text", "article_number", "article_suffix", "paragraph", "item", "status",
        "law_id", "law_version_id", "article_id", "named_year"))


def _same_words(row: QuestionCitation, new: QuestionCitation) -> bool:
    """The same words at the same place of the same field (whatever they resolve to)."""
    return all(getattr(row, name) == getattr(new, name) for name in ("source", "start", "end", "text"))


def _repointed(session: Session, row_ids: list[int]) -> set[int]:
    """Those of the citation rows that a law reviewer pointed at a new version's article on
    clearing a law review flag (``services.law_review``): resolving their words again must not undo
    that decision."""
    found: set[int] = set()
    for start in range(0, len(row_ids), _CHUNK):
        found.update(session.scalars(select(LawReviewFlag.citation_id).join(
            QuestionCitation, QuestionCitation.id == LawReviewFlag.citation_id).where(
            LawReviewFlag.citation_id.in_(row_ids[start:start + _CHUNK]),
            LawReviewFlag.outcome == ReviewOutcome.CLEARED,
            LawReviewFlag.cleared_to_article_id == QuestionCitation.article_id)))
    return found


def _origins(session: Session, article_ids: set[int]) -> dict[int, int | None]:
    ids = sorted(article_ids)
    found: dict[int, int | None] = {}
    for start in range(0, len(ids), _CHUNK):
        found.update((a, o) for a, o in session.execute(select(LawArticle.id, LawArticle.text_origin_id)
                                                        .where(LawArticle.id.in_(ids[start:start + _CHUNK]))))
    return found


def record_citations(session: Session, versions: Iterable[QuestionVersion], on: dt.date | None = None,
                     index: LawIndex | None = None, fresh: bool = False) -> None:
    """Bring the citation rows of ``versions`` in step with their text and the catalogue, resolving
    as of ``on`` (default: each version's creation day in Beijing). A row whose citation resolves as
    before, or that a law reviewer re-pointed and whose words are unchanged, is kept (same id); the
    others are replaced. ``fresh``: the versions were just created
    and have no rows yet (saves looking). Reads the catalogue in two queries plus one per law
    version cited, whatever the number of versions. Flushes, never commits."""
    versions = [v for v in versions if v.id is not None]
    if not versions:
        return
    index = index or LawIndex(session)
    existing: dict[int, list[QuestionCitation]] = {v.id: [] for v in versions}
    ids = [] if fresh else list(existing)
    for start in range(0, len(ids), _CHUNK):
        for row in session.scalars(select(QuestionCitation).where(
                QuestionCitation.question_version_id.in_(ids[start:start + _CHUNK]))):
            existing[row.question_version_id].append(row)
    repointed = _repointed(session, [row.id for rows in existing.values() for row in rows])
    wanted_by_version = {version.id: [_row(version.id, position, found) for position, found in enumerate(
        citations_of(index, version, on or local_day(version.created_at)), start=1)] for version in versions}
    origins = _origins(session, {row.article_id for rows in [*existing.values(), *wanted_by_version.values()]
                                 for row in rows if row.article_id is not None})

    def same_provision(row: QuestionCitation, new: QuestionCitation) -> bool:
        """Same words, resolving to an article with the same words as the one the row points at (a
        citation carried forward to a newer version by ``amendments``)."""
        return (_same_words(row, new) and row.article_id is not None and new.article_id is not None
                and origins.get(row.article_id) is not None
                and origins.get(row.article_id) == origins.get(new.article_id))
    for version in versions:
        old = list(existing[version.id])
        for new in wanted_by_version[version.id]:
            kept = next((row for row in old if _same(row, new) or (row.id in repointed and _same_words(row, new))
                         or same_provision(row, new)), None)
            if kept is not None:
                old.remove(kept)
                kept.position = new.position
            else:
                session.add(new)
        for row in old:
            session.delete(row)
    session.flush()


def insert_fresh_citations(session: Session, versions: Iterable[Any], index: LawIndex) -> list[QuestionCitation]:
    """Write the citation rows of versions just created without the ORM (an import's part): in
    multi-row inserts, the rows :func:`record_citations` with ``fresh`` would write. ``versions``:
    anything with the version's ``id``, ``created_at``, ``legal_basis``, ``stem``, ``options`` and
    ``explanation``. Returns the rows written as transient objects (no ids, not in the session), in
    version and position order, for :func:`tally_rows`. Flushes, never commits."""
    rows = [_row(version.id, position, found) for version in versions for position, found in enumerate(
        citations_of(index, version, local_day(version.created_at)), start=1)]
    if rows:
        columns = {c.key for c in QuestionCitation.__mapper__.column_attrs} - {"id"}
        # The table's own insert (attribute and column names are the same), every row with the
        # same values given (``_row``): the ORM's would split the rows into runs by which are None.
        session.flush()
        session.connection().execute(insert(QuestionCitation.__table__),
                                     [{k: v for k, v in vars(row).items() if k in columns} for row in rows])
    return rows


def resolve_again_for_law(session: Session, law: Law) -> int:
    """After ``law`` was loaded (a new law, or a new version): resolve again the citations that
    named it without resolving (unknown law, version or article); returns how many versions'
    citations were looked at. Flushes, never commits."""
    index = LawIndex(session)
    names = index.laws[law.id].names if law.id in index.laws else set()
    rows = session.execute(select(QuestionCitation.question_version_id, QuestionCitation.law_title)
                           .where(QuestionCitation.status.in_(_RETRYABLE)))
    wanted = sorted({version_id for version_id, title in rows if law_key(title) in names})
    for start in range(0, len(wanted), _CHUNK):
        chunk = session.scalars(select(QuestionVersion).where(QuestionVersion.id.in_(wanted[start:start + _CHUNK])))
        record_citations(session, list(chunk), index=index)
    return len(wanted)


@dataclass(frozen=True)
class CitationTally:
    """Citations of some versions: how many were written in legal bases, how many of them resolved
    cleanly, and the others (``unresolved``: rows needing attention, in version order); the same
    for mentions in the question texts."""

    total: int
    resolved: int
    unresolved: list[QuestionCitation]
    mentions: int
    mentions_resolved: int


def tally(session: Session, version_ids: list[int]) -> CitationTally:
    """Count the citations of the versions ``version_ids`` (for an import report)."""
    rows: list[QuestionCitation] = []
    for start in range(0, len(version_ids), _CHUNK):
        rows.extend(session.scalars(select(QuestionCitation).where(
            QuestionCitation.question_version_id.in_(version_ids[start:start + _CHUNK]))
            .order_by(QuestionCitation.question_version_id, QuestionCitation.position)))
    return tally_rows(rows)


def tally_rows(rows: list[QuestionCitation]) -> CitationTally:
    """Count citation rows already at hand (:func:`tally` reads them; :func:`insert_fresh_citations`
    returns them)."""
    basis = [r for r in rows if r.source == CitationSource.LEGAL_BASIS]
    mentions = [r for r in rows if r.source != CitationSource.LEGAL_BASIS]
    return CitationTally(
        total=len(basis), resolved=sum(1 for r in basis if not r.needs_attention),
        unresolved=[r for r in basis if r.needs_attention], mentions=len(mentions),
        mentions_resolved=sum(1 for r in mentions if r.is_linked),
    )


def check_legal_basis(session: Session, text: str, on: dt.date) -> list[Resolution]:
    """How a legal-basis text would resolve today, without storing anything: for the editor's form
    (each :class:`Resolution` says the words, the status and, when linked, the article)."""
    index = LawIndex(session)
    parsed = parse_citations(text)
    found = [r for c in parsed.citations for r in index.resolve(c, on)]
    found += [Resolution(Citation(p.text, p.start, p.end, ""), CitationStatus.UNPARSED) for p in parsed.unparsed]
    return sorted(found, key=lambda r: r.citation.start)


def refs_of(session: Session, version_ids: list[int]) -> dict[int, list[QuestionCitation]]:
    """The citation rows of several versions (a page of the bank), in order, with their laws; one
    query per 500 versions."""
    found: dict[int, list[QuestionCitation]] = {vid: [] for vid in version_ids}
    for start in range(0, len(version_ids), _CHUNK):
        for row in session.scalars(select(QuestionCitation).options(joinedload(QuestionCitation.law))
                                   .where(QuestionCitation.question_version_id.in_(version_ids[start:start + _CHUNK]))
                                   .order_by(QuestionCitation.question_version_id, QuestionCitation.position)):
            found[row.question_version_id].append(row)
    return found
