"""Practice on a 100,000-question bank, on SQLite and PostgreSQL: serving the next question and
checking an answer.

    .venv/bin/python -m bench.practice [--questions 100000] [--runs 50] [--pg URL] [--only sqlite|postgresql]

Goal (issue 11): a practice question served in ≤ 20 ms of server time with a 100,000-question
bank. The bank is built with bulk inserts (COPY on PostgreSQL) in a database made by the
migrations: the eleven laws of ../shared/datasets/laws-lawrefbook loaded as the command line loads
them, then questions of the four machine-marked types and short answers (80 % published, the rest
drafts, in review or retired) over 16 × 3–6 categories, each published version citing one or two
articles of a law (the 民法典 and 刑法 cited most, some laws by only a few hundred questions).
Three sittings are open with their pools held out (one section on a whole law category), one paper
is kept out of practice altogether, and the cadre has 300 questions in their wrong-answer book and a
run with 500 questions answered already.

Timed, each the p50 and p95 of ``--runs`` runs in milliseconds of wall time (the transaction
rolled back after each, so every run draws afresh), and the p50 of this process's CPU time: on a
machine others share, wall time includes waiting for a core, and the CPU time shows the work
itself (on SQLite all of it; on PostgreSQL the server's part runs in its own process). The
machine's load average is printed before and after.

- serve: ``practice.current_item`` (held-out pools read, the next question picked, the item
  stored) and ``practice.question_view`` (what the page shows) for each source;
- check: ``practice.answer`` on a served question (its key checked, the wrong-answer book
  updated, the feedback with the cited articles' text built).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import time
from collections.abc import Callable
from decimal import Decimal

from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine

from bench.bank_search import DEFAULT_PG, bulk, fresh_database, timed
from examsvc import database
from question_bank.clock import SystemClock
from question_bank.db import make_engine, make_session_factory
from question_bank.models import (
    BlueprintSection,
    Category,
    Law,
    LawArticle,
    LawVersion,
    Paper,
    Practice,
    PracticeItem,
    PracticeSource,
    Question,
    QuestionCitation,
    QuestionVersion,
    Sitting,
    User,
    UserRole,
    WrongAnswerEntry,
)
from question_bank.services import law_catalogue, practice
from question_bank.text import content_fingerprint, search_document
from tests.scenarios import right_answer
from tests.shared_data import LAW_TEXTS

CLOCK = SystemClock()
TYPES = [("single_choice", 50), ("multiple_choice", 20), ("true_false", 15), ("fill_blank", 10), ("short_answer", 5)]
SUBJECTS = ["总则", "程序", "责任", "管辖", "证据", "期限"]


def _question(qtype: str, n: int) -> tuple[str, list[str], object]:
    if qtype == "true_false":
        return f"第{n}题：下列说法是否正确？", [], n % 2 == 0
    if qtype == "fill_blank":
        return f"第{n}题：依法应当（　）。", [], [["听证"]]
    if qtype == "short_answer":
        return f"第{n}题：简述理由。", [], "参考答案"
    options = [f"第{n}题选项{c}" for c in "ABCD"]
    return f"第{n}题：下列哪一项正确？", options, ["B"] if qtype == "single_choice" else ["A", "C"]


def build(engine: Engine, count: int) -> dict:
    """Load the laws, fill the bank and the cadre's history; returns ids the timed calls use."""
    rng = random.Random(20261203)
    now = CLOCK.now()
    factory = make_session_factory(engine)
    with factory() as session:
        outcome = law_catalogue.load_folder(session, CLOCK, None, LAW_TEXTS)
        assert not outcome.problems, outcome.problems
        session.commit()
        laws = list(session.scalars(select(Law).order_by(Law.id)))
        articles = {law.id: list(session.execute(
            select(LawArticle.id, LawArticle.number, LawVersion.id).join(LawVersion, LawArticle.law_version_id == LawVersion.id)
            .where(LawVersion.law_id == law.id)).all()) for law in laws}
    # The big codes are cited most; a few laws by only a few hundred questions.
    weights = [40 if len(articles[law.id]) > 400 else 6 if len(articles[law.id]) > 150 else 1 for law in laws]
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO org_unit (id, name, level, path, created_at) VALUES (1, '某省', 'province', '/1/', :t)"),
                     {"t": now})
        bulk(conn, User.__table__, [{"id": n, "username": f"user{n}", "display_name": f"用户{n}", "password_hash": "x",
                                     "org_unit_id": 1, "is_active": True, "session_epoch": 0, "created_at": now}
                                    for n in (1, 2)])
        bulk(conn, UserRole.__table__, [{"user_id": 1, "role": "bank_editor"}, {"user_id": 2, "role": "cadre"},
                                        {"user_id": 1, "role": "exam_admin"}])
        categories = []
        for law in laws:
            top = law.id * 10
            categories.append({"id": top, "name": law.short_title, "parent_id": None, "path": law.short_title})
            for number, subject in enumerate(SUBJECTS[:3 + law.id % 4], start=1):
                categories.append({"id": top + number, "name": subject, "parent_id": top,
                                   "path": f"{law.short_title}/{subject}"})
        bulk(conn, Category.__table__, categories)
        leaves = {law.id: [c["id"] for c in categories if c["parent_id"] == law.id * 10] for law in laws}
        questions, versions, citations = [], [], []
        for n in range(1, count + 1):
            qtype = rng.choices([t for t, _ in TYPES], [w for _, w in TYPES])[0]
            law = rng.choices(laws, weights)[0]
            category = rng.choice(leaves[law.id])
            status = rng.choices(["published", "in_review", "draft", "retired"], [80, 10, 5, 5])[0]
            stem, options, key = _question(qtype, n)
            questions.append({"id": n, "category_id": category, "status": status, "author_id": 1,
                              "created_at": now, "updated_at": now})
            versions.append({"id": n, "question_id": n, "version_no": 1, "qtype": qtype, "category_id": category,
                             "stem": stem, "options": options, "key": key, "pinned_options": [], "rubric": "",
                             "explanation": "依据法条作答。", "difficulty": rng.randrange(1, 6), "tags": [],
                             "legal_basis": f"《{law.title}》", "default_score": None,
                             "fingerprint": content_fingerprint(stem, options),
                             "search_text": search_document(stem, options), "search_basis": "",
                             "created_at": now, "created_by_id": 1, "used_at": None})
            for position, (article_id, number, version_id) in enumerate(rng.sample(articles[law.id], rng.randint(1, 2))):
                citations.append({"question_version_id": n, "source": "legal_basis", "position": position,
                                  "start": 0, "end": 1, "text": f"《{law.title}》第{number}条", "law_title": law.title,
                                  "named_year": None, "article_number": number, "article_suffix": 0, "paragraph": None,
                                  "item": None, "status": "resolved", "law_id": law.id, "law_version_id": version_id,
                                  "article_id": article_id})
        bulk(conn, Question.__table__, questions)
        bulk(conn, QuestionVersion.__table__, versions)
        bulk(conn, QuestionCitation.__table__, citations)
        conn.execute(text("UPDATE question SET current_version_id = id, published_version_id = "
                          "CASE WHEN status IN ('published', 'retired') THEN id END"))
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            for table in ("question", "question_version", "user_account", "category", "org_unit", "question_citation"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
            conn.commit()
    return _history(engine, laws, articles, rng)


def _history(engine: Engine, laws: list[Law], articles: dict, rng: random.Random) -> dict:
    """Open sittings, a paper kept out of practice, the cadre's wrong-answer book and a long run."""
    now = CLOCK.now()
    factory = make_session_factory(engine)
    with factory() as session:
        big = max(laws, key=lambda law: len(articles[law.id]))
        small = min((law for law in laws if len(articles[law.id]) > 20), key=lambda law: session.scalar(
            select(func.count()).select_from(QuestionCitation).where(QuestionCitation.law_id == law.id)))
        for number, (law, excluded) in enumerate([(laws[0], False), (laws[1], False), (laws[2], False), (laws[3], True)]):
            paper = Paper(title=f"试卷{number}", org_unit_id=1, created_by_id=1, created_at=now, updated_at=now,
                          practice_excluded=excluded)
            for position, (qtype, category) in enumerate([("single_choice", law.id * 10), ("true_false", law.id * 10 + 1),
                                                          ("multiple_choice", law.id * 10 + 2)], start=1):
                paper.sections.append(BlueprintSection(position=position, qtype=qtype, count=5, mark=Decimal(5),
                                                       category_id=category, include_subcategories=True))
            session.add(paper)
            session.flush()
            if not excluded:
                session.add(Sitting(title=f"考试{number}", kind="annual", paper_id=paper.id, org_unit_id=1,
                                    opens_at=now - dt.timedelta(hours=1), closes_at=now + dt.timedelta(days=1),
                                    time_limit_s=3600, pass_mark=Decimal(60), excellent_mark=Decimal(90),
                                    created_by_id=1, created_at=now))
        live = list(session.scalars(select(Question.id).where(Question.status == "published").limit(20_000)))
        for question_id in rng.sample(live, 300):
            session.add(WrongAnswerEntry(user_id=2, question_id=question_id, origin="practice", wrong_count=1, streak=0,
                                         first_wrong_at=now, last_wrong_at=now))
        run = Practice(user_id=2, source=PracticeSource.LAW, source_id=big.id, article_ids=[], title=big.short_title,
                       started_at=now)
        session.add(run)
        session.flush()
        cited = list(session.scalars(select(QuestionCitation.question_version_id).where(QuestionCitation.law_id == big.id)
                                     .limit(500)))
        session.add_all(PracticeItem(practice_id=run.id, user_id=2, question_id=v, question_version_id=v, option_order=[],
                                     served_at=now, answered_at=now, response=["A"], correct=False) for v in cited)
        session.commit()
        sample_articles = [a for a, _, _ in rng.sample(articles[big.id], 50)]
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("ANALYZE"))
            conn.commit()
    return {"big_law": big, "small_law": small, "run_id": run.id, "category": big.id * 10,
            "articles": sample_articles}


