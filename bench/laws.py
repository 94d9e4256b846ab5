"""The law catalogue: loading the eleven laws, looking up an article, resolving a citation, and
comparing the Civil Code with itself, on SQLite and PostgreSQL.

    .venv/bin/python -m bench.laws [--runs 3] [--lookups 2000] [--pg URL] [--no-pg]

Goals (issue 11): loading all eleven laws (13 versions, 3,586 articles) ≤ 5 s; one article
look-up and one citation resolution ≤ 1 ms each; the amendment comparison of the 民法典 (1,260
articles) against itself ≤ 2 s. Loading is timed from the files on disk to the committed rows
(parsing, merging the 民法典's parts, inserting), on a migrated empty database each run.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from examsvc import database
from question_bank.analysis.law_changes import compare_articles
from question_bank.clock import SystemClock
from question_bank.db import make_engine, make_session_factory
from question_bank.formats.citations import parse_citations
from question_bank.models import Law, LawArticle
from question_bank.services import law_catalogue, law_reading
from question_bank.services.citing import local_day
from question_bank.services.law_index import LawIndex

SHARED = Path(os.environ.get("EXAMSVC_SHARED_DIR") or Path(__file__).resolve().parents[1].parent / "shared")
LAW_TEXTS = SHARED / "datasets" / "laws-lawrefbook"
CLOCK = SystemClock()
#: Citations as the bank writes them (the issue's examples and the demo bank's longest).
CITATIONS = [
    "《中华人民共和国行政处罚法》第三十六条", "行政处罚法第36条第二款", "民法典 第1165条", "《刑法》第一百三十三条之一",
    "宪法第5条、第33条", "《中华人民共和国宪法》第六十二条、第一百二十四条、第一百二十五条、第一百二十六条",
    "《中华人民共和国民法典》第一百一十条、第九百九十二条、第九百九十五条、第一千零三十二条、第一千零三十四条",
    "《行政复议法》（2017年修正）第九条", "《中华人民共和国物权法》第十条",
]


def _timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def _load(url: str) -> float:
    engine = make_engine(url)
    database.upgrade(engine)
    with make_session_factory(engine)() as db:
        def load() -> None:
            outcome = law_catalogue.load_folder(db, CLOCK, None, LAW_TEXTS)
            assert not outcome.problems and len(outcome.loaded) == 13, outcome.problems
            db.commit()
        seconds = _timed(load)
    engine.dispose()
    return seconds


def _per_call_ms(calls: list[Callable[[], object]]) -> tuple[float, float]:
    """Mean and 95th percentile, in milliseconds, of each call timed on its own."""
    times = sorted(_timed(call) * 1000 for call in calls)
    return statistics.fmean(times), times[int(len(times) * 0.95)]


def _queries(url: str, lookups: int) -> dict[str, float]:
    engine = make_engine(url)
    results: dict[str, float] = {}
    with make_session_factory(engine)() as db:
        keys = db.execute(select(LawArticle.law_version_id, LawArticle.number, LawArticle.suffix)).all()
        rng = random.Random(11)
        sample = [rng.choice(keys) for _ in range(lookups)]
        results["lookup_mean"], results["lookup_p95"] = _per_call_ms(
            [lambda k=k: law_reading.find_article(db, *k) for k in sample])
        results["index_ms"] = _timed(lambda: LawIndex(db)) * 1000
        index = LawIndex(db)
        today = local_day(CLOCK.now())
        parsed = [c for text_ in CITATIONS for c in parse_citations(text_).citations]
        for citation in parsed:  # first use reads each version's articles once; timed separately
            index.resolve(citation, today)
        rounds = max(lookups // len(CITATIONS), 1)
        results["resolve_mean"], results["resolve_p95"] = _per_call_ms(
            [lambda t=t: [index.resolve(c, today) for c in parse_citations(t).citations] for t in CITATIONS * rounds])
        citations_per_text = len(parsed) / len(CITATIONS)
        results["resolve_per_citation"] = results["resolve_mean"] / citations_per_text
        civil = db.scalar(select(Law).where(Law.short_title == "民法典"))
        version_id = civil.current_version.id

        def compare_from_database() -> None:
            articles = db.scalars(select(LawArticle).where(LawArticle.law_version_id == version_id)).all()
            changes = compare_articles(articles, articles)
            assert changes.unchanged == 1260
        db.expire_all()
        results["compare_s"] = _timed(compare_from_database)
        articles = db.scalars(select(LawArticle).where(LawArticle.law_version_id == version_id)).all()
        results["compare_pure_s"] = _timed(lambda: compare_articles(articles, articles))
    engine.dispose()
    return results


def _report(name: str, loads: list[float], figures: dict[str, float]) -> None:
    print(f"== {name}")
    print(f"  load all eleven laws (13 versions)  median {statistics.median(loads):.2f} s  "
          f"(runs: {', '.join(f'{s:.2f}' for s in loads)})   goal ≤ 5 s")
    print(f"  article look-up                     mean {figures['lookup_mean']:.3f} ms  p95 {figures['lookup_p95']:.3f} ms"
          "   goal ≤ 1 ms")
    print(f"  citation resolution (parse+resolve) mean {figures['resolve_per_citation']:.3f} ms per citation  "
          f"(a legal basis: mean {figures['resolve_mean']:.3f} ms, p95 {figures['resolve_p95']:.3f} ms)   goal ≤ 1 ms")
    print(f"  catalogue index built once          {figures['index_ms']:.1f} ms")
    print(f"  民法典 compared with itself          {figures['compare_s']:.3f} s with reading its 1,260 articles, "
          f"{figures['compare_pure_s']:.3f} s the comparison alone   goal ≤ 2 s")


def _run(name: str, make_url_for_run: Callable[[int], str], runs: int, lookups: int) -> None:
    loads = [_load(make_url_for_run(run)) for run in range(runs)]
    _report(name, loads, _queries(make_url_for_run(runs - 1), lookups))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="fresh databases to load into (median reported)")
    parser.add_argument("--lookups", type=int, default=2000)
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--no-pg", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        _run("SQLite", lambda run: f"sqlite:///{Path(tmp) / f'laws{run}.db'}", args.runs, args.lookups)
    if args.no_pg:
        return
    admin = create_engine(args.pg, isolation_level="AUTOCOMMIT")
    names: list[str] = []

    def fresh(run: int) -> str:
        name = f"examsvc_bench_laws{run}"
        if name not in names:
            with admin.connect() as conn:
                conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                conn.execute(text(f"CREATE DATABASE {name}"))
            names.append(name)
        return make_url(args.pg).set(database=name).render_as_string(hide_password=False)

    try:
        _run("PostgreSQL", fresh, args.runs, args.lookups)
    finally:
        with admin.connect() as conn:
            for name in names:
                conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


if __name__ == "__main__":
    main()
