"""A sitting's load measured from outside (issue 7): gunicorn with the shipped ``gunicorn.conf.py``
serving signed-in candidates, driven by wrk, against a bare app that upserts one row into the same
database (:mod:`bench.bare_app`), on SQLite and PostgreSQL.

    .venv/bin/python -m bench.sitting_load [--db sqlite,postgresql] [--candidates 200]
        [--questions 100] [--seconds 10] [--connections 50] [--workers 2] [--rounds 2]

Prints one table. Each figure is the median of ``--rounds`` runs taken interleaved with the
baseline's (A B B A …, so that a machine growing busier during the run weighs on both alike),
beside its spread (lowest–highest). Columns: requests per second, p99 latency (ms), server CPU per
request (ms: user + system time of the gunicorn master and workers, read from /proc, over the
requests wrk completed), SQL statements per request (counted in-process by a SQLAlchemy event on
the same requests), and the ratio to the baseline. wrk is a Debian package (``make bench`` installs
it); its Lua scripts in ``bench/lua`` rotate many candidates, attempts, questions and save numbers
as a real sitting does, and never run Python in the measured loop.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Iterator
from urllib.parse import urlencode

from sqlalchemy import event
from sqlalchemy.engine import Engine

from bench.bank_search import DEFAULT_PG, fresh_database
from examsvc import database
from question_bank.clock import SystemClock
from question_bank.db import make_engine, make_session_factory
from question_bank.drafts import QuestionDraft
from question_bank.models import BlueprintSection, ExamKind, Paper, Role, RosterEntry, Sitting, UnitLevel
from question_bank.services import attempts, authoring, people

ROOT = Path(__file__).resolve().parent.parent
LUA = Path(__file__).resolve().parent / "lua"
CLOCK = SystemClock()
PASSWORD = "bench-pass-2026"
SECRET = "bench-secret-key-not-for-production"
_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
_WRITER = re.compile(r'data-writer="([^"]+)"')
# The README's deployment section sizes a sitting at one autosave per candidate every 20 s (a
# cadre answering a 100-question paper in an hour changes an answer about that often).
SAVE_INTERVAL_S = 20


@dataclass
class Candidate:
    """One signed-in candidate as the load script uses it."""
    username: str
    attempt: int
    cookie: str = ""
    csrf: str = ""
    writer: str = ""


@dataclass
class Figures:
    """One wrk run: requests per second, p99 latency (ms), server CPU per request (ms), failures."""
    rps: float
    p99_ms: float
    cpu_ms: float
    failed: int


@dataclass
class Row:
    """A table row: the runs of the app and of the baseline for one path on one database."""
    path: str
    db: str
    app: list[Figures] = field(default_factory=list)
    bare: list[Figures] = field(default_factory=list)
    statements: float | None = None


# --- the database ------------------------------------------------------------------------------

def seed(url: str, candidates: int, questions: int, *, start: bool = True) -> list[Candidate]:
    """A bank of ``questions`` single-choice questions, a paper of all of them, an open sitting
    and one started attempt per candidate (usernames ``c0``, ``c1`` …); with ``start`` False the
    candidates are on the roster but have not started (``attempt`` 0)."""
    engine = make_engine(url)
    database.upgrade(engine)
    people.PASSWORD_METHOD = "scrypt:1024:8:1"  # signing 2,000 people in must not take minutes
    made: list[Candidate] = []
    with make_session_factory(engine)() as db:
        unit = people.create_unit(db, CLOCK, "某省", UnitLevel.PROVINCE)
        editor = people.create_user(db, CLOCK, None, username="editor", display_name="编辑", password=PASSWORD,
                                    unit=unit, roles=[Role.BANK_EDITOR])
        for n in range(questions):
            authoring.create_question(db, CLOCK, editor, QuestionDraft(
                qtype="single_choice", stem=f"根据《中华人民共和国行政处罚法》，第{n + 1}题的正确说法是哪一项？",
                options=["甲项说法", "乙项说法", "丙项说法", "丁项说法"], key=["B"], category_path="基准"),
                status="published")
        now = CLOCK.now()
        paper = Paper(title="基准试卷", org_unit=unit, created_by_id=editor.id, created_at=now, updated_at=now)
        paper.sections.append(BlueprintSection(position=1, qtype="single_choice", count=questions, mark=Decimal(1),
                                               category=authoring.ensure_category(db, "基准")))
        sitting = Sitting(title="基准场次", kind=ExamKind.ANNUAL, paper=paper, org_unit=unit, opens_at=now,
                          closes_at=now.replace(year=now.year + 1), time_limit_s=7200,
                          pass_mark=Decimal(questions * 6 // 10), excellent_mark=Decimal(questions * 9 // 10),
                          created_by_id=editor.id, created_at=now)
        db.add(sitting)
        for n in range(candidates):
            cadre = people.create_user(db, CLOCK, None, username=f"c{n}", display_name="考生", password=PASSWORD,
                                       unit=unit, roles=[Role.CADRE])
            sitting.roster.append(RosterEntry(user_id=cadre.id, added_at=now))
            db.flush()
            made.append(Candidate(cadre.username, attempts.start_attempt(db, CLOCK, cadre, sitting).id if start else 0))
        db.commit()
    engine.dispose()
    return made


# --- the servers -------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(app: str, url: str, workers: int, workdir: Path) -> Iterator[tuple[str, int]]:
    """gunicorn serving ``app`` ("wsgi:app" or "bench.bare_app:app") with ``gunicorn.conf.py``;
    yields (base URL, master pid) once it answers, and stops it afterwards."""
    port = free_port()
    env = {**os.environ, "EXAMSVC_DATABASE_URL": url, "EXAMSVC_BIND": f"127.0.0.1:{port}",
           "EXAMSVC_WORKERS": str(workers), "EXAMSVC_SECRET_KEY": SECRET, "EXAMSVC_INSTANCE_DIR": str(workdir)}
    log = open(workdir / f"gunicorn-{port}.log", "w")
    server = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"),
                               app], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/login", timeout=5)
                break
            except urllib.error.HTTPError:
                break  # it answers (the bare app has no /login)
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn {app} did not start: see {log.name}")
                time.sleep(0.2)
        yield base, server.pid
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def process_tree_cpu_s(pid: int) -> float:
    """User + system CPU seconds of ``pid`` and its children (gunicorn's workers), from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        proc_pid, parent = int(stat.parent.name), int(fields[1])
        if proc_pid == pid or parent == pid:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def sign_in(base: str, candidate: Candidate) -> None:
    """Sign ``candidate`` in through the login form, open the exam page and claim the attempt for
    that page, as the browser does; fills cookie, CSRF token and writer token."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    login = opener.open(base + "/login", timeout=30).read().decode()
    form = urlencode({"username": candidate.username, "password": PASSWORD, "csrf_token": _CSRF.search(login)[1]})
    opener.open(base + "/login", data=form.encode(), timeout=30).read()
    page = opener.open(f"{base}/me/attempts/{candidate.attempt}", timeout=30).read().decode()
    candidate.csrf, candidate.writer = _CSRF.search(page)[1], _WRITER.search(page)[1]
    claim = urllib.request.Request(f"{base}/api/attempts/{candidate.attempt}/presence",
                                   data=json.dumps({"page": candidate.writer}).encode(), method="POST",
                                   headers={"Content-Type": "application/json", "X-CSRFToken": candidate.csrf})
    assert json.load(opener.open(claim, timeout=30))["held_here"], candidate
    candidate.cookie = "; ".join(f"{c.name}={c.value}" for c in jar)


def write_lua_data(path: Path, candidates: list[Candidate], slots: int) -> None:
    rows = ",\n".join(f'{{attempt={c.attempt}, cookie="{c.cookie}", csrf="{c.csrf}", writer="{c.writer}"}}'
                      for c in candidates)
    path.write_text(f"return {{slots={slots}, candidates={{\n{rows}\n}}}}\n")


# --- wrk -----------------------------------------------------------------------------------------

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def wrk(base: str, script: str, pid: int, seconds: int, connections: int, data: Path, seq_base: int) -> Figures:
    """One wrk run against ``base`` with ``bench/lua/<script>``; the server's CPU over the run."""
    threads = 2
    env = {**os.environ, "BENCH_DATA": str(data), "BENCH_THREADS": str(threads), "BENCH_SEQ_BASE": str(seq_base)}
    cpu_before = process_tree_cpu_s(pid)
    out = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s",
                          "-s", str(LUA / script), base], env=env, capture_output=True, text=True, check=True).stdout
    cpu = process_tree_cpu_s(pid) - cpu_before
    requests = int(re.search(r"(\d+) requests in", out)[1])
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s|m)\b", out)
    failed = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return Figures(rps=float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1]),
                   p99_ms=float(p99[1]) * _UNITS[p99[2]],
                   cpu_ms=1000 * cpu / max(requests, 1),
                   failed=(int(failed[1]) if failed else 0) + (sum(map(int, errors.groups())) if errors else 0))


