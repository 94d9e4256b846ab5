"""Loading law texts into the catalogue (domain.md §4), and keeping a law's particulars.

Every text given is read first (:mod:`question_bank.formats.law_text`); texts of the same law and
date are one version (the 民法典's part files are joined, :func:`~question_bank.formats.law_parts.merge_parts`).
Only when every text reads without a problem is anything written, in a savepoint: a file that cannot
be read names its line and why, and nothing is loaded.

A version is a law's text as of the adoption, amendment or revision that made it. Loading the same
text again changes nothing; a new date is a new version with its own articles, and the newest
version is the one in force (the earlier ones ``amended``). Another text for a date already loaded is
refused, naming the articles that differ: a loaded version never changes under the questions that
cite it. After a load, citations that named the law without resolving are resolved again, and a new
newest version holds the live questions citing an article it changed or dropped for law review
(:mod:`question_bank.services.amendments`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from question_bank.analysis.law_changes import compare_articles
from question_bank.clock import Clock
from question_bank.errors import N_, Conflict, InvalidInput, Msg, Place, Problem
from question_bank.field_limits import column_limit, too_long
from question_bank.formats import law_header
from question_bank.formats.citations import law_key
from question_bank.formats.law_files import LawFile, SkippedFile, read_folder
from question_bank.formats.law_parts import content_digest, heading_places, merge_parts
from question_bank.formats.law_text import ParsedLaw, parse_law_file
from question_bank.formats.numerals import article_label
from question_bank.models import (
    Law,
    LawArticle,
    LawHeading,
    LawHistoryEvent,
    LawKind,
    LawVersion,
    Role,
    User,
    VersionStatus,
)
from question_bank.models.laws import item_counts
from question_bank.services import amendments, audit, citing, law_lineage, protection
from question_bank.services.amendments import NOTHING_COMPARED, AmendmentReview
from question_bank.services.law_index import COMMON_ABBREVIATIONS

#: Who may load texts and correct a law's particulars.
LAW_KEEPERS = (Role.LAW_ADMIN, Role.BANK_EDITOR)
_COUNTRY = "中华人民共和国"


@dataclass(frozen=True)
class LoadedVersion:
    """One version a load touched: ``created`` is False when the same text was already there
    (nothing changed); ``law_created`` when the law itself is new."""

    law: Law
    version: LawVersion
    created: bool
    law_created: bool
    #: What the new version did to the questions citing the law (nothing compared unless it is a
    #: new newest version of a law the catalogue held before).
    review: AmendmentReview = NOTHING_COMPARED

    def line(self) -> str:
        """One line for a command's output: title, version date, articles, what happened, and for
        an amendment its article changes and how many questions it held for law review."""
        done = "loaded" if self.created else "already loaded, unchanged"
        summary = self.review.summary()
        return (f"{self.law.title}  {self.version.version_date.isoformat()}  {self.version.article_count} articles  "
                f"({done}{'; ' + summary if summary else ''})")


@dataclass(frozen=True)
class LoadOptions:
    """What the person loading says where the text does not: the kind of document and issuing body
    (for a law new to the catalogue), and the version's date and effective date. A date given
    that contradicts the text's header is a problem, not an override."""

    kind: LawKind | None = None
    issuing_body: str = ""
    version_date: dt.date | None = None
    effective_date: dt.date | None = None


def _may_keep(actor: User | None) -> None:
    """The command line loads as nobody (``actor`` None); a person needs a keeper's role."""
    if actor is not None:
        protection.require_role(actor, *LAW_KEEPERS)


def read_texts(files: list[LawFile]) -> list[ParsedLaw]:
    """Every file read and the texts of one law and date joined into one; raises
    :class:`InvalidInput` with the problems of every file (each naming file and line)."""
    parsed: list[ParsedLaw] = []
    problems: list[Problem] = []
    for file in files:
        try:
            parsed.append(parse_law_file(file.name, file.data))
        except InvalidInput as exc:
            problems.extend(exc.problems)
    groups: dict[tuple[str, dt.date | None], list[ParsedLaw]] = {}
    for text in parsed:
        groups.setdefault((law_key(text.title), law_header.version_date(text.history)), []).append(text)
    merged: list[ParsedLaw] = []
    for group in groups.values():
        try:
            merged.append(merge_parts(group))
        except InvalidInput as exc:
            problems.extend(exc.problems)
    if problems:
        raise InvalidInput(problems)
    return sorted(merged, key=lambda p: (p.title, law_header.version_date(p.history) or dt.date.min))


