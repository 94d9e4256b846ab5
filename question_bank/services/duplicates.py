"""Duplicate detection (查重, domain.md §3, case C-21): which live question a new or edited one
repeats or resembles, and how alike they are.

A question is compared by what a candidate reads, its stem and options
(:func:`question_bank.text.content_text`): a generic stem ("下列说法正确的是：") with other options
is another question; the same stem and options in another order, or with other punctuation, width
or spacing, is a repeat (similarity 100, the same ``QuestionVersion.fingerprint``). It is compared
with the published version and the current (newest) version of every question that is not retired:
a published question whose revision waits in review is still drawn by papers in its published
wording, so a new question repeating that wording is a repeat though no current version holds it.

Near-duplicates, a few characters apart and answering alike, are found through the locality-sensitive hash keys of
:mod:`question_bank.similarity`, stored per version in ``near_duplicate_band``: one indexed lookup
gives the few versions worth comparing, and only those are compared exactly (rapidfuzz). Each
version's keys are written with it (:func:`index_versions`). Questions alike in text but not in
answer (a templated stem, the same options, another one right) are not near-duplicates
(``similarity.answers_alike``).

A changed answer is not a repeat. The fingerprint stays the stem and the options (what a
candidate reads: no paper may hold two questions with it), but a text with the same fingerprint
whose answer or type differs from the question it matches (a key corrected from 对 to 错, ABCD
to ABC, a 单选 made 多选) is the author's correction, not a copy: :attr:`Resemblance.changed`
says so, carrying both answers and types for the report, which says them as one sentence naming
each side by its place and what to do ("row 3 has the same stem and options as question 12 in the
bank but another answer: question 12 in the bank has 对, row 3 has 错. Check which is right …",
``templates/bank/_question.html``). An import never skips such a row as a repeat and a reviewer's
"leave out every flagged repeat" never leaves it out (``review.flagged_repeats``); it is listed
apart. Answers are compared by the right options' texts, so the same key under another option
order is the same answer.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, Integer, delete, func, insert, or_, select
from sqlalchemy.orm import Session

from question_bank.models import NearDuplicateBand, Question, QuestionVersion
from question_bank.services.near_candidates import (KEYS_PER_QUERY, answers_of, candidates, int_array,
                                                    live_version_condition, texts_of)
from question_bank.similarity import NEAR_DUPLICATE_MIN, Answer, answers_alike, band_keys, similarity
from question_bank.text import PART_SEPARATOR, content_text, meaningful
from question_bank.types.choice import LETTERS



@dataclass(frozen=True)
class Keyed:
    """What a text's answer is compared by when its stem and options match another's: ``qtype``
    (a registry name such as ``"single_choice"``), ``answer`` (:func:`answer_of`) and ``shown``,
    the key as the author wrote it for a report ("对", "ABC", :func:`shown_key`)."""

    qtype: str
    answer: Answer | None
    shown: str


@dataclass(frozen=True)
class AnswerChange:
    """Same stem and options, another answer or type: the matched question's (``bank_*``, or the
    earlier text's of the same batch) and the new text's (``file_*``) type and key as shown."""

    bank_type: str
    bank_answer: str
    file_type: str
    file_answer: str

    def as_dict(self) -> dict[str, str]:
        """The change as a batch report stores it (JSON)."""
        return {"bank_type": self.bank_type, "bank_answer": self.bank_answer,
                "file_type": self.file_type, "file_answer": self.file_answer}


@dataclass(frozen=True)
class Resemblance:
    """The question a text resembles most: ``question_id`` (or, within one batch of new texts,
    ``earlier`` the index of an earlier text of the batch and ``question_id`` None) and
    ``similarity`` in percent (100: the same stem and options). ``changed``: set when the stem
    and options are the same but the answer or the type is not (see the module): no repeat."""

    similarity: int
    question_id: int | None = None
    earlier: int | None = None
    changed: AnswerChange | None = None

    @property
    def is_repeat(self) -> bool:
        """A true repeat: the same stem and options, and not a changed answer."""
        return self.similarity == 100 and self.changed is None


def shown_key(key: Any) -> str:
    """A key as an author writes it, for a report: 对 / 错, letters ("ABC"), blanks joined with
    "；" (alternatives with "/"), a text key as it is; "" for none."""
    if isinstance(key, bool):
        return "对" if key else "错"
    if isinstance(key, list) and all(isinstance(k, str) and k in LETTERS for k in key):
        return "".join(key)
    if isinstance(key, list):
        return "；".join("/".join(str(a) for a in blank) if isinstance(blank, list) else str(blank)
                        for blank in key)
    return "" if key is None else str(key)


def keyed(qtype: str, options: Sequence[str], key: Any, content: str | None = None) -> Keyed:
    """A text's :class:`Keyed` from its type, options and key (``content`` as for :func:`answer_of`)."""
    return Keyed(qtype, answer_of(options, key, content), shown_key(key))