# --- statements per request, in-process ----------------------------------------------------------

def statements_per_request(url: str, candidate_name: str, attempt_id: int, saves: int = 20) -> tuple[float, float]:
    """SQL statements the service sends per autosave and per exam-page load, counted by a
    SQLAlchemy event in this process with Flask's test client (the same code as under gunicorn)."""
    from examsvc import create_app

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET, "WTF_CSRF_ENABLED": True})
    count = [0]

    def counter(*_args) -> None:
        count[0] += 1

    event.listen(Engine, "before_cursor_execute", counter)
    try:
        client = app.test_client()
        login = client.get("/login").get_data(as_text=True)
        client.post("/login", data={"username": candidate_name, "password": PASSWORD,
                                    "csrf_token": _CSRF.search(login)[1]})
        page = client.get(f"/me/attempts/{attempt_id}").get_data(as_text=True)
        csrf, writer = _CSRF.search(page)[1], _WRITER.search(page)[1]
        headers = {"X-CSRFToken": csrf}
        client.post(f"/api/attempts/{attempt_id}/presence", json={"page": writer}, headers=headers)
        count[0] = 0
        for seq in range(1, saves + 1):
            reply = client.post(f"/api/attempts/{attempt_id}/responses", headers=headers, json={
                "slot": seq % 10 + 1, "answer": ["A"], "seq": seq, "writer": writer, "base": 0, "page": writer})
            assert reply.status_code == 200, reply.get_data(as_text=True)
        per_save = count[0] / saves
        count[0] = 0
        for _ in range(5):
            client.get(f"/me/attempts/{attempt_id}")
        per_page = count[0] / 5
    finally:
        event.remove(Engine, "before_cursor_execute", counter)
        database.engine(app).dispose()
    return per_save, per_page


