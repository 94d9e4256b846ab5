"""Practice from a study list: a cadre the list reaches practises the questions citing the
articles within its items, and nothing else; a list that does not reach them cannot be used."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from question_bank.errors import NotFound
from question_bank.models import Law, PracticeSource, Requirement, Role
from question_bank.services import practice, study_lists
from question_bank.services.study_lists import ItemValues, ListValues
from question_bank.services.study_practice import practice_from_study_list
from tests.scenarios import some_answer

PENALTY = "行政法/行政处罚法(2021-01-22).md"


def _list(db, clock, admin, scope: str, targets=()):
    law_id = db.scalar(select(Law.id).where(Law.short_title == "行政处罚法"))
    made = study_lists.create_list(db, clock, admin, ListValues(title="2026年度执法人员学法清单", year=2026,
                                                                target_unit_ids=[t.id for t in targets]))
    study_lists.add_item(db, clock, admin, made, ItemValues(law_id, scope, Requirement.CLOSE_STUDY, Decimal("1")))
    study_lists.publish(db, clock, admin, made)
    db.commit()
    return made


def _served(db, clock, cadre, run) -> list[int]:
    seen = []
    while (item := practice.current_item(db, clock, cadre, run)) is not None:
        seen.append(item.question_id)
        practice.answer(db, clock, cadre, item.id, some_answer(item))
        db.commit()
        assert len(seen) < 50, "the run never ran dry"
    return seen


def test_a_list_practises_the_questions_citing_its_articles_only(db, make, clock):
    make.laws(PENALTY)
    within = make.questions(2, category="行政法/处罚", legal_basis="《中华人民共和国行政处罚法》第三十六条")
    outside = make.questions(2, category="行政法/处罚", legal_basis="《中华人民共和国行政处罚法》第九条")
    cadre = make.cadre()
    made = _list(db, clock, make.user(Role.STUDY_ADMIN), "第三十条至第三十七条")
    run = practice_from_study_list(db, clock, cadre, made.id)
    db.commit()
    assert run.source == PracticeSource.ARTICLES and run.title == "2026年度执法人员学法清单"
    seen = _served(db, clock, cadre, run)
    assert sorted(seen) == sorted(q.id for q in within)
    assert not set(seen) & {q.id for q in outside}


def test_a_list_that_does_not_reach_the_cadre_cannot_be_practised(db, make, clock):
    make.laws(PENALTY)
    make.questions(1, category="行政法/处罚", legal_basis="《中华人民共和国行政处罚法》第三十六条")
    here, there = make.unit("甲市"), make.unit("乙市")
    made = _list(db, clock, make.user(Role.STUDY_ADMIN), "全文", targets=[here])
    with pytest.raises(NotFound):
        practice_from_study_list(db, clock, make.cadre(unit=there), made.id)
    assert practice_from_study_list(db, clock, make.cadre(unit=here), made.id).title == made.title


def test_the_study_page_starts_practice_from_a_list(client, db, make, clock):
    make.laws(PENALTY)
    make.questions(1, category="行政法/处罚", legal_basis="《中华人民共和国行政处罚法》第三十六条")
    cadre = make.cadre(username="cadre1")
    made = _list(db, clock, make.user(Role.STUDY_ADMIN), "全文")
    client.login("cadre1")
    page = client.get("/me/study/").get_data(as_text=True)
    assert f"/me/study/lists/{made.id}/practice" in page
    response = client.form_post(f"/me/study/lists/{made.id}/practice", {})
    assert response.status_code == 302 and "/practice/" in response.headers["Location"]