def answer_change(bank: Keyed | None, new: Keyed | None) -> AnswerChange | None:
    """How ``new`` answers otherwise than ``bank`` though their stem and options are the same: the
    types differ, or the right options' texts (choice) or the answers differ; None when they
    agree or either is unknown."""
    if bank is None or new is None:
        return None
    same_answer = (bank.answer is None or new.answer is None
                   or sorted(bank.answer.right) == sorted(new.answer.right))
    if bank.qtype == new.qtype and same_answer:
        return None
    return AnswerChange(bank.qtype, bank.shown, new.qtype, new.shown)


def version_content(version: QuestionVersion) -> str:
    """A version's content text (:func:`question_bank.text.content_text`)."""
    return content_text(version.stem, version.options or [])


def answer_of(options: Sequence[str], key: Any, content: str | None = None) -> Answer | None:
    """A question's answer as duplicate detection compares it (:class:`~question_bank.similarity.Answer`):
    the right options of a choice question (key: letters), 对 / 错, each blank's first accepted
    answer, the reference answer; None for a key of another shape. ``content``, the question's
    content text when the caller has it, saves folding every option again (its options are
    folded already; only the right ones are folded here)."""
    if isinstance(key, bool):
        return Answer((), ("对" if key else "错",))
    if isinstance(key, str):
        return Answer((), (meaningful(key),) if meaningful(key) else ())
    if isinstance(key, list) and key and all(isinstance(k, str) and k in LETTERS for k in key) and options:
        folded = tuple((content or content_text("", options)).split(PART_SEPARATOR)[1:])
        return Answer(folded, tuple(meaningful(options[LETTERS.index(k)]) for k in key
                                    if LETTERS.index(k) < len(options)))
    if isinstance(key, list) and all(isinstance(blank, list) and blank for blank in key):
        return Answer((), tuple(meaningful(str(blank[0])) for blank in key))
    return None


def index_versions(session: Session, versions: Sequence[QuestionVersion], *, replace: bool = False,
                   keys: Sequence[Sequence[int]] | None = None) -> None:
    """Write the LSH keys of ``versions`` (flushed: they have ids) in one multi-row insert.
    ``replace`` first removes their old keys: for a version whose content was changed in place
    (one no attempt has used yet). ``keys``: the versions' keys when the caller has just computed
    them (:func:`find_resemblances` did, for the same contents). Flushes, never commits."""
    if not versions:
        return
    if replace:
        session.execute(delete(NearDuplicateBand).where(
            NearDuplicateBand.question_version_id.in_([v.id for v in versions])))
    if keys is None:
        keys = band_keys([version_content(v) for v in versions])
    index_version_ids(session, [version.id for version in versions], keys)


def index_version_ids(session: Session, version_ids: Sequence[int], keys: Sequence[Sequence[int]]) -> None:
    """Write the LSH ``keys`` of the versions ``version_ids`` (new ones: no keys yet), in one
    multi-row insert of the table itself (no ORM bookkeeping). Flushes, never commits."""
    # A key repeated within one version's bands is one row (the primary key is key and version).
    rows = {(key, version_id) for version_id, version_keys in zip(version_ids, keys) for key in version_keys}
    if not rows:
        return
    session.flush()  # the versions first, as the session's own statements would
    table = NearDuplicateBand.__table__
    if session.get_bind().dialect.name == "postgresql":
        # Two array parameters, unnested by the server: a part's 10,000 keys as a multi-row
        # insert were a statement of 20,000 placeholders for the driver to parse, a tenth of an
        # import's time.
        written_keys, owners = zip(*rows)
        session.connection().execute(insert(table).from_select(
            ["band_key", "question_version_id"],
            select(func.unnest(int_array(written_keys, BigInteger)), func.unnest(int_array(owners, Integer)))))
        return
    session.connection().execute(insert(table), [{"band_key": k, "question_version_id": v} for k, v in rows])