def load_texts(session: Session, clock: Clock, actor: User | None, files: list[LawFile],
               options: LoadOptions | None = None) -> list[LoadedVersion]:
    """Load law texts (Markdown or plain, one law per file or a law's part files together): one
    :class:`LoadedVersion` per law version, in title and date order. All or nothing: raises
    :class:`InvalidInput` (every problem of every file, by file and line, or a missing date or
    kind) or :class:`Conflict` (another text for a version already loaded), and then nothing is
    written. :class:`PermissionDenied` unless ``actor`` is a law administrator or bank editor
    (``None``: the command line). Audit event ``law.load`` per new version; a new newest version
    holds questions for law review (``amendments.review_new_version``, its outcome in each item's
    ``review``). Flushes, never commits.
    """
    _may_keep(actor)
    options = options or LoadOptions()
    texts = read_texts(files)
    with session.begin_nested():
        loaded = [_load_one(session, clock, actor, text, options) for text in texts]
        for law_id in {item.law.id for item in loaded if item.created}:
            law_lineage.link_same_texts(session, law_id)
        for law in {item.law.id: item.law for item in loaded if item.created}.values():
            citing.resolve_again_for_law(session, law)
        # Versions in date order (read_texts sorts so), so two versions of one law loaded together
        # hold questions against the newer one only.
        loaded = [replace(item, review=amendments.review_new_version(session, clock, actor, item.version))
                  if item.created else item for item in loaded]
    return loaded


@dataclass(frozen=True)
class FolderLoad:
    """What loading a folder did: the versions loaded (or found unchanged), the files left out as
    not law texts, and, when it was refused, the problems (then nothing was loaded)."""

    loaded: list[LoadedVersion]
    skipped: list[SkippedFile]
    problems: list[Problem]

    def lines(self) -> list[str]:
        """The outcome as a command prints it: one line per law version, then the files left out."""
        return [item.line() for item in self.loaded] + [f"skipped {s.name}: {s.reason}" for s in self.skipped]


def load_folder(session: Session, clock: Clock, actor: User | None, folder: Path) -> FolderLoad:
    """Load every law text below ``folder`` (:func:`~question_bank.formats.law_files.read_folder`
    leaves out what is not one) with :func:`load_texts`: all or nothing. A refusal is returned as
    problems, not raised. Raises ``FileNotFoundError`` when the folder does not exist."""
    files, skipped = read_folder(folder)
    try:
        return FolderLoad(load_texts(session, clock, actor, files), skipped, [])
    except InvalidInput as exc:
        return FolderLoad([], skipped, list(exc.problems))
    except Conflict as exc:
        return FolderLoad([], skipped, [Problem(exc.template, exc.params)])


def _dates(text: ParsedLaw, options: LoadOptions) -> tuple[dt.date, dt.date | None]:
    place = Place(file=text.names[0] if text.names else text.name)
    made = law_header.version_date(text.history)
    effective = law_header.effective_date(text.history)
    problems = []
    if made is None and options.version_date is None:
        problems.append(Problem(N_("the text names no date of adoption or amendment: give the version's date"), place=place))
    elif made is not None and options.version_date not in (None, made):
        problems.append(Problem(N_("the text says its version is of %(text_date)s, not %(given)s"),
                                {"text_date": made.isoformat(), "given": options.version_date.isoformat()}, place))
    if effective is not None and options.effective_date not in (None, effective):
        problems.append(Problem(N_("the text says it took effect on %(text_date)s, not %(given)s"),
                                {"text_date": effective.isoformat(), "given": options.effective_date.isoformat()}, place))
    if problems:
        raise InvalidInput(problems)
    return (made or options.version_date), (effective or options.effective_date)  # type: ignore[return-value]


