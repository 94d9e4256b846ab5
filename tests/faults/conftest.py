"""Fixtures of the crash and fault tests: an exam open now (by the wall clock, which a real server
reads) for eight candidates, and a gunicorn server on the test database."""

from __future__ import annotations

import datetime as dt
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from examsvc import config, id_keys
from question_bank.models import Sitting, User
from tests.faults.load import Browser, Page
from tests.faults.server import Gunicorn

#: Questions on the paper (slots a page changes at random).
SLOTS = 5


@dataclass
class OpenExam:
    sitting: Sitting
    cadres: list[User]


@pytest.fixture
def open_exam(make, clock, db) -> OpenExam:
    """A sitting open now for 8 cadres, one hour per attempt, questions in bank order."""
    clock.set(dt.datetime.now(dt.timezone.utc))
    make.questions(SLOTS, "single_choice", key=["B"])
    cadres = [make.cadre() for _ in range(8)]
    paper = make.paper([("single_choice", SLOTS, 20, "行政处罚法")])
    sitting = make.sitting(paper, roster=cadres, minutes=60, shuffle=False)
    db.commit()
    return OpenExam(sitting, cadres)


@pytest.fixture(scope="session")
def gunicorn_server(db_url, tmp_path_factory) -> Iterator[Gunicorn]:
    """Two sync workers on the test database, shared by the fault tests (starting one takes
    seconds); stopped at the end of the session."""
    home = tmp_path_factory.mktemp("gunicorn")
    # The tests' own ID key: a worker refuses to serve a database whose ID numbers its key does not open.
    server = Gunicorn({"EXAMSVC_DATABASE_URL": db_url, "EXAMSVC_SECRET_KEY": "fault-test-secret",
                       "EXAMSVC_INSTANCE_DIR": str(home / "instance"),
                       "EXAMSVC_ID_KEY": id_keys.key_text(False, config.INSTANCE_DIR)}, home / "gunicorn.log")
    yield server
    server.stop()


@pytest.fixture
def gunicorn(gunicorn_server: Gunicorn) -> Gunicorn:
    """The shared server, running with its full set of workers (started again if a test before
    killed it)."""
    if not gunicorn_server.running():
        gunicorn_server.start()
    gunicorn_server.wait_for_workers()
    gunicorn_server.crashed.clear()
    return gunicorn_server


def open_pages(server: Gunicorn, exam: OpenExam, submit_every_other: bool = True) -> list[Page]:
    """Each cadre signs in, starts the sitting and gets a page (all at once, as at a sitting's
    start); every other page hands in after between 9 and 15 acknowledged changes, the rest never
    hand in."""

    def open_page(i: int, cadre: User) -> Page:
        browser = Browser(server.port)
        browser.sign_in(cadre.username)
        status, headers, _ = browser.form(f"/me/sittings/{exam.sitting.id}/start", {"pledge": "accepted"})
        assert status == 302, f"start for {cadre.username}: {status}"
        location = urllib.parse.urlsplit(headers["Location"]).path
        attempt_id = int(location.rstrip("/").split("/")[-1])
        browser.refresh_csrf(location)
        return Page(browser, attempt_id, SLOTS, submit_after=(8 + i) if submit_every_other and i % 2 else None,
                    writer=f"page{attempt_id}")

    with ThreadPoolExecutor(len(exam.cadres)) as pool:
        return list(pool.map(open_page, range(len(exam.cadres)), exam.cadres))
