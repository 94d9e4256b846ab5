"""How well the bank's citations resolve against the law catalogue: the demo bank and each file
of ``../shared/datasets/bank-files``, imported as an editor would, with all eleven laws loaded;
and the citation table of the tests (tests/question_bank/test_citation_parsing.py).

    .venv/bin/python -m bench.citation_rates

For each file: citations written in the 法律依据 column and how many resolved, then articles the
stems, options and explanations name ("mentions") and how many point at the catalogue, with the
unresolved ones grouped by reason and law (most frequent first), so the main causes can be read
off: laws the catalogue does not hold (old 民法通则, 合同法, 物权法 …; 民事诉讼法 …) and article
numbers of older versions.
"""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from pathlib import Path

from sqlalchemy import select

from examsvc import database
from examsvc.demo.loader import DEMO_BANK
from question_bank.clock import SystemClock
from question_bank.db import make_engine, make_session_factory
from question_bank.formats.citations import law_key, parse_citations
from question_bank.models import CitationSource, Question, Role, UnitLevel
from question_bank.services import citing, importing, law_catalogue, people
from question_bank.services.citing import local_day
from question_bank.services.law_index import LawIndex

SHARED = Path(os.environ.get("EXAMSVC_SHARED_DIR") or Path(__file__).resolve().parents[1].parent / "shared")
BANK_FILES = SHARED / "datasets" / "bank-files"
CLOCK = SystemClock()


def _file_rates(db, editor, path: Path) -> None:
    report = importing.import_questions(db, CLOCK, editor, path.name, path.read_bytes(), importing.VALID_ONLY,
                                        importing.KEEP_REPEATS)
    assert report.batch is not None, report.errors[:3]
    versions = db.scalars(select(Question.current_version_id).where(Question.import_batch_id == report.batch.id)).all()
    rows = [row for refs in citing.refs_of(db, list(versions)).values() for row in refs]
    basis = [r for r in rows if r.source == CitationSource.LEGAL_BASIS]
    mentions = [r for r in rows if r.source != CitationSource.LEGAL_BASIS]
    clean = sum(1 for r in basis if not r.needs_attention)
    linked = sum(1 for r in mentions if r.is_linked)
    print(f"== {path.name}: {report.imported} questions imported")
    print(f"  法律依据 column: {clean} of {len(basis)} citations resolved ({_rate(clean, len(basis))})")
    print(f"  articles named in the question texts: {linked} of {len(mentions)} point at the catalogue "
          f"({_rate(linked, len(mentions))}), in {len({r.question_version_id for r in mentions})} questions")
    reasons = Counter((str(r.status), law_key(r.law_title) or "—") for r in basis + mentions if r.needs_attention)
    for (status, law), count in reasons.most_common(12):
        print(f"    {count:>4} × {status:<20} {law}")


def _rate(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f} %" if whole else "n/a"


def _table_rate(db) -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.question_bank.test_citation_parsing import TABLE

    index = LawIndex(db)
    today = local_day(CLOCK.now())
    parsed = expected = resolved = 0
    reasons: Counter[str] = Counter()
    for text, wanted, unparsed in TABLE:
        found = parse_citations(text)
        shapes = [(law_key(c.law), c.year, c.article, c.through, c.paragraph, c.item) for c in found.citations]
        expected += len(wanted)
        parsed += sum(1 for shape, want in zip(shapes, wanted) if shape == want) if len(shapes) == len(wanted) else 0
        for citation in found.citations:
            statuses = {r.status for r in index.resolve(citation, today)}
            if statuses == {"resolved"}:
                resolved += 1
            else:
                reasons[", ".join(sorted(statuses)) + " " + law_key(citation.law)] += 1
    print(f"== citation table ({len(TABLE)} spellings, {expected} citations)")
    print(f"  read as expected: {parsed} of {expected} ({_rate(parsed, expected)})")
    print(f"  resolved against the eleven laws: {resolved} of {expected} ({_rate(resolved, expected)})")
    for reason, count in reasons.most_common():
        print(f"    {count:>3} × {reason}")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'rates.db'}")
        database.upgrade(engine)
        people.PASSWORD_METHOD = "scrypt:1024:8:1"
        with make_session_factory(engine)() as db:
            outcome = law_catalogue.load_folder(db, CLOCK, None, SHARED / "datasets" / "laws-lawrefbook")
            assert not outcome.problems
            unit = people.create_unit(db, CLOCK, "某省", UnitLevel.PROVINCE)
            editor = people.create_user(db, CLOCK, None, username="editor", display_name="编辑", password="x" * 10,
                                        unit=unit, roles=[Role.BANK_EDITOR])
            for path in [DEMO_BANK, *sorted(BANK_FILES.glob("*.xlsx")), *sorted(BANK_FILES.glob("*.csv"))]:
                _file_rates(db, editor, path)
            _table_rate(db)
            db.rollback()
        engine.dispose()


if __name__ == "__main__":
    main()