def _load_one(session: Session, clock: Clock, actor: User | None, text: ParsedLaw, options: LoadOptions) -> LoadedVersion:
    made, effective = _dates(text, options)
    digest = content_digest(text)
    law = session.scalar(select(Law).where(Law.title_key == law_key(text.title)))
    law_created = law is None
    if law is None:
        law = _new_law(session, clock, text, options)
    existing = session.scalar(select(LawVersion).where(LawVersion.law_id == law.id, LawVersion.version_date == made))
    if existing is not None:
        if existing.text_digest == digest:
            return LoadedVersion(law, existing, created=False, law_created=False)
        changes = compare_articles(existing.articles, [_Plain(a.number, a.suffix, "\n".join(a.lines)) for a in text.articles])
        differing = changes.changed + changes.removed + changes.added
        raise Conflict(N_("A different text of %(title)s of %(date)s is already loaded (%(n)d articles differ, "
                          "such as %(articles)s). A loaded version is never changed: load an amended text "
                          "with its own date."), title=law.title, date=made.isoformat(), n=len(differing),
                       articles="、".join(article_label(*key) for key in differing[:5]) or "—")
    version = LawVersion(law=law, version_date=made, effective_date=effective, text_digest=digest,
                         article_count=len(text.articles), source="、".join(text.names or [text.name])[:2000],
                         loaded_by_id=actor.id if actor else None, loaded_at=clock.now())
    session.add(version)
    session.flush()
    _write_text(session, version, text)
    # Read the versions again, in date order, whatever was in memory before this one was added.
    session.expire(law, ["versions"])
    refresh_statuses(law)
    session.flush()
    audit.record(session, clock, actor, "law.load", "law_version", version.id, after={
        "law": law.title, "version_date": made.isoformat(), "articles": version.article_count,
        "source": version.source, "digest": digest})
    return LoadedVersion(law, version, created=True, law_created=law_created)


@dataclass(frozen=True)
class _Plain:
    number: int
    suffix: int
    text: str


def _new_law(session: Session, clock: Clock, text: ParsedLaw, options: LoadOptions) -> Law:
    body, kind = law_header.issuer(text.title, text.history)
    kind = options.kind or kind
    if kind is None:
        raise InvalidInput([Problem(N_("the kind of %(title)s (law, regulation, Party regulation …) cannot be told "
                                       "from its header: choose it"), {"title": text.title},
                                    Place(file=text.names[0] if text.names else text.name))])
    short = text.title[len(_COUNTRY):] if text.title.startswith(_COUNTRY) and len(text.title) > len(_COUNTRY) else text.title
    law = Law(title=text.title, title_key=law_key(text.title), short_title=short, kind=LawKind(kind),
              issuing_body=options.issuing_body or body, aliases=list(COMMON_ABBREVIATIONS.get(law_key(text.title), ())),
              created_at=clock.now())
    session.add(law)
    session.flush()
    return law


def _write_text(session: Session, version: LawVersion, text: ParsedLaw) -> None:
    """Insert the version's history, headings and articles (articles in one multi-row insert)."""
    for position, event in enumerate(text.history, start=1):
        session.add(LawHistoryEvent(law_version_id=version.id, position=position, event_date=event.date,
                                    kind=event.kind, text=event.text))
    rows: list[LawHeading] = []
    for position, (heading, place) in enumerate(zip(text.headings, heading_places(text)), start=1):
        row = LawHeading(law_version_id=version.id, position=position, kind=heading.kind, label=heading.label,
                         number=heading.number, title=heading.title, address=place.address,
                         body="\n".join(heading.body), first_article=place.first_article,
                         last_article=place.last_article,
                         parent=rows[heading.parent] if heading.parent is not None else None)
        rows.append(row)
    session.add_all(rows)
    session.flush()  # a heading too long for its columns is refused here (field_limits), never cut
    too_long_labels = [Problem(N_("the article label %(label)s is longer than %(n)d characters"),
                               {"label": article.label, "n": column_limit(LawArticle, "label")}, "text")
                       for article in text.articles if len(article.label) > column_limit(LawArticle, "label")]
    if too_long_labels:
        raise InvalidInput(too_long_labels)
    session.execute(insert(LawArticle), [
        {"law_version_id": version.id, "position": position, "number": article.number, "suffix": article.suffix,
         "label": article.label, "heading_id": rows[article.heading].id if article.heading is not None else None,
         "text": "\n".join(article.lines), "items_per_paragraph": item_counts(article.lines)}
        for position, article in enumerate(text.articles, start=1)
    ])


