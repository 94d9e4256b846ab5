"""A database shaped like a real one, built at the head revision through the services: the demo
(organisation, accounts, demo bank, an open sitting), the real bank files of ``../shared``
(their first rows) imported and approved, a pending edit and a retired question, and a sitting's worth of attempts
with autosaves from one or two pages (stale saves among them, and changes refused as stale), a
takeover by a second device, submissions with final answers,
attempts closed at their deadline by the sweep and attempts still running, two closed ones voided by a proctor, with their marks, score
records, ledger and audit events, and a signed checkpoint of the ledger and the audit log. A few
thousand rows: enough to find a migration that loses or mangles data, small enough to walk every
revision in CI (each step reads every table twice over, so every row is paid for on every step).

Built through the services called directly, its audit events have no origin, as a database upgraded
from before revision 6d2a9c4e7b13 and not yet used has. :func:`put_in_use` then adds what using it
adds: events with an origin (a sign-in from a browser, a records-API read, a command), after which
the downgrade below 6d2a9c4e7b13 is refused (README, "Upgrades").
"""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import select
from sqlalchemy.engine import Engine

from examsvc import database
from examsvc.demo.loader import load as load_demo
from question_bank.clock import FixedClock
from question_bank.db import make_session_factory
from question_bank.models import (
    Attempt, AttemptState, ImportBatch, OrgUnit, Paper, Question, QuestionStatus, Role, RosterEntry, Sitting, User,
)
from question_bank.services import audit
from question_bank.services import attempts, authoring, checkpoints, deadlines, importing, papers, people, practice, practice_sources, presence, proctoring, review
from question_bank.services.authoring import QuestionDraft
from question_bank.types import get_type
from tests.scenarios import right_answer, wrong_answer
from tests.shared_data import BANK_FILES, bank_file_rows

#: Candidates who sit the demo sitting (besides the five demo cadres).
CANDIDATES = 24
#: Questions taken from each bank file (the files hold about 1,000 each).
BANK_ROWS = 200
START = dt.datetime(2026, 5, 11, 1, 0, tzinfo=dt.timezone.utc)


def populate(engine: Engine) -> checkpoints.Checkpoint:
    """Migrate the empty database behind ``engine`` to head and fill it (see the module docstring);
    returns the checkpoint made last, as its keeper would hold it outside the database."""
    database.upgrade(engine)
    clock = FixedClock(START)
    rng = random.Random(2026)
    with make_session_factory(engine)() as db:
        load_demo(db, clock)
        db.commit()
        editor = db.scalar(select(User).where(User.username == "editor"))
        reviewer = db.scalar(select(User).where(User.username == "reviewer"))
        for path, mode in ((BANK_FILES / "jecqa-kd.xlsx", importing.VALID_ONLY),
                           (BANK_FILES / "cmmlu-law-gbk.csv", importing.ALL_OR_NOTHING)):
            clock.advance(minutes=5)
            report = importing.import_questions(db, clock, editor, path.name, bank_file_rows(path, BANK_ROWS), mode,
                                                 repeats=importing.KEEP_REPEATS)
            assert report.batch is not None, report.errors[:3]
            review.decide_batch(db, clock, reviewer, report.batch, approve=True, note="导入",
                                confirmed=review.in_review_count(db, report.batch))
            db.commit()
        _edit_and_retire(db, clock, editor, reviewer)
        _sit(db, clock, rng)
        _practise(db, clock)
        clock.advance(minutes=5)
        made = checkpoints.make_checkpoint(db, clock, checkpoints.signing_key(checkpoints.new_key_pair()[0]))
        db.commit()
        return made


#: The origins :func:`put_in_use` records, as ``examsvc.audit_origin`` stamps them.
IN_USE_ORIGINS = (
    {"channel": "web", "address": "198.51.100.7", "agent": "Mozilla/5.0 (Windows NT 10.0) Chrome/120"},
    {"channel": "api", "address": "10.1.2.3", "agent": "python-requests/2.32", "token": "1"},
    {"channel": "cli", "command": "verify-ledger"},
)


def put_in_use(engine: Engine) -> int:
    """Record one audit event per origin of :data:`IN_USE_ORIGINS` (a sign-in, a records-API read, a
    command), as the app does once it runs at revision 6d2a9c4e7b13 or later; returns the number of
    events then holding an origin. Append-only: nothing takes them out again."""
    clock = FixedClock(START + dt.timedelta(days=2))
    with make_session_factory(engine)() as db:
        actor = db.scalar(select(User).where(User.username == "sysadmin"))
        for origin in IN_USE_ORIGINS:
            db.info[audit.ORIGIN_KEY] = origin
            audit.record(db, clock, actor, f"auth.{origin['channel']}_use", "user", actor.id)
            db.commit()
            clock.advance(minutes=1)
        return len(IN_USE_ORIGINS)


def _edit_and_retire(db, clock: FixedClock, editor: User, reviewer: User) -> None:
    """An edit of a published question waiting for review (a new version, another category), and a
    retired question: the states whose columns later revisions added."""
    batch = db.scalar(select(ImportBatch).order_by(ImportBatch.id.desc()))
    edited, retired = db.scalars(select(Question).where(Question.import_batch_id == batch.id).order_by(Question.id).limit(2))
    current = edited.current_version
    authoring.update_question(db, clock, editor, edited, QuestionDraft(
        qtype=current.qtype, stem=current.stem + "（修订）", options=list(current.options), key=current.key,
        category_path="刑法/修订中", explanation=current.explanation, difficulty=current.difficulty))
    review.retire_question(db, clock, reviewer, retired, "不再使用")
    db.commit()


