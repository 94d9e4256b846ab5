"""Substring search in the folded text columns of question versions, through an index on both
databases (read-only).

``QuestionVersion.search_text`` (stem and options) and ``search_basis`` (legal basis) hold text
folded by ``text.search_fold``, each part ending with a line break. A folded query matches where
it is a literal substring of a column (``%`` and ``_`` are ordinary characters).

- PostgreSQL: ``LIKE '%…%'`` served by GIN trigram indexes (pg_trgm, made by the migration). pg_trgm
  draws no trigram from a query of one or two characters; on ``search_text`` such a query is
  looked up in a GIN index of each text's distinct characters and character pairs (the function
  ``search_pieces``, revision 5e1f0a7c3b28), then tested exactly. On ``search_basis`` (short
  texts, filtered seldom) it is a scan (``strpos``).
- SQLite: ``question_search``, an FTS5 table with the trigram tokenizer over both columns (external
  content: it stores no copy of the text; triggers made by the migration keep it in step with
  ``question_version``). A query of three characters or more is a ``GLOB`` on it, which FTS5
  answers from the index. FTS5 cannot look up two characters, which Chinese search needs most
  ("听证", "罚款"): the index's vocabulary (``question_search_terms``) gives the trigrams that start
  with them, in term order, and since every two characters of a column are followed by a third
  (the line break at the end of each part), the rows holding any of those trigrams are all the
  rows holding the two characters; the exact test then keeps the true matches. A single
  character is looked for by scanning.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Text, cast, false, func, literal_column, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import InstrumentedAttribute, Session

from question_bank.models import QuestionVersion

#: Trigrams an OR query of the two-character lookup may hold; beyond, the column is scanned.
MAX_TRIGRAMS = 300


def contains(session: Session, column: InstrumentedAttribute[str], folded: str) -> ColumnElement[bool]:
    """SQL condition: ``column`` (``QuestionVersion.search_text`` or ``search_basis``) holds the
    folded query ``folded`` (not empty) as a substring."""
    exact = column.contains(folded, autoescape=True)
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql" and len(folded) < 3:
        # pg_trgm draws no trigram from one or two characters and would read the whole index
        # (about a second on 100,000 questions); a plain scan with strpos is several times faster,
        # and the index of pieces faster still (a 2-character query: ~290 ms → ~5 ms measured).
        found = func.strpos(column, folded) > 0
        if column.key != "search_text":
            return found
        pieces = cast(postgresql.array([folded]), postgresql.ARRAY(Text))  # text[], as the index holds
        return func.search_pieces(column).op("@>")(pieces) & found
    if dialect != "sqlite" or len(folded) < 2:
        return exact
    if len(folded) >= 3:
        # GLOB, not LIKE: FTS5 answers a LIKE from its index only without ESCAPE, which a literal
        # "%" or "_" would need; in GLOB each wildcard is made literal by a one-character class.
        pattern = "*" + "".join(f"[{ch}]" if ch in "*?[" else ch for ch in folded) + "*"
        rows = (select(literal_column("rowid")).select_from(text("question_search"))
                .where(literal_column(column.key).op("GLOB")(pattern)))
        return QuestionVersion.id.in_(rows)
    trigrams = session.scalars(
        text("SELECT term FROM question_search_terms WHERE term >= :low AND term < :high LIMIT :limit"),
        {"low": folded, "high": folded + "\U0010ffff", "limit": MAX_TRIGRAMS + 1},
    ).all()
    if not trigrams:
        return false()
    if len(trigrams) > MAX_TRIGRAMS:
        return exact
    match = " OR ".join('"' + term.replace('"', '""') + '"' for term in trigrams)
    rows = select(literal_column("rowid")).select_from(text("question_search")).where(
        text("question_search MATCH :match").bindparams(match=match))
    return QuestionVersion.id.in_(rows) & exact