def refresh_statuses(law: Law) -> None:
    """The newest version in force (or repealed, with the law), every earlier one amended."""
    versions = sorted(law.versions, key=lambda v: v.version_date)
    for version in versions[:-1]:
        version.status = VersionStatus.AMENDED
    if versions:
        versions[-1].status = VersionStatus.REPEALED if law.repealed_on else VersionStatus.IN_FORCE


@dataclass(frozen=True)
class Particulars:
    """What a keeper may correct about a law: short title, kind, issuing body, other names
    citations use (``aliases``), and the date it was repealed (``None``: in force)."""

    short_title: str
    kind: LawKind
    issuing_body: str
    aliases: list[str]
    repealed_on: dt.date | None


def update_particulars(session: Session, clock: Clock, actor: User, law: Law, new: Particulars) -> None:
    """Correct a law's particulars. The title is not among them: it is how texts find their law.
    A repeal date marks the newest version repealed (a date cleared puts it back in force);
    citations naming a new alias are resolved again. Raises :class:`PermissionDenied` unless the
    actor keeps the catalogue, :class:`InvalidInput` for an empty short title or an alias another
    law goes by. Audit event ``law.update`` with before and after. Flushes, never commits."""
    _may_keep(actor)
    problems = []
    if not new.short_title.strip():
        problems.append(Problem(N_("the short title is empty"), place="short_title"))
    aliases = sorted({a.strip() for a in new.aliases if a.strip()})
    others = session.scalars(select(Law).where(Law.id != law.id)).all()
    taken = {law_key(n): o.title for o in others for n in [o.title, o.short_title, *(o.aliases or [])]}
    for alias in aliases + [new.short_title.strip()]:
        if law_key(alias) in taken:
            problems.append(Problem(N_("%(name)s already names %(title)s"), {"name": alias, "title": taken[law_key(alias)]},
                                    "aliases"))
    problems.extend(too_long(Law, {"short_title": new.short_title.strip(), "issuing_body": new.issuing_body.strip()}))
    if problems:
        raise InvalidInput(problems)
    before = _particulars_of(law)
    law.short_title, law.kind, law.issuing_body = new.short_title.strip(), new.kind, new.issuing_body.strip()
    law.aliases, law.repealed_on = aliases, new.repealed_on
    refresh_statuses(law)
    session.flush()
    audit.record(session, clock, actor, "law.update", "law", law.id, before=before, after=_particulars_of(law))
    citing.resolve_again_for_law(session, law)


def _particulars_of(law: Law) -> dict:
    return {"short_title": law.short_title, "kind": str(law.kind), "issuing_body": law.issuing_body,
            "aliases": list(law.aliases or []), "repealed_on": law.repealed_on.isoformat() if law.repealed_on else None}


#: The kinds' names, for messages and pages.
KIND_NAMES = {
    LawKind.CONSTITUTION: Msg(N_("Constitution")), LawKind.LAW: Msg(N_("National law")),
    LawKind.ADMINISTRATIVE_REGULATION: Msg(N_("Administrative regulation")),
    LawKind.SUPERVISORY_REGULATION: Msg(N_("Supervisory regulation")),
    LawKind.LOCAL_REGULATION: Msg(N_("Local regulation")),
    LawKind.AUTONOMOUS_REGULATION: Msg(N_("Autonomous or separate regulation")),
    LawKind.DEPARTMENTAL_RULE: Msg(N_("Departmental rule")), LawKind.LOCAL_GOVERNMENT_RULE: Msg(N_("Local government rule")),
    LawKind.PARTY_REGULATION: Msg(N_("Party regulation")), LawKind.JUDICIAL_INTERPRETATION: Msg(N_("Judicial interpretation")),
    LawKind.OTHER: Msg(N_("Other normative document")),
}