def find_resemblances(session: Session, contents: Sequence[str], *, exclude_question: int | None = None,
                      within: bool = True, answers: Sequence[Answer | None] | None = None,
                      keys: Sequence[Sequence[int]] | None = None,
                      keyed_texts: Sequence[Keyed | None] | None = None) -> list[Resemblance | None]:
    """For each content text, the live question it repeats or resembles most, at least
    :data:`~question_bank.similarity.NEAR_DUPLICATE_MIN` percent alike, or None.

    Live: not retired; compared: its published and its current version. With ``within`` (an
    import, a batch of new questions) a text is also compared with the earlier texts of
    ``contents``, and may resemble one of them (``Resemblance.earlier``) when no question in the
    bank is as alike. ``exclude_question`` leaves out a question (the one being edited). Ties go
    to the question in the bank, then to the oldest. A few indexed queries however many texts.

    ``answers`` (:func:`answer_of`, one per text), when given, keep a text from resembling a
    question that answers otherwise; a repeat (the same stem and options) is a repeat whatever
    its key. ``keys``: the texts' LSH keys (``similarity.band_keys``) when the caller computed them.

    ``keyed_texts`` (:func:`keyed`, one per text), when given, mark a match with the same stem and
    options but another answer or type as :attr:`Resemblance.changed` (no repeat); at equal
    similarity a true repeat is preferred to a changed answer.

    The candidates are read in two steps: their content texts (the stored
    ``QuestionVersion.content_text``, not their stems and options folded again), then the type,
    options and key of those whose answers can decide which is the most alike question that
    answers alike (:func:`_best_in_bank`: mostly one per text)."""
    if not contents:
        return []
    if keys is None:
        keys = band_keys(contents)
    compared = candidates(session, keys, exclude_question)
    texts = texts_of(session, {version for versions in compared for version in versions})
    alike = [[similarity(text, texts[version][1]) for version in versions]
             for text, versions in zip(contents, compared)]
    mine = list(answers) if answers is not None else [None] * len(contents)
    own: list[Keyed | None] = list(keyed_texts) if keyed_texts is not None else [None] * len(contents)
    in_bank = _best_in_bank(session, compared, alike, texts, mine, own)
    earlier_by_key: dict[int, list[int]] = defaultdict(list)
    found: list[Resemblance | None] = []
    for index, (text, text_keys) in enumerate(zip(contents, keys)):
        best = in_bank[index]
        if within:
            for earlier in sorted({i for key in text_keys for i in earlier_by_key.get(key, ())}):
                candidate = _with_change(Resemblance(similarity(text, contents[earlier]), earlier=earlier),
                                         own[index], lambda: own[earlier])
                if _better(candidate, best) and _same_question(candidate, mine[index], lambda: mine[earlier]):
                    best = candidate
            for key in text_keys:
                earlier_by_key[key].append(index)
        found.append(best if best is not None and best.similarity >= NEAR_DUPLICATE_MIN else None)
    return found


def _best_in_bank(session: Session, compared: list[list[int]], alike: list[list[int]],
                  texts: dict[int, tuple[int, str]], mine: list[Answer | None],
                  own: list[Keyed | None]) -> list[Resemblance | None]:
    """For each text, the question of the bank it resembles most (:func:`find_resemblances`' rules,
    at least :data:`~question_bank.similarity.NEAR_DUPLICATE_MIN` alike) or None: its candidate
    versions ``compared`` with their similarities ``alike`` (``texts``: version id → question id
    and content text), ``mine`` and ``own`` the texts' answers and keyed forms. A candidate's
    type, options and key are read only when they can decide: those of every repeat (similarity
    100, for a changed answer), otherwise of the near-duplicates from the most alike down, until
    one answers alike, in rounds of one statement each (1, 4, 16 … more per text). Reading them
    for every candidate 85 % alike, some thirty per text for an import of variants, was a tenth
    of an import's time."""
    answered: dict[int, tuple[str, list[str], Any]] = {}
    found: list[Resemblance | None] = [None] * len(compared)
    unresolved, step = list(range(len(compared))), 1
    while unresolved:
        wanted: set[int] = set()
        still = []
        for index in unresolved:
            best, needed = _bank_choice(compared[index], alike[index], texts, mine[index], own[index], answered, step)
            if needed:
                wanted |= needed
                still.append(index)
            else:
                found[index] = best
        answered.update(answers_of(session, wanted))
        if not wanted <= answered.keys():
            raise LookupError(f"question versions gone while compared: {sorted(wanted - answered.keys())}")
        unresolved, step = still, step * 4
    return found


