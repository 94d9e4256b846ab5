"""A whole exam with all six question types through the web: start, autosave each answer, submit,
the result, the dashboard and the HR score sheet say "awaiting marking" while the short answer
waits for a marker; once it is marked, the score, the ledger and the review (each blank's key) follow."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from question_bank.models import Attempt, Mark, Role, ScoreRecord
from question_bank.reports.score_sheet import COL_CHECK, COL_ENDED, COL_NAME, COL_SCORE, HEADERS
from question_bank.services.marking import awaiting_marking, complete_marking
from tests.examsvc.test_bank_question_pages import signed_in
from tests.scenarios import save, start_through_web, state, submit

FILL_STEM = "公民对行政行为不服的，可以依法申请（ ），也可以依法提起___。"
ESSAY = "行政机关应当依法告知拟作出的处罚内容及事实、理由、依据，\n并告知陈述、申辩、要求听证的权利。"
#: (type, points) of slots 1–6.
PAPER = [("single_choice", 10), ("multiple_choice", 20), ("indefinite_choice", 10), ("true_false", 10),
         ("fill_blank", 20), ("short_answer", 30)]
#: What the candidate answers in each slot, as the exam page sends it.
ANSWERS = {1: ["B"], 2: ["A", "C"], 3: ["A"], 4: "T", 5: [" 行政复议\u3000", "诉讼"], 6: ESSAY}


@pytest.fixture
def exam(make):
    for qtype, _ in PAPER:
        kwargs = {"stem": FILL_STEM, "key": [["行政复议"], ["行政诉讼", "诉讼"]]} if qtype == "fill_blank" else {}
        make.question(qtype, **kwargs)
    cadre = make.cadre(username="wangwu", display_name="王五")
    paper = make.paper([(qtype, 1, points, "行政处罚法") for qtype, points in PAPER])
    sitting = make.sitting(paper, roster=[cadre], shuffle=False, show_answers=True, title="六种题型考试")
    return cadre, sitting


def score_sheet_row(client, sitting_id: int) -> dict[str, str]:
    body = client.get(f"/reports/sittings/{sitting_id}/scores.csv").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body, newline="")))
    assert tuple(rows[0]) == HEADERS
    (row,) = [dict(zip(rows[0], r)) for r in rows[1:] if r[rows[0].index(COL_NAME)] == "王五"]
    return row


def test_a_whole_exam_with_every_type_waits_for_the_marker_then_shows_its_score(client, client_factory, make, db, exam):
    cadre, sitting = exam
    signed_in(client, cadre)
    attempt_id = start_through_web(client, sitting)
    page = client.get(f"/me/attempts/{attempt_id}").get_data(as_text=True)
    assert [f'data-answer-form="{form}"' in page for form in ("options", "true_false", "blanks", "text")] == [True] * 4
    assert 'name="slot-5-blank-1"' in page and 'name="slot-5-blank-2"' in page and 'name="slot-5-blank-3"' not in page
    assert '<textarea name="slot-6"' in page

    for seq, (slot, answer) in enumerate(ANSWERS.items(), start=1):
        assert save(client, attempt_id, slot, answer, seq).status_code == 200, slot
    stored = state(client, attempt_id)
    assert stored["answered"] == 6 and stored["responses"] == {str(k): v for k, v in ANSWERS.items()}
    # A reload shows every answer where it was typed or chosen.
    page = client.get(f"/me/attempts/{attempt_id}").get_data(as_text=True)
    assert 'value=" 行政复议\u3000"' in page and 'value="诉讼"' in page and f">{ESSAY}</textarea>" in page

    body = submit(client, attempt_id).get_json()
    assert body["state"] == "submitted" and body["awaiting_marking"] is True and "score" not in body
    result = client.get(f"/me/attempts/{attempt_id}/result").get_data(as_text=True)
    assert 'id="awaiting-marking"' in result and "Awaiting marking" in result and 'id="score"' not in result
    assert "Awaiting marking" in client.get("/me/").get_data(as_text=True)
    review = client.get(f"/me/attempts/{attempt_id}/review").get_data(as_text=True)
    assert 'class="badge warn awaiting-marking"' in review
    # The sitting shows answers at once: the key is there while the essay waits, the marks are not.
    assert 'class="blank-key"' in review and 'class="badge ok"' not in review
    assert ESSAY.split("\n")[0] in review

    hr = signed_in(client_factory(), make.user(Role.HR, username="hr_six"), english=False)
    row = score_sheet_row(hr, sitting.id)
    assert (row[COL_ENDED], row[COL_CHECK], row[COL_SCORE]) == ("交卷", "待阅卷", "")
    assert db.scalar(select(func.count(ScoreRecord.id))) == 0
    admin = signed_in(client_factory(), make.user(Role.EXAM_ADMIN, username="admin_six"))
    monitor = admin.get(f"/exams/sittings/{sitting.id}").get_data(as_text=True)
    assert 'class="badge warn awaiting-marking"' in monitor

    # The marker gives the essay 25 of 30; the machine marked the rest: 10 + 20 + 10 + 10 + 20.
    attempt = db.get(Attempt, attempt_id)
    (item,) = awaiting_marking(db, attempt)
    marker = make.user(Role.MARKER)
    db.add(Mark(attempt_item=item, score=Decimal(25), marked_at=make.clock.now(), marker_id=marker.id))
    complete_marking(db, make.clock, attempt, marker)
    db.commit()

    result = client.get(f"/me/attempts/{attempt_id}/result").get_data(as_text=True)
    assert 'id="awaiting-marking"' not in result and 'id="score">95' in result
    review = client.get(f"/me/attempts/{attempt_id}/review").get_data(as_text=True)
    blanks = review.split('data-answer-form="blanks"')[1].split("</article>")[0]
    assert blanks.count('class="right"') == 2 and ('<span class="alternative">行政诉讼</span> <span class="or">'
                                                        in blanks)
    assert (score_sheet_row(hr, sitting.id)[COL_ENDED], score_sheet_row(hr, sitting.id)[COL_SCORE]) == ("交卷", "95")
