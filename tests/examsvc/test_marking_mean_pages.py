"""The marker is told how an agreed mean with half a hundredth is kept (issue 6, tester finding 1),
and a mark typed in digits of another script is refused naming the field (finding 7)."""

from __future__ import annotations

from decimal import Decimal

from question_bank.models import Role
from tests.examsvc.test_marking_pages import marked_exam  # noqa: F401 (fixture)


def test_the_second_marker_is_told_the_rule_and_the_mean_kept(client, client_factory, make, db, marked_exam):
    cadre, sitting, attempt, item_id = marked_exam
    sitting.second_marking, sitting.marking_tolerance = True, Decimal(1)
    db.commit()
    make.user(Role.MARKER, username="marker1")
    make.user(Role.MARKER, username="marker2")
    client.login("marker1")
    first = client.get(f"/marking/items/{item_id}").get_data(as_text=True)
    assert 'id="mean-rule"' not in first  # the first marker sees no mean
    assert client.form_post(f"/marking/items/{item_id}", {"score": "30.00", "comment": ""}).status_code == 302
    second = client_factory()
    second.login("marker2")
    page = second.get(f"/marking/items/{item_id}").get_data(as_text=True)
    assert 'id="mean-rule"' in page and "30.005" in page
    done = second.form_post(f"/marking/items/{item_id}", {"score": "30.01", "comment": ""}, follow_redirects=True)
    text = done.get_data(as_text=True)
    assert "30.005" in text and "30.00" in text
    db.expire_all()
    assert attempt.score == Decimal("90.00")  # 60 + 30.005, cut down to the hundredth
    make.user(Role.EXAM_ADMIN, username="admin1")
    admin = client_factory()
    admin.login("admin1")
    marks = admin.get(f"/exams/attempts/{attempt.id}/marks").get_data(as_text=True)
    assert 'class="exact-mean"' in marks and "30.005" in marks


def test_a_mark_in_arabic_indic_digits_is_refused_naming_the_field_and_full_width_is_read(client, make, db,
                                                                                          marked_exam):
    cadre, sitting, attempt, item_id = marked_exam
    make.user(Role.MARKER, username="marker1")
    client.login("marker1")
    refused = client.form_post(f"/marking/items/{item_id}", {"score": "٣٠", "comment": ""})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "٣٠" in text
    assert "分数：" in text or "分数: " in text or "分数" in text.split("٣٠")[0][-200:]
    db.expire_all()
    assert attempt.score is None
    taken = client.form_post(f"/marking/items/{item_id}", {"score": "３０．５", "comment": ""})
    assert taken.status_code == 302
    db.expire_all()
    assert attempt.score == Decimal("90.50")
