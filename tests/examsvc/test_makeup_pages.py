"""An exam administrator creates a make-up sitting (补考) from a closed one on the web; HR sees the
make-up's score sheet with each candidate's first attempt."""

from __future__ import annotations

from question_bank.models import Role, Sitting
from question_bank.services import makeups
from tests.conftest import at


def test_a_makeup_is_created_from_the_closed_sitting_with_its_default_roster(client, make, db, clock):
    make.questions(2, "single_choice", key=["B"])
    admin = make.user(Role.EXAM_ADMIN, username="makeup_admin")
    absent = make.cadre(display_name="缺考干部")
    paper = make.paper([("single_choice", 2, 50, "行政处罚法")])
    first = make.sitting(paper, roster=[absent], opens_at=at("08:00:00"), closes_at=at("09:00:00"), title="首考场次")
    client.login(admin.username)
    page = client.get(f"/exams/sittings/{first.id}").get_data(as_text=True)
    assert 'id="new-makeup"' in page
    form = client.get(f"/exams/sittings/new?makeup_of={first.id}&paper={paper.id}").get_data(as_text=True)
    assert f'<option selected value="{first.id}">' in form or f'value="{first.id}" selected' in form
    created = client.form_post("/exams/sittings/new", {
        "title": "补考场次", "kind": "makeup", "paper": paper.id, "opens_at": "2026-05-11T14:00",
        "closes_at": "2026-05-11T17:00", "time_limit_min": 30, "attempts_allowed": 1, "grace_s": 30,
        "results_policy": "immediately", "late_start_cutoff_min": 0, "makeup_of": first.id})
    assert created.status_code == 302, created.get_data(as_text=True)[:3000]
    db.rollback()
    makeup = db.query(Sitting).filter_by(title="补考场次").one()
    assert [e.user_id for e in makeup.roster] == [absent.id]
    assert makeups.original_of(db, makeup).id == first.id
    shown = client.get(created.headers["Location"]).get_data(as_text=True)
    assert 'id="makeup-of"' in shown and "首考场次" in shown

    hr = make.user(Role.HR, username="makeup_hr")
    client.login(hr.username)
    sheet = client.get(f"/reports/sittings/{makeup.id}").get_data(as_text=True)
    assert "首考成绩" in sheet and "缺考" in sheet
    csv = client.get(f"/reports/sittings/{makeup.id}/scores.csv").get_data(as_text=True)
    assert csv.splitlines()[0].endswith("首考场次,首考结束方式,首考成绩,首考是否合格")
