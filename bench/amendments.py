"""Amendments: comparing the Civil Code (民法典, 1,260 articles) with itself as a new version, and the
whole law-review check a load runs (both versions' articles read, compared, and the live questions
citing the law looked through), on SQLite and PostgreSQL.

    .venv/bin/python -m bench.amendments [--runs 5] [--questions 2000] [--pg URL] [--no-pg]

Goal (issue 11): the amendment comparison of the 民法典 against itself ≤ 2 s. The bench loads the
民法典, writes ``--questions`` published questions citing random articles of it, then loads the same
text as a later version (its header given one more amendment line, so the catalogue holds it as a
new version with every article unchanged) and times, median of ``--runs``:

- ``compare``: ``amendments.compare_versions`` (both versions' articles read from the database and
  compared);
- ``review``: ``amendments.review_new_version`` (what a load runs: the comparison, the citing
  questions, the flags; nothing changed, so it flags nothing);
- ``load``: loading the second version as the command line does, review included (once).
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from bench.laws import LAW_TEXTS
from examsvc import database
from question_bank.clock import SystemClock
from question_bank.db import make_engine, make_session_factory
from question_bank.formats.law_files import LawFile
from question_bank.models import LawReviewFlag, LawVersion, QuestionStatus, Role, UnitLevel
from question_bank.services import amendments, authoring, law_catalogue, people
from question_bank.services.authoring import QuestionDraft

CLOCK = SystemClock()
ADOPTED = "2020年5月28日 第十三届全国人民代表大会第三次会议通过"
#: One more line of history: the same text is then a version of 2026-05-28.
AMENDED = ADOPTED + "\n\n2026年5月28日 第十四届全国人民代表大会常务委员会第二十次会议修正"


def _files(amended: bool) -> list[LawFile]:
    files = []
    for path in sorted((LAW_TEXTS / "民法典").glob("*.md")):
        data = path.read_text(encoding="utf-8")
        files.append(LawFile(f"民法典/{path.name}", (data.replace(ADOPTED, AMENDED) if amended else data).encode()))
    return files


def _run(name: str, url: str, runs: int, questions: int) -> None:
    engine = make_engine(url)
    database.upgrade(engine)
    people.PASSWORD_METHOD = "scrypt:1024:8:1"
    rng = random.Random(11)
    with make_session_factory(engine)() as db:
        first, = law_catalogue.load_texts(db, CLOCK, None, _files(False))
        unit = people.create_unit(db, CLOCK, "某省", UnitLevel.PROVINCE)
        editor = people.create_user(db, CLOCK, None, username="editor", display_name="编辑", password="x" * 8,
                                    unit=unit, roles=[Role.BANK_EDITOR])
        drafts = [QuestionDraft(qtype="single_choice", stem=f"民法典第{n}题（　）", options=["甲", "乙", "丙", "丁"],
                                key=["B"], category_path="民法典", legal_basis=f"《民法典》第{rng.randint(1, 1260)}条")
                  for n in range(questions)]
        authoring.create_questions(db, CLOCK, editor, drafts, status=QuestionStatus.PUBLISHED, check_duplicates=False)
        db.commit()
        started = time.perf_counter()
        second, = law_catalogue.load_texts(db, CLOCK, None, _files(True))
        load_s = time.perf_counter() - started
        db.commit()
        old_id, new_id = first.version.id, second.version.id
        assert second.review.changes is not None and second.review.changes.unchanged == 1260
        assert second.review.citing_questions == questions and second.review.flagged_questions == 0
        compare, review = [], []
        for _ in range(runs):
            db.expire_all()
            started = time.perf_counter()
            changes = amendments.compare_versions(db, old_id, new_id)
            compare.append(time.perf_counter() - started)
            assert changes.unchanged == 1260 and not (changes.changed or changes.removed or changes.added)
            db.expire_all()
            version = db.get(LawVersion, new_id)
            started = time.perf_counter()
            outcome = amendments.review_new_version(db, CLOCK, None, version)
            review.append(time.perf_counter() - started)
            assert outcome.flags == 0
            db.rollback()
        assert db.scalar(select(LawReviewFlag.id)) is None
    engine.dispose()
    print(f"{name}: 民法典 (1,260 articles) against itself as a new version, {questions} questions citing it")
    print(f"  compare_versions (read both, compare)   median {statistics.median(compare):.3f} s  "
          f"max {max(compare):.3f} s   goal ≤ 2 s")
    print(f"  review_new_version (+ citing questions) median {statistics.median(review):.3f} s  "
          f"max {max(review):.3f} s")
    print(f"  loading the second version (parse, insert, review)   {load_s:.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--questions", type=int, default=2000)
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--no-pg", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        _run("SQLite", f"sqlite:///{Path(tmp) / 'amendments.db'}", args.runs, args.questions)
    if args.no_pg:
        return
    admin = create_engine(args.pg, isolation_level="AUTOCOMMIT")
    name = "examsvc_bench_amendments"
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {name}"))
    try:
        _run("PostgreSQL", make_url(args.pg).set(database=name).render_as_string(hide_password=False),
             args.runs, args.questions)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


if __name__ == "__main__":
    main()