def _sit(db, clock: FixedClock, rng: random.Random) -> None:
    sitting = db.scalar(select(Sitting).order_by(Sitting.id))
    unit = db.scalar(select(OrgUnit).where(OrgUnit.name == "甲市司法局"))
    cadres = [people.create_user(db, clock, None, username=f"sit{n:03d}", display_name=f"考生{n:03d}",
                                 password="x" * 12, unit=unit, roles=(Role.CADRE,)) for n in range(CANDIDATES)]
    for cadre in cadres:
        sitting.roster.append(RosterEntry(user_id=cadre.id, added_at=clock.now()))
    db.commit()
    clock.set(sitting.opens_at + dt.timedelta(minutes=10))
    for n, cadre in enumerate(cadres):
        attempt = attempts.start_attempt(db, clock, cadre, sitting, seed=n)
        pages = ["page-a", "page-b"] if n % 4 == 0 else ["page-a"]
        for seq in range(1, 16):
            item = attempt.items[rng.randrange(len(attempt.items))]
            answer = _answer(item, rng)
            attempts.save_response(db, clock, cadre, attempt.id, item.slot, answer, seq, pages[seq % len(pages)])
            if seq == 10:  # a save that arrives late, after a later one of its page
                attempts.save_response(db, clock, cadre, attempt.id, item.slot, answer, seq - 2, pages[seq % len(pages)])
        if n % 4 == 0:  # a closed tab's change, based on nothing stored, resent late: refused as stale
            slot = max(attempts.status(db, clock, attempt).versions, default=1)
            attempts.save_response(db, clock, cadre, attempt.id, slot, _answer(attempt.items[slot - 1], rng), 1,
                                   "page-c", 0)
        if n % 3 == 0:
            finals = {item.slot: _answer(item, rng) for item in attempt.items[:5]}
            attempts.submit_attempt(db, clock, cadre, attempt.id, finals)
        db.commit()
    # The rest run past their deadline: the sweep submits them with what they saved, but for a few
    # started late enough to be still running.
    clock.advance(seconds=sitting.time_limit_s + 120)
    deadlines.sweep(db, clock)
    db.commit()
    # A proctor voids one attempt handed in and one closed at its deadline ("closed_by_void").
    proctor = db.scalar(select(User).where(User.username == "examadmin"))
    for closed in (AttemptState.SUBMITTED, AttemptState.AUTO_SUBMITTED):
        voided = db.scalar(select(Attempt).where(Attempt.sitting_id == sitting.id, Attempt.state == closed,
                                                 Attempt.score.is_not(None)).order_by(Attempt.id))
        proctoring.void_attempt(db, clock, proctor, voided.id, "替考")
    db.commit()
    late = people.create_user(db, clock, None, username="late", display_name="迟到考生", password="x" * 12,
                              unit=unit, roles=(Role.CADRE,))
    sitting.roster.append(RosterEntry(user_id=late.id, added_at=clock.now()))
    db.commit()
    running = attempts.start_attempt(db, clock, late, sitting, seed=999)
    # Opened on a phone, then continued on a PC (one active device).
    presence.claim(db, clock, running, "page-a", None, presence.Client.of("10.0.0.7", "Mobile Safari"))
    presence.take_over(db, clock, running, "page-b", presence.Client.of("192.0.2.40", "Chrome/120"))
    attempts.save_response(db, clock, late, running.id, 1, _answer(running.items[0], rng), 1, "page-b", page="page-b")
    db.commit()
    assert db.scalar(select(Question).where(Question.status == QuestionStatus.RETIRED)) is not None
    states = set(db.scalars(select(Attempt.state).where(Attempt.sitting_id == sitting.id)))
    assert states >= {AttemptState.SUBMITTED, AttemptState.AUTO_SUBMITTED, AttemptState.IN_PROGRESS,
                      AttemptState.CLOSED_BY_VOID}


def _practise(db, clock: FixedClock) -> None:
    """A cadre practises a category (a few answers right, a few wrong: the wrong-answer book) and
    then the book; an exam admin keeps a paper out of practice."""
    cadre = db.scalar(select(User).where(User.username == "sit001"))
    richest = max(practice_sources.category_choices(db, clock.now()), key=lambda choice: choice.questions)
    run = practice.start_practice(db, clock, cadre, "category", richest.category.id)
    for n in range(6):
        clock.advance(seconds=30)
        item = practice.current_item(db, clock, cadre, run)
        assert item is not None, "nothing to practise in the populated database"
        practice.answer(db, clock, cadre, item.id, right_answer(item) if n % 2 else wrong_answer(item))
    practice.current_item(db, clock, cadre, run)  # served, not answered yet
    practice.start_practice(db, clock, cadre, "wrong_book")
    admin = db.scalar(select(User).where(User.username == "examadmin"))
    papers.set_practice_exclusion(db, clock, admin, db.scalar(select(Paper).order_by(Paper.id)), True)
    db.commit()


def _answer(item, rng: random.Random):
    """A random answer in display form: a letter or two, T/F, or a text for each blank (some left
    empty, some in full-width characters as a phone's keyboard types them)."""
    version = item.question_version
    if version.qtype == "true_false":
        return rng.choice(["T", "F"])
    if version.qtype == "fill_blank":
        return [rng.choice(["", "行政复议", "十五日", "《宪法》", "６０"]) for _ in range(get_type("fill_blank").blank_count(version.stem))]
    return sorted(rng.sample("ABCD", 2 if version.qtype == "multiple_choice" else 1))
