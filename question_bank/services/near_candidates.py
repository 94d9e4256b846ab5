"""The candidates of a near-duplicate check (``services.duplicates``, case C-21), read from the
bank: the live versions sharing LSH keys with each new text, ranked (:func:`candidates`), their
stored content texts (:func:`texts_of`) and their types, options and keys (:func:`answers_of`).
Pure reads; what counts as alike, and which candidate a text resembles, is ``services.duplicates``'.

On PostgreSQL a list of ids or keys is one array parameter (``= ANY``), sent as one comma-separated
text (:func:`int_array`); on SQLite :data:`KEYS_PER_QUERY` values per ``IN (…)``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Integer, any_, bindparam, cast, func, or_, select
from sqlalchemy import text as sql_text
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from question_bank.models import NearDuplicateBand, Question, QuestionStatus, QuestionVersion
from question_bank.text import content_text

#: Keys per IN (…) query: well below SQLite's and PostgreSQL's bind-parameter limits.
KEYS_PER_QUERY = 500
#: Versions compared exactly per text at most: those sharing the most keys with it (the likeliest),
#: so that a bank full of variants of one question does not make a check slow.
_CANDIDATES_COMPARED = 50


def live_version_condition():
    """SQL condition on a join of ``QuestionVersion`` and ``Question``: the version is the
    published or the current one of a question that is not retired."""
    return (
        or_(Question.current_version_id == QuestionVersion.id, Question.published_version_id == QuestionVersion.id),
        Question.status != QuestionStatus.RETIRED,
    )


def candidates(session: Session, keys: Sequence[Sequence[int]], exclude_question: int | None) -> list[list[int]]:
    """For each text's LSH ``keys``, the ids of the live versions to compare it with: at most
    :data:`_CANDIDATES_COMPARED`, those sharing the most keys with it first; at equal counts, the
    one sharing an earlier band first, then the older version (the order in which a count of the
    versions holding each key, key by key, meets them). On PostgreSQL the server counts, keeps the
    live ones and ranks them (:func:`_ranked_candidates`); on SQLite the holders of each key are
    read and counted here."""
    if session.get_bind().dialect.name == "postgresql":
        return _ranked_candidates(session, keys, exclude_question)
    holders = _versions_holding(session, {key for text_keys in keys for key in text_keys})
    counted: list[list[tuple[int, int, int]]] = [[] for _ in keys]
    for index, text_keys in enumerate(keys):
        first_band: dict[int, int] = {}
        shared: Counter[int] = Counter()
        for band, key in enumerate(text_keys):
            for version in sorted(holders.get(key, ())):
                first_band.setdefault(version, band)
                shared[version] += 1
        counted[index] = [(version, count, first_band[version]) for version, count in shared.items()]
    live = _live(session, {version for found in counted for version, _, _ in found}, exclude_question)
    return [[version for version, _, _ in sorted(((version, count, band) for version, count, band in found
                                                   if version in live),
                                                  key=lambda item: (-item[1], item[2], item[0]))[:_CANDIDATES_COMPARED]]
            for found in counted]


#: :func:`_ranked_candidates`' statement. ``shared``: per text and version, the keys shared and the
#: first band sharing one; ``live``: which of those versions are live (:func:`live_version_condition`,
#: looked up once per version, not once per text and version, and as one array: the server then
#: reads the versions in the table's order, half the time of looking each up as it comes); then
#: each text's first :data:`_CANDIDATES_COMPARED` in :func:`candidates`' order.
_RANKED_CANDIDATES = sql_text(
    "WITH shared AS MATERIALIZED ("
    " SELECT t.text_index, b.question_version_id AS version_id, count(*) AS shared, min(t.band) AS first_band"
    " FROM unnest(CAST(string_to_array(:indexes, ',') AS integer[]), CAST(string_to_array(:bands, ',') AS integer[]),"
    " CAST(string_to_array(:keys, ',') AS bigint[]))"
    " AS t(text_index, band, band_key)"
    " JOIN near_duplicate_band AS b ON b.band_key = t.band_key"
    " GROUP BY t.text_index, b.question_version_id),"
    " live AS MATERIALIZED ("
    " SELECT v.id FROM question_version AS v JOIN question AS q ON q.id = v.question_id"
    " WHERE v.id = ANY(ARRAY(SELECT DISTINCT version_id FROM shared))"
    " AND (q.current_version_id = v.id OR q.published_version_id = v.id) AND q.status <> :retired"
    " AND q.id IS DISTINCT FROM CAST(:excluded AS integer)),"
    " ranked AS ("
    " SELECT s.text_index, s.version_id, row_number() OVER ("
    " PARTITION BY s.text_index ORDER BY s.shared DESC, s.first_band, s.version_id) AS place"
    " FROM shared AS s JOIN live ON live.id = s.version_id)"
    " SELECT text_index, version_id FROM ranked WHERE place <= :most ORDER BY text_index, place")


def _ranked_candidates(session: Session, keys: Sequence[Sequence[int]],
                       exclude_question: int | None) -> list[list[int]]:
    """PostgreSQL: :func:`candidates` in one statement (:data:`_RANKED_CANDIDATES`; three arrays,
    text, band and key, each sent as a :func:`_joined` text, unnested together): the server counts
    the keys each version shares with each text, keeps the live ones and ranks them, and sends only
    the :data:`_CANDIDATES_COMPARED` kept per text. (Sending every text and version sharing a key,
    some 56,000 rows per 500-row part of an import of variants, and asking which of their 37,000
    versions were live in a second statement, was a quarter of the import's time.)"""
    compared: list[list[int]] = [[] for _ in keys]
    flat = [key for text_keys in keys for key in text_keys]
    if not flat:
        return compared
    rows = session.connection().execute(_RANKED_CANDIDATES, {
        "indexes": _joined(index for index, text_keys in enumerate(keys) for _ in text_keys),
        "bands": _joined(band for text_keys in keys for band in range(len(text_keys))), "keys": _joined(flat),
        "retired": QuestionStatus.RETIRED.value, "excluded": exclude_question, "most": _CANDIDATES_COMPARED})
    for index, version in rows:
        compared[index].append(version)
    return compared


def _live(session: Session, versions: set[int], exclude_question: int | None) -> set[int]:
    """Which of ``versions`` are live (:func:`live_version_condition`), by primary key, without
    the question ``exclude_question``."""
    live: set[int] = set()
    connection = session.connection()
    for chunk in _batches(session, sorted(versions)):
        query = (
            select(QuestionVersion.id).join(Question, Question.id == QuestionVersion.question_id)
            .where(_among(session, QuestionVersion.id, chunk, Integer), *live_version_condition())
        )
        if exclude_question is not None:
            query = query.where(Question.id != exclude_question)
        live.update(connection.scalars(query))
    return live


def _versions_holding(session: Session, keys: set[int]) -> dict[int, list[int]]:
    """Key → ids of the versions holding it (live or not: :func:`_live` tells, as a second
    step by primary key; one query joining both made PostgreSQL hash whole tables)."""
    holding: list[tuple[int, int]] = []
    ordered = sorted(keys)
    # Core, not the ORM's execute: hundreds of thousands of plain pairs come back on a large batch.
    connection = session.connection()
    for chunk in _batches(session, ordered):
        holding.extend(connection.execute(
            select(NearDuplicateBand.band_key, NearDuplicateBand.question_version_id)
            .where(_among(session, NearDuplicateBand.band_key, chunk, BigInteger))
        ).all())
    holders: dict[int, list[int]] = defaultdict(list)
    for key, version in holding:
        holders[key].append(version)
    return holders


def _batches(session: Session, values: list[int]) -> list[list[int]]:
    """``values`` cut into the lists one query may look up: all at once on PostgreSQL (one array
    parameter, :func:`_among`), :data:`KEYS_PER_QUERY` at a time on SQLite (one parameter each)."""
    if session.get_bind().dialect.name == "postgresql":
        return [values] if values else []
    return [values[start:start + KEYS_PER_QUERY] for start in range(0, len(values), KEYS_PER_QUERY)]


def _among(session: Session, column, values: list[int], element_type):
    """SQL condition: ``column`` is one of ``values``. On PostgreSQL ``= ANY(array)``, a single
    parameter however many values: a 1,000-row import's 20,000 keys are one indexed query instead
    of forty round trips."""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(int_array(values, element_type))
    return column.in_(values)


def int_array(values: Iterable[int], element_type) -> ColumnElement:
    """PostgreSQL: an array of ``element_type`` (``Integer``, ``BigInteger``) holding ``values``,
    sent as one comma-separated text and split by the server (:func:`_joined`)."""
    return cast(func.string_to_array(bindparam(None, _joined(values)), ","), postgresql.ARRAY(element_type))


def _joined(values: Iterable[int]) -> str:
    """Integers as one comma-separated text, for a statement that reads it as an array with
    ``CAST(string_to_array(:p, ',') AS bigint[])``. psycopg dumps a list parameter element by
    element in Python: a part's 10,000 keys and their version ids, sent three times (ranked,
    read, written), took some 5 % of an import's time; joining them takes a tenth of that."""
    return ",".join(map(str, values))


def texts_of(session: Session, version_ids: set[int]) -> dict[int, tuple[int, str]]:
    """Version id → (question id, content text): the stored ``QuestionVersion.content_text``, or,
    for a version stored without it (NULL), its stem and options folded here."""
    found: dict[int, tuple[int, str]] = {}
    unfolded: list[int] = []
    connection = session.connection()
    for chunk in _batches(session, sorted(version_ids)):
        for vid, qid, text in connection.execute(
                select(QuestionVersion.id, QuestionVersion.question_id, QuestionVersion.content_text)
                .where(_among(session, QuestionVersion.id, chunk, Integer))):
            if text is None:
                unfolded.append(vid)
            else:
                found[vid] = (qid, text)
    for chunk in _batches(session, unfolded):
        found.update((vid, (qid, content_text(stem, options or []))) for vid, qid, stem, options in connection.execute(
            select(QuestionVersion.id, QuestionVersion.question_id, QuestionVersion.stem, QuestionVersion.options)
            .where(_among(session, QuestionVersion.id, chunk, Integer))))
    return found


def answers_of(session: Session, version_ids: set[int]) -> dict[int, tuple[str, list[str], Any]]:
    """Version id → (type, options, key): what :func:`keyed` and :func:`answer_of` read."""
    found: dict[int, tuple[str, list[str], Any]] = {}
    connection = session.connection()
    for chunk in _batches(session, sorted(version_ids)):
        found.update((vid, (qtype, options or [], key)) for vid, qtype, options, key in connection.execute(
            select(QuestionVersion.id, QuestionVersion.qtype, QuestionVersion.options, QuestionVersion.key)
            .where(_among(session, QuestionVersion.id, chunk, Integer))))
    return found
