"""Study lists on a 100,000-question bank, on SQLite and PostgreSQL: the coverage of a 20-item
list, a cadre's study page (lists reaching them with progress), the list's article set, and a
paper section's pool drawn "from the laws of" the list.

    .venv/bin/python -m bench.study [--questions 100000] [--runs 20] [--pg URL] [--only sqlite|postgresql]

The bank is the one ``bench.bank_search`` builds (the real question sets recycled), with all
eleven laws of ../shared/datasets/laws-lawrefbook loaded and every question's legal basis
resolved to one or two articles of them (about one in five a second one). The list has 20 items:
whole laws (the 民法典 among them, 1,260 articles), chapters and article ranges. Figures are p50
and p95 in milliseconds over ``--runs`` runs after one warm-up.
"""

from __future__ import annotations

import argparse
import random
import time
from decimal import Decimal

from sqlalchemy import select, text

from bench.bank_search import DEFAULT_PG, bulk, build, fresh_database, load_sources, timed
from examsvc import database
from examsvc.demo.loader import LAW_TEXTS
from question_bank.clock import SystemClock
from question_bank.db import make_engine, make_session_factory
from question_bank.models import (
    BlueprintSection,
    Category,
    Law,
    LawArticle,
    OrgUnit,
    QuestionCitation,
    QuestionVersion,
    Requirement,
    Role,
)
from question_bank.services import assembly, law_catalogue, people, study_coverage, study_lists, study_progress
from question_bank.services.study_scope import study_article_ids

CLOCK = SystemClock()
#: (law short title, scope) of the 20 items.
ITEMS = [("宪法", "全文"), ("民法典", "全文"), ("刑法", "分则 第八章 贪污贿赂罪、第九章 渎职罪"), ("公务员法", "全文"),
         ("监察法", "全文"), ("行政处罚法", "第一章至第五章"), ("行政许可法", "第三十一条至第五十七条"),
         ("行政复议法", "全文"), ("行政诉讼法", "第二章 受案范围"), ("国家赔偿法", "第二章 行政赔偿"),
         ("行政强制法", "全文"), ("民法典", "总则编"), ("民法典", "侵权责任编 第一章"), ("刑法", "总则"),
         ("宪法", "第五条、第二十七条、第三十三条"), ("行政处罚法", "全文"), ("行政许可法", "全文"),
         ("行政诉讼法", "全文"), ("行政复议法", "第十一条、第十二条、第二十条至第二十三条"), ("国家赔偿法", "全文")]


def cite(engine, session, rng: random.Random) -> int:
    """One legal-basis citation per question version (two for about one in five), to random
    articles of the loaded versions; returns how many rows."""
    articles = session.execute(select(LawArticle.id, LawArticle.law_version_id, LawArticle.number,
                                      LawArticle.suffix)).all()
    law_of = dict(session.execute(text("SELECT id, law_id FROM law_version")).all())
    version_ids = session.scalars(select(QuestionVersion.id)).all()
    session.commit()  # SQLite: the bulk insert below needs the write lock this session holds
    rows, next_id = [], 1
    for version_id in version_ids:
        for position in range(2 if rng.random() < 0.2 else 1):
            article_id, law_version_id, number, suffix = rng.choice(articles)
            rows.append({"id": next_id, "question_version_id": version_id, "source": "legal_basis",
                         "position": position, "start": 0, "end": 1, "text": f"第{number}条", "law_title": "",
                         "named_year": None, "article_number": number, "article_suffix": suffix, "paragraph": None,
                         "item": None, "status": "resolved", "law_id": law_of[law_version_id],
                         "law_version_id": law_version_id, "article_id": article_id})
            next_id += 1
    with engine.begin() as conn:
        bulk(conn, QuestionCitation.__table__, rows)
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT setval(pg_get_serial_sequence('question_citation', 'id'), "
                              "(SELECT max(id) FROM question_citation))"))
            conn.execute(text("ANALYZE"))
    return len(rows)


def run(kind: str, url: str, count: int, runs: int, sources: list[dict]) -> None:
    engine = make_engine(url)
    started = time.perf_counter()
    database.upgrade(engine)
    build(engine, count, sources)
    session = make_session_factory(engine)()
    loaded = law_catalogue.load_folder(session, CLOCK, None, LAW_TEXTS)
    assert not loaded.problems, loaded.problems[:3]
    session.commit()
    citations = cite(engine, session, random.Random(2026))
    unit = session.get(OrgUnit, 1)
    keeper = people.create_user(session, CLOCK, None, username="keeper", display_name="学法管理员", password="x" * 12,
                                unit=unit, roles=(Role.STUDY_ADMIN,))
    cadre = people.create_user(session, CLOCK, None, username="cadre", display_name="干部", password="x" * 12,
                               unit=unit, roles=(Role.CADRE,), rank="正处")
    made = study_lists.create_list(session, CLOCK, keeper, study_lists.ListValues(title="2026年度学法清单", year=2026))
    laws = {law.short_title: law for law in session.scalars(select(Law))}
    for short, scope in ITEMS:
        study_lists.add_item(session, CLOCK, keeper, made, study_lists.ItemValues(
            laws[short].id, scope, Requirement.CLOSE_STUDY, Decimal(1)))
    study_lists.publish(session, CLOCK, keeper, made)
    for item in made.items[:5]:
        study_progress.open_item(session, CLOCK, cadre, item)
        study_progress.mark_studied(session, CLOCK, cadre, item)
    session.commit()
    articles = study_article_ids(session, made)
    print(f"\n== {kind}: {count:,} questions, {citations:,} citations, a list of {len(made.items)} items "
          f"({len(articles):,} articles) built in {time.perf_counter() - started:.0f} s ==")
    section = BlueprintSection(qtype="single_choice", count=1, mark=Decimal(1), category=session.scalars(
        select(Category).where(Category.parent_id.is_(None))).first(), include_subcategories=True, difficulty_min=1,
        difficulty_max=5, study_list_id=made.id)
    whole = BlueprintSection(qtype=section.qtype, count=1, mark=Decimal(1), category=section.category,
                             include_subcategories=True, difficulty_min=1, difficulty_max=5)
    checks = [
        ("coverage of the list (20 items, by type)", lambda: study_coverage.coverage(session, made)),
        ("cadre's study page (lists + progress)", lambda: study_progress.cadre_study(session, cadre)),
        ("study_article_ids(list)", lambda: study_article_ids(session, made)),
        ("section pool from the list's laws", lambda: assembly.pool_size(session, section)),
        ("the same section's pool without the list", lambda: assembly.pool_size(session, whole)),
    ]
    print(f"{'':45} {'p50 ms':>8} {'p95 ms':>8}")
    for name, action in checks:
        p50, p95 = timed(runs, action)
        print(f"{name:45} {p50:8.1f} {p95:8.1f}")
    flagged = sum(1 for c in study_coverage.coverage(session, made) if c.flagged)
    print(f"items below the threshold: {flagged}; pool of one category section from the list: "
          f"{assembly.pool_size(session, section):,}")
    session.rollback()
    session.close()
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--pg", default=DEFAULT_PG, help="PostgreSQL server (a database is created and dropped there)")
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    sources = load_sources()
    for kind in ("sqlite", "postgresql"):
        if args.only in (None, kind):
            with fresh_database(kind, args.pg) as url:
                run(kind, url, args.questions, args.runs, sources)


if __name__ == "__main__":
    main()
