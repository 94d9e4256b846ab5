"""The exam admin's pages through the web: the issue's step 3 (a blueprint, a sitting, a roster),
refusals the admin can read, and who may see what (domain.md §2, §5)."""

from __future__ import annotations

import datetime as dt
import html
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from question_bank.idnumbers import check_character
from question_bank.models import Attempt, AuditEvent, MultiChoiceRule, Paper, Role, RosterEntry, Sitting, UnitLevel
from question_bank.services import admission as admission_service
from question_bank.services import attempts, review
from question_bank.services import papers as paper_service
from question_bank.services import sittings as sitting_service
from question_bank.services.papers import PaperSpec, SectionSpec
from question_bank import id_vault
from question_bank.services.sittings import SittingSpec
from tests.conftest import at
from tests.examsvc.dom_checks import field_block
from tests.factories import roster_xlsx
from tests.forms import paper_form, sitting_form
from tests.scenarios import save, start_through_web, state, submit

CATEGORY = "司法考试/知识型"


def id_number(n: int) -> str:
    """A valid ID number (born 1980-01-01, sequence ``n``)."""
    body = f"32010219800101{n:03d}"
    return body + check_character(body)


@pytest.fixture
def city(make):
    """City A with a department of five cadres and an exam admin; city B with its own admin."""
    city_a = make.unit("甲市", level=UnitLevel.CITY)
    dept = make.unit("甲市司法局", parent=city_a)
    city_b = make.unit("乙市", level=UnitLevel.CITY)
    return {
        "a": city_a, "b": city_b, "dept": dept,
        "admin": make.user(Role.EXAM_ADMIN, username="admin_a", unit=city_a),
        "admin_b": make.user(Role.EXAM_ADMIN, username="admin_b", unit=city_b),
        "cadres": [make.cadre(username=f"cadre{i}", unit=dept, display_name=f"干部{i}", current_post="科长",
                              id_number=id_number(i)) for i in range(1, 6)],
    }


@pytest.fixture
def bank(make):
    make.questions(30, "single_choice", category=CATEGORY)
    make.questions(10, "multiple_choice", category=CATEGORY)


STEP3_ROWS = (("single_choice", 30, "2", CATEGORY), ("multiple_choice", 10, "4", CATEGORY))


def sign_in(client, username: str) -> None:
    """Sign in and read the pages in English, so assertions do not depend on the Chinese catalogue."""
    client.login(username)
    client.form_post("/lang/en")


def new_id(response, kind: str) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return int(re.search(rf"/exams/{kind}/(\d+)$", response.headers["Location"]).group(1))


def test_step3_the_admin_builds_the_paper_the_sitting_and_the_roster_through_the_web(client, client_factory, db, city, bank):
    sign_in(client, "admin_a")

    paper_id = new_id(client.form_post("/exams/papers/new", paper_form("任前考试卷", *STEP3_ROWS)), "papers")
    paper = db.get(Paper, paper_id)
    assert paper.total_marks == Decimal(100) and paper.question_count == 40
    assert paper.multi_rule == MultiChoiceRule.ALL_OR_NOTHING and paper.org_unit_id == city["a"].id
    page = client.get(f"/exams/papers/{paper_id}").get_data(as_text=True)
    assert "100" in page and CATEGORY in page

    sitting_id = new_id(client.form_post("/exams/sittings/new", sitting_form(paper_id)), "sittings")
    sitting = db.get(Sitting, sitting_id)
    assert sitting.time_limit_s == 3600
    # The form speaks Beijing time; the database holds UTC.
    assert sitting.opens_at == at("09:00:00") == dt.datetime(2026, 5, 11, 1, 0, tzinfo=dt.timezone.utc)
    assert sitting.closes_at == at("17:00:00")
    assert (sitting.pass_mark, sitting.excellent_mark) == (Decimal(60), Decimal(90))

    page = client.get(f"/exams/sittings/{sitting_id}").get_data(as_text=True)
    assert all(c.display_name in page for c in city["cadres"])  # offered for ticking
    response = client.form_post(f"/exams/sittings/{sitting_id}/roster",
                                {"user_ids": [str(c.id) for c in city["cadres"]]})
    assert response.status_code == 302
    assert sorted(e.user_id for e in db.scalars(select(RosterEntry).where(RosterEntry.sitting_id == sitting_id))) == \
        sorted(c.id for c in city["cadres"])
    page = client.get(f"/exams/sittings/{sitting_id}").get_data(as_text=True)
    assert page.count("data-entry=") == 5 and "09:00 – 2026-05-11 17:00" in page
    assert {e.action for e in db.scalars(select(AuditEvent))} >= {"paper.create", "sitting.create", "roster.add"}

    # A cadre of the roster can now start it and gets the whole paper.
    cadre = client_factory()
    cadre.login("cadre1")
    assert cadre.form_post(f"/me/sittings/{sitting_id}/start", {"pledge": "accepted"}).status_code == 302
    attempt = db.scalar(select(Attempt).where(Attempt.sitting_id == sitting_id))
    assert len(attempt.items) == 40 and attempt.max_score == Decimal(100)
    page = client.get(f"/exams/sittings/{sitting_id}").get_data(as_text=True)
    assert re.search(rf'data-user="{city["cadres"][0].id}".*?data-state="in_progress"', page, re.S)
    assert page.count('data-state="not_started"') == 4


