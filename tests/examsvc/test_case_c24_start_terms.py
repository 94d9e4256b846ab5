"""Case C-24: a late start is told how much time it really has, reads the exam rules and accepts
the integrity pledge before starting; a sitting may refuse starts in its last minutes; deadlines
carry their date whenever it is not today; an automatic close says so on the result page."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from question_bank.errors import WindowNotOpen
from question_bank.models import Attempt, AttemptState, AuditEvent, Sitting
from question_bank.services import start_terms
from tests.conftest import at
from tests.scenarios import single_choice_exam, start_through_web


def test_c24_late_start_is_shown_the_window_close_not_the_time_limit(client, make, clock, db):
    exam = single_choice_exam(make, minutes=60, opens_at=at("08:00:00"), closes_at=at("12:00:00"))
    client.login(exam.cadre.username)
    clock.set(at("11:57:00"))

    listing = client.get("/me/").get_data(as_text=True)
    assert "2026-05-11 12:00" in listing and "3 分钟" in listing
    assert "60分钟" not in listing.split("如现在开始")[1].split("</p>")[0]

    confirm = client.get(f"/me/sittings/{exam.sitting.id}/start")
    page = confirm.get_data(as_text=True)
    assert confirm.status_code == 200
    assert "2026-05-11 12:00" in page and "3 分钟" in page
    assert "考试须知" in page and "诚信承诺" in page
    assert db.scalar(select(Attempt).where(Attempt.user_id == exam.cadre.id)) is None  # showing starts nothing

    attempt_id = start_through_web(client, exam.sitting)
    attempt = db.get(Attempt, attempt_id)
    assert attempt.deadline == at("12:00:00")
    assert attempt.pledge_accepted_at == at("11:57:00")


def test_a_start_on_time_shows_the_full_time_limit(client, make, clock):
    exam = single_choice_exam(make, minutes=60, opens_at=at("08:00:00"), closes_at=at("18:00:00"))
    client.login(exam.cadre.username)
    clock.set(at("09:00:00"))
    page = client.get(f"/me/sittings/{exam.sitting.id}/start").get_data(as_text=True)
    assert "2026-05-11 10:00" in page and "60分钟" in page
    assert "窗口关闭" not in page


def test_starting_without_accepting_the_pledge_is_refused_and_starts_nothing(client, make, db):
    exam = single_choice_exam(make)
    client.login(exam.cadre.username)
    refused = client.form_post(f"/me/sittings/{exam.sitting.id}/start")
    assert refused.status_code == 422
    assert "诚信承诺" in refused.get_data(as_text=True)
    assert db.scalar(select(Attempt).where(Attempt.user_id == exam.cadre.id)) is None


def test_the_pledge_the_candidate_accepted_is_recorded_with_the_start(client, make, db):
    exam = single_choice_exam(make, pledge_text="本人承诺独立作答。", rules_text="第一条：独立作答。\n第二条：不得拍照。")
    client.login(exam.cadre.username)
    page = client.get(f"/me/sittings/{exam.sitting.id}/start").get_data(as_text=True)
    assert "本人承诺独立作答。" in page and "<p>第一条：独立作答。</p>" in page and "<p>第二条：不得拍照。</p>" in page
    attempt_id = start_through_web(client, exam.sitting)
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "attempt.start",
                                               AuditEvent.object_id == str(attempt_id)))
    assert event.after["pledge"] == "本人承诺独立作答。"


def test_a_resumed_attempt_does_not_ask_for_the_pledge_again(client, make, db):
    exam = single_choice_exam(make)
    client.login(exam.cadre.username)
    attempt_id = start_through_web(client, exam.sitting)
    again = client.form_post(f"/me/sittings/{exam.sitting.id}/start")
    assert again.status_code == 302 and again.headers["Location"].endswith(f"/me/attempts/{attempt_id}")
    assert client.get(f"/me/sittings/{exam.sitting.id}/start").headers["Location"].endswith(f"/me/attempts/{attempt_id}")


def test_start_is_refused_in_the_sittings_last_minutes(client, make, clock, db):
    exam = single_choice_exam(make, minutes=60, opens_at=at("08:00:00"), closes_at=at("12:00:00"),
                              late_start_cutoff_s=15 * 60)
    client.login(exam.cadre.username)
    clock.set(at("11:45:00"))
    listing = client.get("/me/").get_data(as_text=True)
    assert "late-start-closed" in listing and "11:45" in listing
    assert f"/me/sittings/{exam.sitting.id}/start" not in listing
    refused = client.form_post(f"/me/sittings/{exam.sitting.id}/start", {"pledge": "accepted"},
                               headers={"Accept": "application/json"})
    assert refused.status_code == 409 and refused.get_json()["error"] == "not_open"
    assert db.scalar(select(Attempt).where(Attempt.user_id == exam.cadre.id)) is None

    clock.set(at("11:44:59"))
    attempt_id = start_through_web(client, exam.sitting)
    assert db.get(Attempt, attempt_id).deadline == at("12:00:00")


def test_within_the_late_start_cut_off_the_confirmation_says_one_thing_with_the_times(client, make, clock):
    """Issue-9 trial: the page said both "if you start now, your attempt ends at …" and that
    starting had closed."""
    exam = single_choice_exam(make, minutes=60, opens_at=at("08:00:00"), closes_at=at("12:00:00"),
                              late_start_cutoff_s=15 * 60)
    client.login(exam.cadre.username)
    clock.set(at("11:50:00"))
    for path in (f"/me/sittings/{exam.sitting.id}/start", "/me/"):
        page = client.get(path).get_data(as_text=True)
        card = page.split("<main")[1]
        assert "start-ends" not in card and "如现在开始" not in card  # nothing about starting now
        closed = card.split("late-start-closed")[1].split("</p>")[0]
        assert "已不能开始" in closed and "11:45" in closed and "12:00" in closed and "15 分钟" in closed
    assert 'id="start-button"' not in client.get(f"/me/sittings/{exam.sitting.id}/start").get_data(as_text=True)


def test_a_deadline_on_another_day_shows_its_date(client, make, clock):
    exam = single_choice_exam(make, minutes=120, opens_at=at("20:00:00"), closes_at=at("23:59:00") + dt.timedelta(hours=3))
    client.login(exam.cadre.username)
    clock.set(at("23:00:00"))
    attempt_id = start_through_web(client, exam.sitting)
    listing = client.get("/me/").get_data(as_text=True)
    assert "2026-05-12 01:00" in listing
    exam_page = client.get(f"/me/attempts/{attempt_id}").get_data(as_text=True)
    assert 'id="deadline">2026-05-12 01:00:00<' in exam_page


def test_a_deadline_today_shows_the_time_alone(client, make, clock):
    exam = single_choice_exam(make, minutes=30)
    client.login(exam.cadre.username)
    attempt_id = start_through_web(client, exam.sitting)
    exam_page = client.get(f"/me/attempts/{attempt_id}").get_data(as_text=True)
    assert 'id="deadline">10:30:00<' in exam_page


def test_an_automatically_closed_attempt_says_so_on_the_result_page(client, make, clock, db):
    exam = single_choice_exam(make, minutes=30)
    client.login(exam.cadre.username)
    attempt_id = start_through_web(client, exam.sitting)
    clock.set(at("11:00:00"))
    result = client.get(f"/me/attempts/{attempt_id}/result").get_data(as_text=True)
    assert db.get(Attempt, attempt_id).state == AttemptState.AUTO_SUBMITTED
    assert "到时自动交卷" in result


def test_extra_time_lengthens_the_allowed_time_and_the_close_can_cut_it_short():
    """A candidate with 10 minutes' extra time on a 30-minute paper is allowed 40 minutes; when the
    sitting closes 35 minutes after the start, the start page says the time is cut short to 35."""
    from question_bank.models import Sitting
    from question_bank.services.start_terms import start_terms

    now = at("10:00:00")
    sitting = Sitting(time_limit_s=1800, opens_at=now - dt.timedelta(hours=1), closes_at=now + dt.timedelta(minutes=35),
                      late_start_cutoff_s=0)
    terms = start_terms(sitting, 600, now)
    assert (terms.allowed_s, terms.available_s, terms.cut_short) == (2400, 2100, True)
    assert terms.ends_at == now + dt.timedelta(minutes=35)
    roomy = start_terms(Sitting(time_limit_s=1800, opens_at=sitting.opens_at, closes_at=now + dt.timedelta(hours=2),
                                late_start_cutoff_s=0), 600, now)
    assert (roomy.allowed_s, roomy.available_s, roomy.cut_short) == (2400, 2400, False)


def test_a_late_start_refusal_names_the_cut_off_minutes_and_the_close_in_chinese_and_english(client, make, clock):
    """The cadre who presses Start at the very instant the cut-off begins is refused, and the page
    says how many minutes before the close starting stops and when the sitting closes."""
    exam = single_choice_exam(make, minutes=60, opens_at=at("08:00:00"), closes_at=at("12:00:00"),
                              late_start_cutoff_s=15 * 60)
    client.login(exam.cadre.username)
    clock.set(at("11:45:00"))
    refused = client.form_post(f"/me/sittings/{exam.sitting.id}/start", {"pledge": "accepted"})
    assert refused.status_code == 409
    assert "<h1>本场考试最后 15 分钟内停止开考；考试于 2026-05-11 12:00 关闭。</h1>" in refused.get_data(as_text=True)

    client.form_post("/lang/en")
    refused = client.form_post(f"/me/sittings/{exam.sitting.id}/start", {"pledge": "accepted"},
                               headers={"Accept": "application/json"})
    assert refused.status_code == 409
    assert refused.get_json()["message"] == ("Starting is closed in the last 15 minutes of this sitting; "
                                             "it closes at 2026-05-11 12:00.")


def test_a_start_whose_time_limit_with_extra_time_ends_exactly_at_the_close_is_not_cut_short(client, make, clock, db):
    """30 minutes plus 10 minutes' extra time, started 40 minutes before the close: the cadre gets
    the whole 40 minutes, so the start page shows the allowed time, not "less than the time limit"."""
    exam = single_choice_exam(make, minutes=30, opens_at=at("08:00:00"), closes_at=at("12:00:00"))
    exam.sitting.roster[0].extra_time_s = 600
    db.commit()
    client.login(exam.cadre.username)
    clock.set(at("11:20:00"))
    page = client.get(f"/me/sittings/{exam.sitting.id}/start").get_data(as_text=True)
    ends = page.split('class="start-ends')[1].split("</p>")[0]
    assert "2026-05-11 12:00" in ends and "40分钟" in ends
    assert "cut-short" not in ends and "少于考试时限" not in ends


def test_less_than_a_second_before_the_close_the_start_page_promises_no_minute(client, make, clock):
    """The minutes shown round up whole seconds left; with under a second left there is none to
    round up, so the page says about 0 minutes, not about 1."""
    exam = single_choice_exam(make, minutes=60, opens_at=at("08:00:00"), closes_at=at("12:00:00"))
    client.login(exam.cadre.username)
    clock.set(at("11:59:59") + dt.timedelta(milliseconds=600))
    page = client.get(f"/me/sittings/{exam.sitting.id}/start").get_data(as_text=True)
    ends = page.split('class="start-ends')[1].split("</p>")[0]
    assert "约 0 分钟，少于考试时限" in ends


STANDARD_RULES_ZH = ("独立作答，不得接受他人帮助，不得查阅资料、书籍或使用其他设备。",
                     "每道题作答后即自动保存；断网或刷新页面不会丢失已保存的答案。",
                     "以服务器时间为准：答卷在所示结束时间截止，届时已保存的答案自动交卷。",
                     "不得抄录、拍摄或传播试题。",
                     "离开考试页面将被记录并显示给监考人员。")
STANDARD_PLEDGE_ZH = "本人承诺亲自参加本次考试，诚实独立作答，遵守考试须知，不传播试题。如有违反，愿接受答卷作废的处理。"


def test_a_sitting_without_its_own_rules_and_pledge_shows_the_standard_ones_in_the_cadres_language(client, make, db):
    """No text, or only blanks and line breaks, means the standard rules and pledge, read in Chinese
    (and recorded so when the cadre accepts)."""
    for rules, pledge in ((None, None), ("  \n\t ", " \n ")):
        exam = single_choice_exam(make, rules_text=rules, pledge_text=pledge)
        client.login(exam.cadre.username)
        page = client.get(f"/me/sittings/{exam.sitting.id}/start").get_data(as_text=True)
        shown = page.split('id="exam-rules"')[1].split("</div>")[0]
        assert all(f"<p>{line}</p>" in shown for line in STANDARD_RULES_ZH)
        assert f'<span id="pledge-text">{STANDARD_PLEDGE_ZH}</span>' in page
        attempt_id = start_through_web(client, exam.sitting)
        event = db.scalar(select(AuditEvent).where(AuditEvent.action == "attempt.start",
                                                   AuditEvent.object_id == str(attempt_id)))
        assert event.after["pledge"] == STANDARD_PLEDGE_ZH


def test_a_sittings_own_rules_and_pledge_are_shown_as_written_even_in_the_standard_english_words(client, make, db):
    """An administrator who pastes the standard English wording as the sitting's own rules and pledge
    gets exactly that text on the start page and in the record, not the service's translation."""
    from question_bank.services.start_terms import STANDARD_PLEDGE, STANDARD_RULES

    exam = single_choice_exam(make, rules_text=STANDARD_RULES, pledge_text=STANDARD_PLEDGE)
    client.login(exam.cadre.username)
    page = client.get(f"/me/sittings/{exam.sitting.id}/start").get_data(as_text=True)
    shown = page.split('id="exam-rules"')[1].split("</div>")[0]
    assert "<p>Answer on your own, without help from anyone and without notes, books or other devices.</p>" in shown
    assert STANDARD_RULES_ZH[0] not in shown
    assert 'id="pledge-text">I will take this exam myself, honestly' in page and STANDARD_PLEDGE_ZH not in page
    attempt_id = start_through_web(client, exam.sitting)
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "attempt.start",
                                               AuditEvent.object_id == str(attempt_id)))
    assert event.after["pledge"] == STANDARD_PLEDGE


def test_the_refusal_names_the_cut_off_as_a_whole_number_of_minutes():
    # The page's own wording (English or Chinese) formats it; a JSON client reads the number as is.
    closes = at("17:00:00")
    with pytest.raises(WindowNotOpen) as refused:
        start_terms.refuse_late_start(Sitting(late_start_cutoff_s=600, closes_at=closes), at("16:59:00"))
    assert refused.value.params == {"minutes": 10, "closes": closes}
    assert type(refused.value.params["minutes"]) is int