# --- the table -----------------------------------------------------------------------------------

def spread(values: list[float], digits: int = 0) -> str:
    middle = statistics.median(values)
    return f"{middle:.{digits}f} ({min(values):.{digits}f}–{max(values):.{digits}f})"


def print_table(rows: list[Row], args: argparse.Namespace) -> None:
    load = os.getloadavg()
    print(f"\n{os.cpu_count()} cores, load {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}; {args.candidates} candidates, "
          f"{args.questions}-question paper, wrk {args.connections} connections × {args.seconds} s, "
          f"{args.workers} gunicorn workers; median (lowest–highest) of {args.rounds} runs each\n")
    print("| path | db | req/s | p99 ms | CPU ms/req | SQL/req | failed | bare req/s | × bare |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for row in rows:
        app_rps = [f.rps for f in row.app]
        bare = spread([f.rps for f in row.bare]) if row.bare else "–"
        ratio = f"{statistics.median(app_rps) / statistics.median(f.rps for f in row.bare):.2f}" if row.bare else "–"
        sql = f"{row.statements:.1f}" if row.statements is not None else "–"
        print(f"| {row.path} | {row.db} | {spread(app_rps)} | {spread([f.p99_ms for f in row.app])} | "
              f"{spread([f.cpu_ms for f in row.app], 1)} | {sql} | {sum(f.failed for f in row.app)} | {bare} | {ratio} |")


def capacity_per_core(saves_per_s: float, cores: int, interval_s: float = SAVE_INTERVAL_S) -> float:
    """Candidates one core can carry: ``saves_per_s`` measured on ``cores`` cores, each candidate
    saving once every ``interval_s`` seconds. Linear in cores, which holds while the database is not
    the limit (see the README's deployment section)."""
    return saves_per_s * interval_s / cores


def print_capacity(rows: list[Row]) -> None:
    cores = os.cpu_count() or 1
    for row in rows:
        if row.path == "autosave" and row.app:
            rps = statistics.median(f.rps for f in row.app)
            print(f"\n{row.db}: {rps:.0f} saves/s on {cores} cores ≈ "
                  f"{capacity_per_core(rps, cores):,.0f} candidates per core at one save per {SAVE_INTERVAL_S} s "
                  f"(server and load generator on the same cores, so a dedicated host carries more)")


def measure(kind: str, args: argparse.Namespace) -> list[Row]:
    """The autosave and exam-page rows on a fresh ``kind`` database ("sqlite" or "postgresql"),
    ``args`` as :func:`main` parses them (``args.pg``, when there, names the PostgreSQL server)."""
    with tempfile.TemporaryDirectory(prefix="examsvc-bench-") as tmp, \
            fresh_database(kind, getattr(args, "pg", DEFAULT_PG)) as url:
        workdir = Path(tmp)
        candidates = seed(url, args.candidates, args.questions)
        save = Row("autosave", kind)
        page = Row(f"exam page ({args.questions} q)", kind)
        save.statements, page.statements = statements_per_request(url, candidates[-1].username,
                                                                  candidates[-1].attempt)
        candidates = candidates[:-1]  # that one's page token belongs to the in-process run
        data = workdir / "candidates.lua"
        with gunicorn("wsgi:app", url, args.workers, workdir) as (base, pid), \
                gunicorn("bench.bare_app:app", url, args.workers, workdir) as (bare_base, bare_pid):
            for candidate in candidates:
                sign_in(base, candidate)
            write_lua_data(data, candidates, args.questions)
            run = 0
            for round_ in range(args.rounds):
                order = ("app", "bare") if round_ % 2 == 0 else ("bare", "app")
                for which in order:
                    run += 1
                    if which == "app":
                        save.app.append(wrk(base, "autosave.lua", pid, args.seconds, args.connections, data,
                                            run * 10_000_000))
                    else:
                        save.bare.append(wrk(bare_base, "autosave.lua", bare_pid, args.seconds, args.connections,
                                             data, run * 10_000_000))
            for _ in range(args.rounds):
                page.app.append(wrk(base, "exam_page.lua", pid, args.seconds, args.connections, data, 0))
        return [save, page]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--candidates", type=int, default=200)
    parser.add_argument("--questions", type=int, default=100)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: sudo apt-get install wrk (make bench installs it)")
    rows: list[Row] = []
    for kind in args.db.split(","):
        rows.extend(measure(kind, args))
    print_table(rows, args)
    print_capacity(rows)


if __name__ == "__main__":
    main()
