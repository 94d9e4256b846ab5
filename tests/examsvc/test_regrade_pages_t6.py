"""Issue 6, a second tester's findings on the regrade and marks pages: a void kept through a key
correction is said (finding 3); maximum changes are counted and shown in the history (finding 4a,
4b); an approved score change overtaken by a regrade says so (finding 5)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from question_bank.models import Question, Role, ScoreChange
from question_bank.services import regrade, score_changes
from tests.examsvc.test_corrections_pages import exam  # noqa: F401 (fixture)
from tests.question_bank.test_case_c10_regrade import correct_key


def _post(client, sitting, q, kind, reason, **more):
    return client.form_post(f"/exams/sittings/{sitting.id}/regrade",
                            {"question": q.id, "kind": kind, "reason": reason, **more})


def test_removing_a_question_counts_the_maximum_change_and_the_history_shows_the_maximum(client, db, exam):
    q, sitting, (p, r) = exam
    client.login("admin1")
    page = _post(client, sitting, q, "void_removed", "超纲").get_data(as_text=True)
    # P scored 0 on the question: only the maximum changes (98/100 → 98/98); R's score changes.
    counts = page[page.index('id="regrade-counts"'):]
    counts = counts[:counts.index("</p>")]
    assert "2 " in counts and "1 " in counts  # 2 used the question, 1 score changes
    maxima = page[page.index('id="regrade-max"'):]
    assert "100 → 98" in maxima[:maxima.index("</p>")]
    assert _post(client, sitting, q, "void_removed", "超纲", confirm="apply").status_code == 302
    history = client.get(f"/exams/sittings/{sitting.id}/regrade").get_data(as_text=True)
    assert "官员P: 98/100 → 98/98" in history


def test_a_key_correction_after_a_void_says_the_void_stays_and_changes_nothing(client, db, clock, make, exam):
    q, sitting, (p, r) = exam
    client.login("admin1")
    assert _post(client, sitting, q, "void_full_marks", "题目有误", confirm="apply").status_code == 302
    correct_key(make, db, clock, db.get(Question, q.id), ["A", "C"])
    page = _post(client, sitting, q, "key_corrected", "答案更正").get_data(as_text=True)
    assert 'id="regrade-void-kept"' in page and 'id="regrade-apply"' in page
    assert _post(client, sitting, q, "key_corrected", "答案更正", confirm="apply").status_code == 302
    db.expire_all()
    assert (p.score, r.score) == (Decimal(100), Decimal(100))
    marks = client.get(f"/exams/attempts/{p.id}/marks").get_data(as_text=True)
    assert "badge voided" in marks


def test_an_approved_change_overtaken_by_a_void_says_it_no_longer_counts(client, db, clock, make, exam):
    q, sitting, (p, r) = exam
    item = next(i for i in p.items if i.slot == 1)
    admin1 = db.scalar(select(type(make.user(Role.EXAM_ADMIN))).where(type(make.user(Role.EXAM_ADMIN)).username == "admin1"))
    change = score_changes.propose(db, clock, admin1, item.id, Decimal(1), "酌情给分")
    score_changes.decide(db, clock, make.user(Role.EXAM_ADMIN), change.id, approve=True)
    db.commit()
    client.login("admin1")
    page = client.get(f"/exams/attempts/{p.id}/marks").get_data(as_text=True)
    assert 'class="superseded"' not in page
    regrade.apply(db, clock, admin1, sitting.id, q.id, "void_full_marks", "作废给分")
    db.commit()
    page = client.get(f"/exams/attempts/{p.id}/marks").get_data(as_text=True)
    assert 'class="superseded"' in page and "作废给分" in page
    assert score_changes.superseded_changes(db, p)[change.id].reason == "作废给分"
    assert db.get(ScoreChange, change.id).state == "approved"
