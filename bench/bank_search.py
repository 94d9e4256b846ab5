"""Bank search and duplicate detection on a 100,000-question bank, on SQLite and PostgreSQL.

    .venv/bin/python -m bench.bank_search [--questions 100000] [--runs 20] [--pg URL] [--only sqlite|postgresql]

Builds the bank from the real question sets in ../shared/datasets (jec-qa-kd, cmmlu-law, lawbench
1-1 and 1-2: about 3,000 questions), recycled with variations (another opening clause, the options
in another order, another year) until there are ``--questions``, in a database made by the
migrations, with bulk inserts (COPY on PostgreSQL): questions, versions, their folded search text,
fingerprints and near-duplicate keys, over a tree of 60 categories, 10 authors, statuses, tags,
legal bases and some questions used in attempts. Then it prints, per database:

- search: p50 and p95 in milliseconds over ``--runs`` runs of each of several queries (one page of
  25 with its total count, as the bank list asks for it);
- duplicate check: one new question written (create_question, checked against every live
  version) and a 1,000-row batch (create_questions, as an import does), rolled back each time.

The recycled bank is a hard case for duplicate detection: every question has about 30 variants
that share most of its text, so each check finds many candidates to compare.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import random
import re
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import JSON, create_engine, insert, text
from sqlalchemy.engine import Connection, Engine, make_url

from examsvc import database
from question_bank.clock import SystemClock
from question_bank.db import make_engine, make_session_factory
from question_bank.drafts import QuestionDraft
from question_bank.models import Category, NearDuplicateBand, Question, QuestionVersion, User, UserRole
from question_bank.services import authoring
from question_bank.services.bank_search import BasisText, QuestionQuery, search_questions
from question_bank.similarity import band_keys
from question_bank.text import content_fingerprint, content_text, search_basis, search_document
from tests.shared_data import SHARED

CLOCK = SystemClock()
DATASETS = SHARED / "datasets"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
OPENINGS = ["", "根据现行法律规定，", "某市司法局组织学法考试，", "依照有关规定，", "在年度学法用法考试中，",
            "就下列情形而言，", "结合任前法律知识考试大纲，", "某县人民政府工作人员学法时问：", "按照法律规定，",
            "关于本题，", "根据《中华人民共和国宪法》的精神，", "某区领导干部在学法时遇到如下问题："]
LAWS = ["行政处罚法", "行政许可法", "行政复议法", "行政诉讼法", "国家赔偿法", "民法典", "刑法", "宪法", "公务员法",
        "监察法", "刑事诉讼法", "民事诉讼法", "安全生产法", "环境保护法", "土地管理法", "劳动合同法"]
SUBJECTS = ["总则", "程序", "责任", "管辖", "证据", "期限", "权利义务", "机构职能"]


def load_sources() -> list[dict]:
    """The real questions: {"qtype", "stem", "options", "key"} from the four sets."""
    found = []
    for line in (DATASETS / "jec-qa-kd" / "jec-qa-kd.jsonl").read_text("utf-8").splitlines():
        record = json.loads(line)
        options = [re.sub(r"^\([A-D]\)", "", o) for o in record["options"]]
        qtype = "multiple_choice" if len(record["label"]) > 1 else "single_choice"
        found.append({"qtype": qtype, "stem": record["question"], "options": options, "key": sorted(record["label"])})
    for path in sorted((DATASETS / "cmmlu-law").glob("*/*.csv")):
        for row in csv.DictReader(io.StringIO(path.read_text("utf-8"))):
            found.append({"qtype": "single_choice", "stem": row["Question"],
                          "options": [row[c] for c in "ABCD"], "key": [row["Answer"]]})
    for record in json.loads((DATASETS / "lawbench" / "zero_shot_1-2.json").read_text("utf-8")):
        stem, rest = record["question"].split("A:", 1)
        options = re.split(r";[BCD]:", rest)
        found.append({"qtype": "single_choice", "stem": stem, "options": [o.rstrip("。") for o in options],
                      "key": [re.search(r"[ABCD]", record["answer"]).group(0)]})
    for record in json.loads((DATASETS / "lawbench" / "zero_shot_1-1.json").read_text("utf-8")):
        found.append({"qtype": "short_answer", "stem": record["question"], "options": [],
                      "key": record["answer"].removeprefix("答案:")})
    # A few records have no usable key (jec-qa-kd keeps a question without its answer).
    return [s for s in found if not QuestionDraft(s["qtype"], s["stem"], s["options"], s["key"], "x").problems()]


def variant(source: dict, round_no: int, rng: random.Random) -> dict:
    """Round 0 is the source itself; later rounds open with another clause, set another year and
    shuffle the options (keys follow them)."""
    if round_no == 0:
        return source
    opening = OPENINGS[round_no % len(OPENINGS)]
    stem = f"{opening}（{2000 + round_no}年）{source['stem']}"
    options, key = list(source["options"]), source["key"]
    if options:
        order = rng.sample(range(len(options)), len(options))
        letters = "ABCDEFGH"
        key = sorted(letters[order.index(letters.index(k))] for k in key) if isinstance(key, list) else key
        options = [options[i] for i in order]
    return {**source, "stem": stem, "options": options, "key": key}


@contextmanager
def fresh_database(kind: str, pg_url: str) -> Iterator[str]:
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{Path(tmp) / 'bench.db'}"
        return
    admin = create_engine(make_url(pg_url), isolation_level="AUTOCOMMIT")
    name = f"examsvc_bench_{random.randrange(16**8):08x}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(pg_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def bulk(conn: Connection, table, rows: list[dict]) -> None:
    """Insert ``rows``: COPY on PostgreSQL, executemany in chunks on SQLite."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        columns = list(rows[0])
        documents = {c.name for c in table.columns if isinstance(c.type, JSON)}
        cursor = conn.connection.dbapi_connection.cursor()
        quoted = ", ".join(f'"{c}"' for c in columns)  # question_citation has a column named "end"
        with cursor.copy(f'COPY {table.name} ({quoted}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row([json.dumps(v, ensure_ascii=False) if k in documents else v for k, v in row.items()])
        return
    for start in range(0, len(rows), 5000):
        conn.execute(insert(table), rows[start:start + 5000])


def build(engine: Engine, count: int, sources: list[dict]) -> dict:
    """Fill the bank; returns what the queries need (category paths, author ids, tags)."""
    rng = random.Random(20261202)
    now = CLOCK.now()
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO org_unit (id, name, level, path, created_at) VALUES (1, '某省', 'province', '1', :t)"),
                     {"t": now})
        users = [{"id": n, "username": f"editor{n}", "display_name": f"编辑{n}", "password_hash": "x", "org_unit_id": 1,
                  "is_active": True, "session_epoch": 0, "created_at": now} for n in range(1, 11)]
        bulk(conn, User.__table__, users)
        bulk(conn, UserRole.__table__, [{"user_id": u["id"], "role": "bank_editor"} for u in users])
        categories, paths = [], []
        for law_no, law in enumerate(LAWS, start=1):
            categories.append({"id": law_no * 10, "name": law, "parent_id": None, "path": law})
            for subject_no, subject in enumerate(SUBJECTS[:3 + law_no % 4], start=1):
                categories.append({"id": law_no * 10 + subject_no, "name": subject, "parent_id": law_no * 10,
                                   "path": f"{law}/{subject}"})
        bulk(conn, Category.__table__, categories)
        leaf_ids = [c["id"] for c in categories if c["parent_id"] is not None]
        tags = [f"{law}{subject}" for law in LAWS for subject in SUBJECTS]
        questions, versions = [], []
        for n in range(1, count + 1):
            source = variant(sources[(n - 1) % len(sources)], (n - 1) // len(sources), rng)
            status = rng.choices(["published", "in_review", "draft", "retired"], [80, 10, 5, 5])[0]
            category = rng.choice(leaf_ids)
            changed = now - dt.timedelta(minutes=rng.randrange(500_000))
            questions.append({"id": n, "category_id": category, "status": status, "author_id": rng.randrange(1, 11),
                              "created_at": changed, "updated_at": changed})
            basis = f"《中华人民共和国{rng.choice(LAWS)}》第{rng.randrange(1, 200)}条"
            versions.append({
                "id": n, "question_id": n, "version_no": 1, "qtype": source["qtype"], "category_id": category,
                "stem": source["stem"], "options": source["options"], "key": source["key"], "pinned_options": [],
                "rubric": "", "explanation": "", "difficulty": rng.randrange(1, 6), "tags": rng.sample(tags, 2),
                "legal_basis": basis, "default_score": None,
                "fingerprint": content_fingerprint(source["stem"], source["options"]),
                "content_text": content_text(source["stem"], source["options"]),
                "search_text": search_document(source["stem"], source["options"]), "search_basis": search_basis(basis),
                "created_at": changed, "created_by_id": 1,
                "used_at": changed if rng.random() < 0.2 else None,
            })
        bulk(conn, Question.__table__, questions)
        bulk(conn, QuestionVersion.__table__, versions)
        conn.execute(text("UPDATE question SET current_version_id = id, published_version_id = "
                          "CASE WHEN status IN ('published', 'retired') THEN id END"))
        bands = []
        for start in range(0, count, 5000):
            chunk = versions[start:start + 5000]
            keys = band_keys([v["content_text"] for v in chunk])
            bands.extend({"band_key": k, "question_version_id": v["id"]}
                         for v, version_keys in zip(chunk, keys) for k in set(version_keys))
        bulk(conn, NearDuplicateBand.__table__, bands)
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            # The rows were inserted with their ids: the sequences must move past them.
            for table in ("question", "question_version", "user_account", "category", "org_unit"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
            conn.execute(text("ANALYZE"))
            conn.commit()
    return {"category": LAWS[0], "tag": tags[5], "author": 3}


def run_times(runs: int, action: Callable[[], object]) -> list[float]:
    """Milliseconds of each of ``runs`` runs of ``action``, in run order (after one warm-up run)."""
    action()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return times


def p50_p95(times: list[float]) -> tuple[float, float]:
    """The median and the 95th percentile (nearest rank) of ``times``."""
    ordered = sorted(times)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def timed(runs: int, action: Callable[[], object]) -> tuple[float, float]:
    """p50 and p95 of ``runs`` runs of ``action``, in milliseconds (after one warm-up run)."""
    return p50_p95(run_times(runs, action))


def queries(facts: dict) -> list[tuple[str, QuestionQuery, int]]:
    return [
        ("whole bank, newest first", QuestionQuery(), 1),
        ("text 听证 (2 characters)", QuestionQuery(text="听证"), 1),
        ("text 行政处罚 (4 characters)", QuestionQuery(text="行政处罚"), 1),
        ("text ２０１５ (full width)", QuestionQuery(text="２０１５"), 1),
        ("text 不可抗力？ (rare phrase)", QuestionQuery(text="因不可抗力不能履行合同的"), 1),
        ("category subtree + type", QuestionQuery(category=facts["category"], qtype="single_choice"), 1),
        ("tag", QuestionQuery(tag=facts["tag"]), 1),
        ("legal basis text", QuestionQuery(legal_basis=BasisText("行政许可法》第12条")), 1),
        ("author + status", QuestionQuery(author_id=facts["author"], status="published"), 1),
        ("used in a sitting", QuestionQuery(used="yes"), 1),
        ("text + category + difficulty", QuestionQuery(text="行政", category=facts["category"], difficulty=3), 1),
        ("by category, page 100", QuestionQuery(sort="category"), 100),
    ]


def duplicate_checks(engine: Engine, sources: list[dict], runs: int) -> list[tuple[str, float, float]]:
    rng = random.Random(7)
    factory = make_session_factory(engine)
    with factory() as session:
        editor = session.get(User, 2)
        category = session.scalar(text("SELECT path FROM category WHERE parent_id IS NOT NULL LIMIT 1"))

        def drafts(n: int) -> list[QuestionDraft]:
            picked = [variant(rng.choice(sources), 999, rng) for _ in range(n)]
            return [QuestionDraft(qtype=s["qtype"], stem=s["stem"] + f"（新{rng.randrange(10**6)}）",
                                  options=s["options"], key=s["key"], category_path=category) for s in picked]

        def check(n: int) -> Callable[[], object]:
            def action():
                authoring.create_questions(session, CLOCK, editor, drafts(n))
                session.rollback()
            return action

        return [("one new question", *timed(runs, check(1))),
                ("a batch of 1,000 rows", *timed(max(runs // 5, 3), check(1000)))]


@dataclass
class SearchFigures:
    """One query of :func:`queries`: its name, the milliseconds of each run, the questions found."""
    name: str
    times_ms: list[float]
    found: int


def built_bank(url: str, count: int, sources: list[dict]) -> tuple[Engine, dict, float]:
    """A fresh database at ``url`` migrated and filled by :func:`build` with ``count`` questions:
    (its engine, the facts the queries need, seconds it took)."""
    engine = make_engine(url)
    started = time.perf_counter()
    database.upgrade(engine)
    facts = build(engine, count, sources)
    return engine, facts, time.perf_counter() - started


def search_figures(engine: Engine, facts: dict, runs: int) -> list[SearchFigures]:
    """Each of :func:`queries` run ``runs`` times (after a warm-up) on the built bank."""
    found = []
    with make_session_factory(engine)() as session:
        for name, query, page in queries(facts):
            total = search_questions(session, query, page=page).total
            times = run_times(runs, lambda q=query, p=page: search_questions(session, q, page=p))
            found.append(SearchFigures(name, times, total))
    return found


def run(kind: str, url: str, count: int, runs: int, sources: list[dict]) -> None:
    engine, facts, seconds = built_bank(url, count, sources)
    print(f"\n== {kind}: {count:,} questions built in {seconds:.0f} s ==")
    print(f"{'search':40} {'p50 ms':>8} {'p95 ms':>8} {'found':>8}")
    for figures in search_figures(engine, facts, runs):
        p50, p95 = p50_p95(figures.times_ms)
        print(f"{figures.name:40} {p50:8.1f} {p95:8.1f} {figures.found:8,}")
    print(f"{'duplicate check':40} {'p50 ms':>8} {'p95 ms':>8}")
    for name, p50, p95 in duplicate_checks(engine, sources, runs):
        print(f"{name:40} {p50:8.1f} {p95:8.1f}")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--pg", default=DEFAULT_PG, help="PostgreSQL server (a database is created and dropped there)")
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    sources = load_sources()
    print(f"{len(sources):,} source questions from {DATASETS}")
    for kind in ("sqlite", "postgresql"):
        if args.only in (None, kind):
            with fresh_database(kind, args.pg) as url:
                run(kind, url, args.questions, args.runs, sources)


if __name__ == "__main__":
    main()