def _sources(session, facts: dict) -> list[tuple[str, Practice]]:
    cadre = session.get(User, 2)
    made = [
        (f"law {facts['big_law'].short_title}, 500 answered", session.get(Practice, facts["run_id"])),
        (f"law {facts['small_law'].short_title} (fewest questions)",
         practice.start_practice(session, CLOCK, cadre, PracticeSource.LAW, facts["small_law"].id)),
        ("category subtree", practice.start_practice(session, CLOCK, cadre, PracticeSource.CATEGORY, facts["category"])),
        ("50 articles (a study list)", practice.practice_from_articles(session, CLOCK, cadre, facts["articles"], "清单")),
        ("wrong-answer book (300)", practice.start_practice(session, CLOCK, cadre, PracticeSource.WRONG_BOOK)),
    ]
    session.commit()
    return made


def cpu_p50(runs: int, action: Callable[[], object]) -> float:
    """The median CPU time of this process over ``runs`` runs of ``action``, in milliseconds."""
    times = []
    for _ in range(runs):
        started = time.process_time()
        action()
        times.append((time.process_time() - started) * 1000)
    return statistics.median(times)


def run(kind: str, url: str, count: int, runs: int) -> None:
    engine = make_engine(url)
    started = time.perf_counter()
    database.upgrade(engine)
    facts = build(engine, count)
    print(f"\n== {kind}: {count:,} questions built in {time.perf_counter() - started:.0f} s; "
          f"load average {os.getloadavg()[0]:.1f} ==")
    print(f"{'serve the next question':44} {'p50 ms':>8} {'p95 ms':>8} {'cpu ms':>8} {'offered':>8}")
    with make_session_factory(engine)() as session:
        cadre = session.get(User, 2)
        for name, source in _sources(session, facts):
            offered = practice.practice_pool.available_count(session, source, CLOCK.now())

            def serve(source=source):
                item = practice.current_item(session, CLOCK, cadre, source)
                practice.question_view(item)
                session.rollback()

            p50, p95 = timed(runs, serve)
            print(f"{name:44} {p50:8.1f} {p95:8.1f} {cpu_p50(runs, serve):8.1f} {offered:8,}")
        law_run = session.get(Practice, facts["run_id"])

        def check(clocked: list[float], clock: Callable[[], float]) -> Callable[[], None]:
            def action() -> None:
                item = practice.current_item(session, CLOCK, cadre, law_run)
                answer = right_answer(item)
                started_check = clock()
                practice.answer(session, CLOCK, cadre, item.id, answer)
                clocked.append((clock() - started_check) * 1000)
                session.rollback()
            return action

        walls: list[float] = []
        cpus: list[float] = []
        timed(runs, check(walls, time.perf_counter))
        timed(runs, check(cpus, time.process_time))
        # The first of each is timed's warm-up run.
        walls, cpus = sorted(walls[1:]), cpus[1:]
        print(f"{'check an answer (with the feedback)':44} {walls[len(walls) // 2]:8.1f} "
              f"{walls[min(len(walls) - 1, int(round(0.95 * (len(walls) - 1))))]:8.1f} {statistics.median(cpus):8.1f}")
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--pg", default=DEFAULT_PG, help="PostgreSQL server (a database is created and dropped there)")
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    for kind in ("sqlite", "postgresql"):
        if args.only in (None, kind):
            with fresh_database(kind, args.pg) as url:
                run(kind, url, args.questions, args.runs)


if __name__ == "__main__":
    main()