def test_a_blueprint_the_bank_cannot_fill_is_refused_with_each_short_section_on_the_page(client, db, city, bank):
    sign_in(client, "admin_a")
    response = client.form_post("/exams/papers/new", paper_form(
        "太多了", ("single_choice", 31, "2", CATEGORY), ("multiple_choice", 12, "3", CATEGORY)))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "requested 31, available 30" in page and "requested 12, available 10" in page
    assert CATEGORY in page
    assert db.scalar(select(func.count(Paper.id))) == 0


def test_checking_a_blueprint_shows_the_bank_counts_and_saves_nothing(client, db, city, bank):
    sign_in(client, "admin_a")
    response = client.form_post("/exams/papers/new", paper_form("试算", *STEP3_ROWS, action="check"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="check-ok"' in page
    assert re.findall(r'data-row="\d+">(\d*)<', page)[:3] == ["30", "10", ""]
    assert re.search(r'id="total-points">([^<]*)<', page).group(1) == "100"
    assert re.search(r'id="total"[^>]*>Total points: <span', page)
    assert db.scalar(select(func.count(Paper.id))) == 0


def test_a_half_filled_section_row_is_named_and_blank_rows_are_ignored(client, db, city, bank):
    sign_in(client, "admin_a")
    data = paper_form("缺项", STEP3_ROWS[0])
    data["sections-3-count"] = "5"  # row 4: a number, and nothing else
    response = client.form_post("/exams/papers/new", data)
    assert response.status_code == 422
    assert response.get_data(as_text=True).count("Fill this in, or clear the whole row.") == 3
    assert db.scalar(select(func.count(Paper.id))) == 0


def test_a_sitting_whose_pass_mark_exceeds_the_total_is_refused_on_the_page(client, db, city, bank):
    sign_in(client, "admin_a")
    paper_id = new_id(client.form_post("/exams/papers/new", paper_form("任前考试卷", *STEP3_ROWS)), "papers")
    response = client.form_post("/exams/sittings/new", sitting_form(paper_id, pass_mark="120"))
    assert response.status_code == 422
    assert "the pass mark must be 0 to the paper&#39;s total of 100" in response.get_data(as_text=True)
    assert db.scalar(select(func.count(Sitting.id))) == 0


@pytest.fixture
def city_a_sitting(db, clock, city, bank):
    paper = paper_service.create_paper(db, clock, city["admin"], PaperSpec("甲市试卷", [SectionSpec("single_choice", 5, Decimal(20), CATEGORY)]))
    sitting = sitting_service.create_sitting(db, clock, city["admin"], SittingSpec(
        "甲市任前考试", "pre_appointment", paper.id, at("09:00:00"), at("17:00:00"), 3600))
    sitting.roster.append(RosterEntry(user_id=city["cadres"][0].id, added_at=clock.now()))
    db.commit()
    return sitting


def admin_urls(sitting) -> list[tuple[str, str]]:
    entry = sitting.roster[0].id
    return [
        ("get", "/exams/papers"), ("get", "/exams/papers/new"), ("post", "/exams/papers/new"),
        ("get", f"/exams/papers/{sitting.paper_id}"), ("get", f"/exams/papers/{sitting.paper_id}/edit"),
        ("post", f"/exams/papers/{sitting.paper_id}/edit"),
        ("get", "/exams/sittings"), ("get", "/exams/sittings/new"), ("post", "/exams/sittings/new"),
        ("get", f"/exams/sittings/{sitting.id}"), ("get", f"/exams/sittings/{sitting.id}/edit"),
        ("post", f"/exams/sittings/{sitting.id}/edit"), ("post", f"/exams/sittings/{sitting.id}/roster"),
        ("post", f"/exams/sittings/{sitting.id}/roster/import"),
        ("post", f"/exams/sittings/{sitting.id}/roster/{entry}/extra-time"),
        ("post", f"/exams/sittings/{sitting.id}/roster/{entry}/remove"),
    ]


def test_a_cadre_is_refused_on_every_exams_page(client, db, city, city_a_sitting):
    client.login("cadre1")
    for method, path in admin_urls(city_a_sitting):
        response = client.get(path) if method == "get" else client.form_post(path, {"minutes": "5", "user_ids": "1"})
        assert response.status_code == 403, (method, path, response.status_code)
    assert len(city_a_sitting.roster) == 1


def test_someone_signed_out_is_sent_to_sign_in(client, city_a_sitting):
    response = client.get(f"/exams/sittings/{city_a_sitting.id}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_admin_of_city_b_cannot_see_or_change_city_as_sitting(client, db, city, city_a_sitting):
    sign_in(client, "admin_b")
    for method, path in admin_urls(city_a_sitting):
        if "{" in path or path.endswith(("/papers", "/sittings", "/new")):
            continue
        response = client.get(path) if method == "get" else client.form_post(path, {"minutes": "5"})
        assert response.status_code == 404, (method, path, response.status_code)
    assert "甲市任前考试" not in client.get("/exams/sittings").get_data(as_text=True)
    assert "甲市试卷" not in client.get("/exams/papers").get_data(as_text=True)
    db.expire_all()
    assert len(city_a_sitting.roster) == 1 and city_a_sitting.roster[0].extra_time_s == 0


def test_a_cadre_of_another_city_cannot_be_ticked_onto_the_roster(client, db, make, city, city_a_sitting):
    stranger = make.cadre(unit=city["b"], display_name="乙市干部")
    sign_in(client, "admin_a")
    assert "乙市干部" not in client.get(f"/exams/sittings/{city_a_sitting.id}").get_data(as_text=True)
    response = client.form_post(f"/exams/sittings/{city_a_sitting.id}/roster", {"user_ids": [str(stranger.id)]})
    assert response.status_code == 422
    assert db.scalar(select(func.count(RosterEntry.id))) == 1


def upload(client, sitting_id: int, workbook: bytes):
    return client.form_post(f"/exams/sittings/{sitting_id}/roster/import",
                            {"file": (io.BytesIO(workbook), "名单.xlsx")}, content_type="multipart/form-data")


def test_a_roster_upload_reports_unknown_people_by_row_and_adds_nobody(client, db, city, city_a_sitting):
    sign_in(client, "admin_a")
    cadres = city["cadres"]
    response = upload(client, city_a_sitting.id, roster_xlsx([
        (cadres[1].display_name, id_vault.reveal(cadres[1]), "甲市司法局", "科长", "副局长", ""),
        ("无名氏", id_number(999), "甲市司法局", "", "", ""),
    ]))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "row 3" in page and "320102********" + id_number(999)[-4:] in page and "does not create accounts" in page
    assert db.scalar(select(func.count(RosterEntry.id))) == 1


def test_a_roster_upload_adds_the_matched_cadres_with_the_files_posts(client, db, city, city_a_sitting):
    sign_in(client, "admin_a")
    cadres = city["cadres"]
    response = upload(client, city_a_sitting.id, roster_xlsx([
        (c.display_name, id_vault.reveal(c), "甲市司法局", "科长", "副局长", "13800000000") for c in cadres[:3]]))
    assert response.status_code == 302
    entries = db.scalars(select(RosterEntry).where(RosterEntry.sitting_id == city_a_sitting.id)).all()
    assert sorted(e.user_id for e in entries) == sorted(c.id for c in cadres[:3])
    assert {e.proposed_post for e in entries if e.user_id != cadres[0].id} == {"副局长"}


def test_editing_a_sitting_shows_and_takes_beijing_time(client, db, city, city_a_sitting):
    sign_in(client, "admin_a")
    page = client.get(f"/exams/sittings/{city_a_sitting.id}/edit").get_data(as_text=True)
    assert 'value="2026-05-11T09:00"' in page and 'value="2026-05-11T17:00"' in page
    response = client.form_post(f"/exams/sittings/{city_a_sitting.id}/edit",
                                sitting_form(city_a_sitting.paper_id, closes_at="2026-05-11T18:30", pass_mark=""))
    assert response.status_code == 302
    db.expire_all()
    assert city_a_sitting.closes_at == dt.datetime(2026, 5, 11, 10, 30, tzinfo=dt.timezone.utc)
    assert city_a_sitting.pass_mark == Decimal(60)


def test_a_paper_candidates_have_sat_is_not_offered_for_editing(client, db, clock, city, city_a_sitting):
    attempts.start_attempt(db, clock, city["cadres"][0], city_a_sitting)
    db.commit()
    sign_in(client, "admin_a")
    response = client.get(f"/exams/papers/{city_a_sitting.paper_id}/edit")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/exams/papers/{city_a_sitting.paper_id}")
    assert "can no longer change" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_extra_time_and_removal_through_the_roster_table(client, db, city, city_a_sitting):
    sign_in(client, "admin_a")
    entry = city_a_sitting.roster[0]
    assert client.form_post(f"/exams/sittings/{city_a_sitting.id}/roster/{entry.id}/extra-time",
                            {"minutes": "15"}).status_code == 302
    db.expire_all()
    assert entry.extra_time_s == 900
    assert client.form_post(f"/exams/sittings/{city_a_sitting.id}/roster/{entry.id}/extra-time",
                            {"minutes": "-5"}).status_code == 422
    assert client.form_post(f"/exams/sittings/{city_a_sitting.id}/roster/{entry.id}/remove").status_code == 302
    assert db.scalar(select(func.count(RosterEntry.id))) == 0


# --- extra time given mid-exam, and the roster as a monitoring table -----------------------------

def roster_row(page: str, user_id: int) -> str:
    """The monitoring table's row of one candidate."""
    return re.search(rf'<tr data-entry="\d+" data-user="{user_id}">.*?</tr>', page, re.S).group(0)


def cell(row: str, name: str) -> str:
    """The text of the row's cell marked ``data-<name>``, tags and spacing dropped."""
    inner = re.search(rf'<td[^>]*\bdata-{name}\b[^>]*>(.*?)</td>', row, re.S).group(1)
    return " ".join(re.sub(r"<[^>]+>", " ", inner).split())


def test_extra_time_given_mid_exam_lengthens_the_running_attempt(client, client_factory, db, clock, city, city_a_sitting):
    cadre_user = city["cadres"][0]
    cadre = client_factory()
    cadre.login(cadre_user.username)
    attempt_id = start_through_web(cadre, city_a_sitting)  # 10:00, 60 minutes: ends 11:00
    clock.set(at("10:30:00"))
    assert state(cadre, attempt_id)["remaining_s"] == 30 * 60

    sign_in(client, "admin_a")
    entry = city_a_sitting.roster[0]
    response = client.form_post(f"/exams/sittings/{city_a_sitting.id}/roster/{entry.id}/extra-time", {"minutes": "15"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Their attempt in progress now ends at 11:15:00 instead of 11:00:00." in page
    row = roster_row(page, cadre_user.id)
    assert "until 11:15:00" in cell(row, "state") and cell(row, "remaining") == "45:00"
    assert 'name="minutes" min="0" max="240" value="15"' in row
    [event] = db.scalars(select(AuditEvent).where(AuditEvent.action == "attempt.deadline")).all()
    assert event.object_id == str(attempt_id) and event.actor_id == city["admin"].id

    # The candidate's own pages count down to the new deadline, and a save after the old one counts.
    assert state(cadre, attempt_id)["remaining_s"] == 45 * 60
    assert 'data-remaining="2700"' in cadre.get(f"/me/attempts/{attempt_id}").get_data(as_text=True)
    clock.set(at("11:05:00"))
    assert save(cadre, attempt_id, 1, ["A"], 1).status_code == 200
    assert state(cadre, attempt_id)["state"] == "in_progress"

    # Less extra time afterwards never takes time back from the running attempt.
    client.form_post(f"/exams/sittings/{city_a_sitting.id}/roster/{entry.id}/extra-time", {"minutes": "0"})
    page = client.get(f"/exams/sittings/{city_a_sitting.id}").get_data(as_text=True)
    assert "Their attempt in progress still ends at 11:15:00" in page
    assert db.get(Attempt, attempt_id).deadline == at("11:15:00")


def test_extra_time_for_someone_who_has_not_started_applies_to_their_next_attempt(client, db, city, city_a_sitting):
    sign_in(client, "admin_a")
    entry = city_a_sitting.roster[0]
    response = client.form_post(f"/exams/sittings/{city_a_sitting.id}/roster/{entry.id}/extra-time", {"minutes": "20"})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Extra time saved for {city['cadres'][0].display_name}. It applies to their next attempt." in page
    assert "applies to attempts started from now on" not in page


def test_the_roster_table_shows_each_candidates_progress_and_status(client, client_factory, db, clock, city, city_a_sitting):
    cadres = city["cadres"]
    for c in cadres[1:3]:
        city_a_sitting.roster.append(RosterEntry(user_id=c.id, added_at=clock.now()))
    db.commit()
    working, done, idle = client_factory(), client_factory(), cadres[2]
    working.login(cadres[0].username)
    done.login(cadres[1].username)
    working_attempt = start_through_web(working, city_a_sitting)
    done_attempt = start_through_web(done, city_a_sitting)
    clock.set(at("10:04:10"))
    assert save(working, working_attempt, 1, ["A"], 1).status_code == 200
    assert save(working, working_attempt, 2, ["B"], 1).status_code == 200
    assert submit(done, done_attempt).status_code == 200
    clock.set(at("10:35:00"))

    sign_in(client, "admin_a")
    page = client.get(f"/exams/sittings/{city_a_sitting.id}").get_data(as_text=True)
    assert re.search(rf'<a class="button" id="refresh" href="/exams/sittings/{city_a_sitting.id}#roster">Refresh</a>', page)
    assert "As of 10:35:00" in page
    row = roster_row(page, cadres[0].id)
    assert cell(row, "state") == "In progress until 11:00:00"
    assert (cell(row, "answered"), cell(row, "last-save"), cell(row, "remaining")) == ("2 / 5", "10:04:10", "25:00")
    row = roster_row(page, cadres[1].id)
    assert cell(row, "state") == "Submitted" and cell(row, "answered") == "0 / 5" and cell(row, "remaining") == ""
    row = roster_row(page, idle.id)
    assert cell(row, "state") == "Not started yet" and cell(row, "answered") == ""

    # After the close: whoever never started is absent; an abandoned attempt closed at its deadline.
    clock.set(at("17:30:00"))
    page = client.get(f"/exams/sittings/{city_a_sitting.id}").get_data(as_text=True)
    assert cell(roster_row(page, idle.id), "state") == "Absent"
    assert cell(roster_row(page, cadres[0].id), "state") == "Submitted automatically at the deadline"
    closed = db.get(Attempt, working_attempt)
    assert (closed.state, closed.finished_at) == ("auto_submitted", at("11:00:00"))


def test_the_status_labels_cover_every_status_and_read_as_the_score_sheets_in_chinese(app):
    """The admin's labels and the HR sheet's Chinese ones are one set: each status has a label, and
    a label the catalogue translates reads exactly as on the score sheet (未开始, not 未参加)."""
    from babel.messages.pofile import read_po
    from flask_babel import force_locale

    from examsvc.exams.forms import STATUS_LABELS
    from question_bank.reports.score_sheet import ENDED_LABELS
    from question_bank.services.standing import CandidateStatus

    assert set(STATUS_LABELS) == set(CandidateStatus) == set(ENDED_LABELS)
    # The sheet's column says how an attempt ended (C-26: 交卷); the admin's says where it stands (已交卷).
    sheet_labels = {**ENDED_LABELS, CandidateStatus.SUBMITTED: "已交卷"}
    po = Path(__file__).resolve().parents[2] / "examsvc" / "translations" / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as f:
        catalogue = read_po(f, locale="zh_CN")
    with app.test_request_context("/"), force_locale("en"):
        msgids = {status: str(label) for status, label in STATUS_LABELS.items()}  # English is the msgid
    for status, msgid in msgids.items():
        message = catalogue.get(msgid)
        if message is not None and message.string:
            assert message.string == sheet_labels[status], status


# --- the section rows speak the person's language (WTForms' own messages) -----------------------

def test_a_section_rows_range_error_is_in_chinese_by_default_and_in_english_after_switching(client, db, city, bank):
    client.login("admin_a")
    data = paper_form("太多题", ("single_choice", 600, "2", CATEGORY))
    page = client.form_post("/exams/papers/new", data).get_data(as_text=True)
    assert "数值大小必须介于 1 到 500 之间。" in page and "Number must be between" not in page
    client.form_post("/lang/en")
    response = client.form_post("/exams/papers/new", data)
    assert response.status_code == 422
    assert "Number must be between 1 and 500." in response.get_data(as_text=True)
    assert db.scalar(select(func.count(Paper.id))) == 0


@pytest.mark.parametrize("count, mark, message", [
    ("3.5", "2", "Questions: Not a valid integer value."),
    ("0", "2", "Questions: Number must be between 1 and 500."),
    ("3", "0", "Points each: Number must be between 0.01 and 1000."),
    ("3", "abc", "Points each: Not a valid decimal value."),
])
def test_a_wrong_number_in_a_section_row_gets_one_message(client, db, city, bank, count, mark, message):
    sign_in(client, "admin_a")
    response = client.form_post("/exams/papers/new", paper_form("一条就够", ("single_choice", count, mark, CATEGORY)))
    assert response.status_code == 422
    assert re.findall(r'<small class="error">(.*?)</small>', response.get_data(as_text=True)) == [message]


def test_one_point_and_one_question_are_singular_in_english(client, db, clock, city, bank):
    paper = paper_service.create_paper(db, clock, city["admin"], PaperSpec("一分卷", [SectionSpec("single_choice", 1, Decimal(1), CATEGORY)]))
    two = paper_service.create_paper(db, clock, city["admin"], PaperSpec("两分半卷", [SectionSpec("single_choice", 1, Decimal("2.5"), CATEGORY)]))
    db.commit()
    sign_in(client, "admin_a")
    page = client.get(f"/exams/papers/{paper.id}").get_data(as_text=True)
    assert re.search(r'id="paper-total">1 question, 1 point<', page)
    assert re.search(r'id="paper-total">1 question, 2.5 points<', client.get(f"/exams/papers/{two.id}").get_data(as_text=True))
    listing = client.get("/exams/papers").get_data(as_text=True)
    assert "1 question, 1 point<" in listing and "1 points" not in listing
    form = client.get("/exams/sittings/new").get_data(as_text=True)
    assert "一分卷 (1 point)</option>" in form and "两分半卷 (2.5 points)</option>" in form


# --- contradictory sittings are refused beside the field ----------------------------------------

def field_tag(page: str, name: str) -> str:
    """The opening tag of the input or select named ``name``."""
    return re.search(rf'<(?:input|select|textarea)\b[^>]*\bname="{name}"[^>]*>', page).group(0)


def test_a_time_limit_longer_than_the_window_is_refused_beside_the_time_limit(client, db, city, bank):
    sign_in(client, "admin_a")
    paper_id = new_id(client.form_post("/exams/papers/new", paper_form("任前考试卷", *STEP3_ROWS)), "papers")
    response = client.form_post("/exams/sittings/new", sitting_form(
        paper_id, opens_at="2026-05-11T11:00", closes_at="2026-05-11T11:30", time_limit_min="60"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "the time limit is longer than the window" in field_block(page, "time_limit_min")
    assert "has-error" in field_block(page, "time_limit_min")
    assert "<strong>Time limit (minutes)</strong>: the time limit is longer than the window" in page
    assert db.scalar(select(func.count(Sitting.id))) == 0


def test_a_new_sitting_whose_window_has_closed_is_refused_and_one_that_opened_already_is_saved(client, db, city, bank):
    sign_in(client, "admin_a")
    paper_id = new_id(client.form_post("/exams/papers/new", paper_form("任前考试卷", *STEP3_ROWS)), "papers")
    response = client.form_post("/exams/sittings/new", sitting_form(
        paper_id, opens_at="2026-05-11T08:00", closes_at="2026-05-11T09:30"))
    assert response.status_code == 422
    assert "the window has already closed" in field_block(response.get_data(as_text=True), "closes_at")
    assert db.scalar(select(func.count(Sitting.id))) == 0
    # 09:00 is before the clock's 10:00: the sitting is simply open at once.
    new_id(client.form_post("/exams/sittings/new", sitting_form(paper_id, opens_at="2026-05-11T09:00")), "sittings")


# --- the edit form of a started sitting -----------------------------------------------------------

LOCKED_INPUTS = ("kind", "paper", "opens_at", "time_limit_min", "grace_s", "pass_mark", "excellent_mark", "late_start_cutoff_min",
                 "rules_text", "pledge_text", "access_code", "allowed_networks", "second_marking", "marking_tolerance")


def posted_by_a_browser(page: str, **changes: str) -> dict[str, str]:
    """The edit form as a browser posts it: the values shown, without the disabled fields."""
    data = {}
    for tag in re.findall(r'<(?:input|select)\b[^>]*>', page):
        name = re.search(r'\bname="([^"]+)"', tag)
        if name is None or " disabled" in tag or name.group(1) in ("csrf_token",):
            continue
        if tag.startswith("<select"):
            block = page[page.index(tag):page.index("</select>", page.index(tag))]
            data[name.group(1)] = re.search(r'<option selected value="([^"]*)"|<option value="([^"]*)" selected', block).group(1)
        elif 'type="checkbox"' in tag:
            if " checked" in tag:
                data[name.group(1)] = "y"
        else:
            value = re.search(r'\bvalue="([^"]*)"', tag)
            data[name.group(1)] = value.group(1) if value else ""
    for tag, text in re.findall(r'(<textarea\b[^>]*>)(.*?)</textarea>', page, re.S):
        name = re.search(r'\bname="([^"]+)"', tag)
        if name is not None and " disabled" not in tag:
            data[name.group(1)] = html.unescape(text.removeprefix("\r\n").removeprefix("\n"))
    data.update(changes)
    return data


def test_every_locked_setting_has_its_field_on_the_form(app):
    with app.test_request_context("/"):
        from examsvc.exams.forms import SittingForm

        form = SittingForm(meta={"csrf": False})
        assert [f.name for f in form.locked_fields()] == list(LOCKED_INPUTS)
        assert len(sitting_service.LOCKED_ONCE_STARTED) == len(LOCKED_INPUTS)


def test_the_edit_form_of_a_started_sitting_shows_the_locked_settings_disabled(client, db, clock, city, city_a_sitting):
    attempts.start_attempt(db, clock, city["cadres"][0], city_a_sitting)
    db.commit()
    sign_in(client, "admin_a")
    page = client.get(f"/exams/sittings/{city_a_sitting.id}/edit").get_data(as_text=True)
    assert 'id="locked-note"' in page
    for name in LOCKED_INPUTS:
        assert " disabled" in field_tag(page, name), name
        assert "Fixed: candidates have started this sitting." in field_block(page, name), name
    for name in ("title", "closes_at", "attempts_allowed", "results_policy"):
        assert " disabled" not in field_tag(page, name), name
    assert 'min="2026-05-11T17:00"' in field_tag(page, "closes_at")

    # Saved as the browser sends it (the disabled settings absent): the rest changes, they stay.
    response = client.form_post(f"/exams/sittings/{city_a_sitting.id}/edit",
                                posted_by_a_browser(page, title="改过名的场次", closes_at="2026-05-11T18:00"))
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    db.expire_all()
    assert city_a_sitting.title == "改过名的场次" and city_a_sitting.closes_at == at("18:00:00")
    assert (city_a_sitting.pass_mark, city_a_sitting.time_limit_s, city_a_sitting.opens_at) == (Decimal(60), 3600, at("09:00:00"))


def test_the_notice_of_a_started_sitting_names_every_setting_the_service_fixes(client, db, clock, city, city_a_sitting):
    # An outside trial found the notice listing ten settings while the service fixed fourteen:
    # grace for late saves, the excellent mark, second marking and its tolerance were left out.
    attempts.start_attempt(db, clock, city["cadres"][0], city_a_sitting)
    db.commit()
    sign_in(client, "admin_a")
    page = client.get(f"/exams/sittings/{city_a_sitting.id}/edit").get_data(as_text=True)
    note = page.split('id="locked-note"', 1)[1].split("</p>", 1)[0]
    assert note.split("are fixed: ", 1)[1].split(". The window", 1)[0] == (
        "kind, paper, opening time, time limit, grace for late saves, pass mark, excellent mark, late-start cut-off, "
        "exam rules, integrity pledge, access code, allowed networks, second marking, marking tolerance")


def test_an_earlier_close_of_a_started_sitting_is_refused_beside_the_field(client, db, clock, city, city_a_sitting):
    attempts.start_attempt(db, clock, city["cadres"][0], city_a_sitting)
    db.commit()
    sign_in(client, "admin_a")
    page = client.get(f"/exams/sittings/{city_a_sitting.id}/edit").get_data(as_text=True)
    response = client.form_post(f"/exams/sittings/{city_a_sitting.id}/edit",
                                posted_by_a_browser(page, closes_at="2026-05-11T16:00"))
    assert response.status_code == 422
    assert "the window cannot close before 2026-05-11 17:00" in field_block(response.get_data(as_text=True), "closes_at")
    db.expire_all()
    assert city_a_sitting.closes_at == at("17:00:00")


def test_an_untouched_edit_form_of_a_started_sitting_stored_with_seconds_is_saved(client, db, clock, city, city_a_sitting):
    """The demo sitting closed at 07:27:46.67; the form shows 07:27, which is no earlier close."""
    opens, closes = at("09:00:12"), at("17:27:46") + dt.timedelta(microseconds=670_000)
    city_a_sitting.opens_at, city_a_sitting.closes_at = opens, closes
    db.commit()
    attempts.start_attempt(db, clock, city["cadres"][0], city_a_sitting)
    db.commit()
    sign_in(client, "admin_a")
    page = client.get(f"/exams/sittings/{city_a_sitting.id}/edit").get_data(as_text=True)
    assert 'value="2026-05-11T17:27"' in field_tag(page, "closes_at")
    response = client.form_post(f"/exams/sittings/{city_a_sitting.id}/edit", posted_by_a_browser(page, title="改过名的场次"))
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    db.expire_all()
    assert (city_a_sitting.title, city_a_sitting.opens_at, city_a_sitting.closes_at) == ("改过名的场次", opens, closes)
    # A minute earlier is an earlier close all the same.
    response = client.form_post(f"/exams/sittings/{city_a_sitting.id}/edit", posted_by_a_browser(page, closes_at="2026-05-11T17:26"))
    assert response.status_code == 422
    assert "the window cannot close before 2026-05-11 17:27" in field_block(response.get_data(as_text=True), "closes_at")


def test_a_later_close_lengthens_the_attempts_the_old_close_cut_short_and_says_how_many(client, client_factory, db, clock, city, bank):
    paper = paper_service.create_paper(db, clock, city["admin"], PaperSpec("短卷", [SectionSpec("single_choice", 5, Decimal(20), CATEGORY)]))
    sitting = sitting_service.create_sitting(db, clock, city["admin"], SittingSpec(
        "十分钟场次", "pre_appointment", paper.id, at("09:00:00"), at("10:05:00"), 600))
    for cadre_user in city["cadres"][:2]:
        sitting.roster.append(RosterEntry(user_id=cadre_user.id, added_at=clock.now()))
    db.commit()
    cadre = client_factory()
    cadre.login(city["cadres"][0].username)
    attempt_id = start_through_web(cadre, sitting)
    assert state(cadre, attempt_id)["remaining_s"] == 5 * 60  # the close cuts the 10 minutes short

    sign_in(client, "admin_a")
    page = client.get(f"/exams/sittings/{sitting.id}/edit").get_data(as_text=True)
    response = client.form_post(f"/exams/sittings/{sitting.id}/edit", posted_by_a_browser(page, closes_at="2026-05-11T11:05"))
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The window closes later, so 1 attempt(s) in progress were lengthened." in page
    assert state(cadre, attempt_id)["remaining_s"] == 10 * 60
    [event] = db.scalars(select(AuditEvent).where(AuditEvent.action == "attempt.deadline")).all()
    assert event.object_id == str(attempt_id) and event.actor_id == city["admin"].id

    # A change that is not a later close says nothing about attempts.
    page = client.get(f"/exams/sittings/{sitting.id}/edit").get_data(as_text=True)
    response = client.form_post(f"/exams/sittings/{sitting.id}/edit", posted_by_a_browser(page, title="改名"))
    assert "in progress were lengthened" not in client.get(response.headers["Location"]).get_data(as_text=True)


def test_extra_time_that_is_not_a_whole_number_gets_one_message(client, db, city, city_a_sitting):
    sign_in(client, "admin_a")
    entry = city_a_sitting.roster[0]
    response = client.form_post(f"/exams/sittings/{city_a_sitting.id}/roster/{entry.id}/extra-time", {"minutes": "1.5"})
    assert response.status_code == 422
    problems = re.search(r'<div id="problems".*?</div>', response.get_data(as_text=True), re.S).group(0)
    assert "Not a valid integer value." in problems and "between" not in problems
    db.expire_all()
    assert entry.extra_time_s == 0


def test_a_form_opened_before_the_first_start_still_cannot_change_a_locked_setting(client, db, clock, city, city_a_sitting):
    sign_in(client, "admin_a")
    page = client.get(f"/exams/sittings/{city_a_sitting.id}/edit").get_data(as_text=True)
    assert " disabled" not in field_tag(page, "pass_mark")
    attempts.start_attempt(db, clock, city["cadres"][0], city_a_sitting)
    db.commit()
    response = client.form_post(f"/exams/sittings/{city_a_sitting.id}/edit", posted_by_a_browser(page, pass_mark="50"))
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "cannot change: pass mark" in page
    # The form now shows the sitting's own mark, fixed.
    assert 'value="60' in field_tag(page, "pass_mark") and " disabled" in field_tag(page, "pass_mark")
    db.expire_all()
    assert city_a_sitting.pass_mark == Decimal(60)


# --- a sitting the bank can no longer fill ----------------------------------------------------------

def test_open_and_upcoming_sittings_warn_when_the_bank_cannot_fill_their_paper(client, db, clock, make, city):
    singles = make.questions(3, "single_choice", category="宪法")
    admin = city["admin"]
    paper = paper_service.create_paper(db, clock, admin, PaperSpec("宪法卷", [SectionSpec("single_choice", 3, Decimal(10), "宪法")]))
    clock.set(at("07:00:00"))
    closed = sitting_service.create_sitting(db, clock, admin, SittingSpec("已结束", "pre_appointment", paper.id,
                                                                          at("07:00:00"), at("09:00:00"), 3600))
    clock.set(at("10:00:00"))
    tomorrow = dt.timedelta(days=1)
    open_now = sitting_service.create_sitting(db, clock, admin, SittingSpec("进行中", "pre_appointment", paper.id,
                                                                            at("09:00:00"), at("17:00:00"), 3600))
    upcoming = sitting_service.create_sitting(db, clock, admin, SittingSpec("明天的", "pre_appointment", paper.id,
                                                                            at("09:00:00") + tomorrow, at("17:00:00") + tomorrow, 3600))
    db.commit()
    sign_in(client, "admin_a")
    assert 'id="bank-short"' not in client.get(f"/exams/sittings/{open_now.id}").get_data(as_text=True)
    assert "data-unfillable" not in client.get("/exams/sittings").get_data(as_text=True)

    review.retire_question(db, clock, make.system_user(), singles[0], "不再使用")
    db.commit()
    for sitting in (open_now, upcoming):
        page = client.get(f"/exams/sittings/{sitting.id}").get_data(as_text=True)
        banner = re.search(r'id="bank-short".*?</div>', page, re.S).group(0)
        assert "Candidates cannot start this sitting until" in banner
        assert "section 1" in banner and "category 宪法, Single choice: requested 3, available 2" in banner
    assert 'id="bank-short"' not in client.get(f"/exams/sittings/{closed.id}").get_data(as_text=True)
    listing = client.get("/exams/sittings").get_data(as_text=True)
    marked = {int(m) for m in re.findall(r'<tr data-sitting="(\d+)">(?:(?!</tr>).)*data-unfillable', listing, re.S)}
    assert marked == {open_now.id, upcoming.id}


def test_the_start_terms_and_admission_are_set_on_the_form_and_fixed_once_started(client, db, clock, city, city_a_sitting):
    sign_in(client, "admin_a")
    edit = f"/exams/sittings/{city_a_sitting.id}/edit"
    page = client.get(edit).get_data(as_text=True)
    bad = client.form_post(edit, posted_by_a_browser(page, allowed_networks="10.20.1.5/16", late_start_cutoff_min="600"))
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert "did you mean 10.20.0.0/16" in text and "the late-start cut-off must be shorter than the window" in text
    saved = client.form_post(edit, posted_by_a_browser(
        page, access_code="8842", allowed_networks="10.20.0.0/16", late_start_cutoff_min="15",
        rules_text="一、独立作答。\r\n二、不得拍照。", pledge_text="本人承诺诚信考试。"))
    assert saved.status_code == 302, saved.get_data(as_text=True)[:2000]
    db.expire_all()
    assert city_a_sitting.late_start_cutoff_s == 900 and city_a_sitting.allowed_networks == "10.20.0.0/16"
    assert city_a_sitting.rules_text == "一、独立作答。\n二、不得拍照。" and city_a_sitting.pledge_text == "本人承诺诚信考试。"
    assert admission_service.code_matches(city_a_sitting.access_code_hash, "8842")
    page = client.get(edit).get_data(as_text=True)
    assert "8842" not in page and city_a_sitting.access_code_hash not in page and 'id="access-code-set"' in page
    # Saving again without typing a code keeps it.
    assert client.form_post(edit, posted_by_a_browser(page, title="再次保存")).status_code == 302
    db.expire_all()
    assert admission_service.code_matches(city_a_sitting.access_code_hash, "8842")

    attempts.start_attempt(db, clock, city["cadres"][0], city_a_sitting)
    db.commit()
    refused = client.form_post(edit, posted_by_a_browser(page, pledge_text="另一份承诺"))
    assert refused.status_code == 409
    db.expire_all()
    assert city_a_sitting.pledge_text == "本人承诺诚信考试。"