def _bank_choice(versions: list[int], figures: list[int], texts: dict[int, tuple[int, str]], mine: Answer | None,
                 own: Keyed | None, answered: dict[int, tuple[str, list[str], Any]],
                 step: int) -> tuple[Resemblance | None, set[int]]:
    """One text's :func:`_best_in_bank` with the answers read so far: (the resemblance or None,
    nothing more needed), or (None, the versions whose answers must be read first, at most
    ``step`` near-duplicates). The choice is the one a walk over every candidate with
    :func:`_better` and :func:`_same_question` makes: any repeat beats any near-duplicate, repeats
    are ranked by :func:`_better` in ``versions``' order, and near-duplicates by similarity, then
    the older question, then ``versions``' order, the first answering alike winning."""
    repeats = [version for version, figure in zip(versions, figures) if figure == 100]
    if repeats:
        # Only a text's own keyed form asks for a repeat's answer (a changed answer or not).
        missing = {version for version in repeats if version not in answered} if own is not None else set()
        if missing:
            return None, missing
        best: Resemblance | None = None
        for version in repeats:
            question_id, other = texts[version]
            candidate = _with_change(Resemblance(100, question_id=question_id), own,
                                     lambda: keyed(*answered[version], other))
            if _better(candidate, best):
                best = candidate
        return best, set()
    near = sorted((-figure, texts[version][0], place, version) for place, (version, figure)
                  in enumerate(zip(versions, figures)) if NEAR_DUPLICATE_MIN <= figure < 100)
    for position, (figure, question_id, _, version) in enumerate(near):
        if version not in answered:
            return None, {later for _, _, _, later in near[position:position + step] if later not in answered}
        if answers_alike(mine, answer_of(*answered[version][1:], texts[version][1])):
            return Resemblance(-figure, question_id=question_id), set()
    return None, set()


def _with_change(candidate: Resemblance, new: Keyed | None, other: Callable[[], Keyed | None]) -> Resemblance:
    """``candidate`` with :attr:`Resemblance.changed` set when it has the same stem and options as
    ``new`` but answers otherwise (``other`` gives the matched text's, asked only then)."""
    if candidate.similarity != 100 or new is None:
        return candidate
    change = answer_change(other(), new)
    return candidate if change is None else Resemblance(100, candidate.question_id, candidate.earlier, change)


def _same_question(candidate: Resemblance, first: Answer | None, second: Callable[[], Answer | None]) -> bool:
    """Whether a resemblance counts: a repeat always, a near-duplicate when the answers agree
    (``second`` gives the other's answer, asked only then). The same stem and options always
    count, a changed answer included: it is flagged as one, never hidden."""
    return candidate.similarity < NEAR_DUPLICATE_MIN or candidate.similarity == 100 or answers_alike(first, second())


def _better(candidate: Resemblance, best: Resemblance | None) -> bool:
    """Whether ``candidate`` beats ``best``: more alike; at equal similarity a question in the bank
    beats a text of the batch, a true repeat beats a changed answer, and the older (smaller id, earlier index) beats the newer."""
    if best is None or candidate.similarity != best.similarity:
        return best is None or candidate.similarity > best.similarity
    if (candidate.changed is None) != (best.changed is None):
        return candidate.changed is None  # a true repeat says more than a changed answer
    if (candidate.question_id is None) != (best.question_id is None):
        return candidate.question_id is not None
    if candidate.question_id is not None:
        return candidate.question_id < best.question_id
    return candidate.earlier < best.earlier


def same_content(session: Session, fingerprints: Sequence[str], keyed_texts: Sequence[Keyed | None], *,
                 exclude_batch: int | None = None) -> list[Resemblance | None]:
    """For each fingerprint (``text.content_fingerprint``: the same stem and options), the live
    question holding it, found through the indexed ``QuestionVersion.fingerprint`` column, as a
    :class:`Resemblance` of 100 (``changed`` set when its answer or type differs from the text's
    :class:`Keyed` in ``keyed_texts``), or None. At several, a true repeat is preferred to a
    changed answer, then the oldest question. ``exclude_batch``: the questions of this import
    batch are not the bank (an import written a part at a time). One indexed query per
    :data:`KEYS_PER_QUERY` fingerprints; nothing of the bank is read but the matches."""
    holders: dict[str, list[tuple[int, str, list[str], Any, str]]] = defaultdict(list)
    wanted = sorted(set(fingerprints))
    for start in range(0, len(wanted), KEYS_PER_QUERY):
        query = (select(QuestionVersion.fingerprint, Question.id, QuestionVersion.stem, QuestionVersion.options,
                        QuestionVersion.key, QuestionVersion.qtype)
                 .join(Question, Question.id == QuestionVersion.question_id)
                 .where(QuestionVersion.fingerprint.in_(wanted[start:start + KEYS_PER_QUERY]),
                        *live_version_condition()))
        if exclude_batch is not None:
            query = query.where(or_(Question.import_batch_id.is_(None), Question.import_batch_id != exclude_batch))
        for fingerprint, question_id, stem, options, key, qtype in session.connection().execute(query):
            holders[fingerprint].append((question_id, stem, options or [], key, qtype))
    found: list[Resemblance | None] = []
    for fingerprint, own in zip(fingerprints, keyed_texts):
        best: Resemblance | None = None
        for question_id, stem, options, key, qtype in holders.get(fingerprint, ()):
            candidate = _with_change(Resemblance(100, question_id=question_id), own,
                                     lambda: keyed(qtype, options, key, content_text(stem, options)))
            if _better(candidate, best):
                best = candidate
        found.append(best)
    return found
