"""A province for the appraisal summary's tests (HR's page and the records API read it alike):
甲市 (法制科 with 张三, 王五 and 赵六) and 乙市 (李四). First sitting: 张三 passes (100), 王五 fails
(40) and passes the make-up (60), 赵六 is absent; 李四 passes at 乙市's own sitting.
:func:`add_small_paper` gives 王五 a third sitting, on a 50-point paper: 45 of 50."""

from __future__ import annotations

from question_bank.models import ExamKind, MakeupLink, Role, UnitLevel
from question_bank.services import attempts
from tests.conftest import at

PAPER = [("single_choice", 1, "60", "行政处罚法"), ("single_choice", 1, "40", "行政许可法")]


def take(db, clock, cadre, sitting, answers):
    attempt = attempts.start_attempt(db, clock, cadre, sitting, seed=1)
    for slot, letter in answers.items():
        attempts.save_response(db, clock, cadre, attempt.id, slot, [letter], slot)
    attempts.submit_attempt(db, clock, cadre, attempt.id)
    db.commit()
    return attempt


def build_scene(db, clock, make) -> dict:
    """The province above, the clock at 18:00 of the test day (every window closed); the
    people, units and sittings by name."""
    make.questions(2, category="行政处罚法")
    make.questions(2, category="行政许可法")
    city_a = make.unit("甲市", level=UnitLevel.CITY)
    city_b = make.unit("乙市", level=UnitLevel.CITY)
    office = make.unit("法制科", parent=city_a)
    zhang = make.cadre(display_name="张三", unit=office, id_number="110101199003114512")
    wang = make.cadre(display_name="王五", unit=office)
    zhao = make.cadre(display_name="赵六", unit=office)
    li = make.cadre(display_name="李四", unit=make.unit("乙市司法局", parent=city_b))
    paper = make.paper(PAPER)
    first = make.sitting(paper, roster=[zhang, wang, zhao], shuffle=False, title="任前考试",
                         opens_at=at("09:00:00"), closes_at=at("12:00:00"))
    theirs = make.sitting(paper, roster=[li], shuffle=False, title="乙市考试", opens_at=at("09:00:00"),
                          closes_at=at("12:00:00"))
    clock.set(at("10:00:00"))
    take(db, clock, zhang, first, {1: "B", 2: "B"})
    take(db, clock, wang, first, {2: "B"})
    take(db, clock, li, theirs, {1: "B", 2: "B"})
    makeup = make.sitting(paper, roster=[wang], shuffle=False, title="补考", kind=ExamKind.MAKEUP,
                          opens_at=at("14:00:00"), closes_at=at("17:00:00"))
    db.add(MakeupLink(makeup_sitting_id=makeup.id, original_sitting_id=first.id))
    db.commit()
    clock.set(at("14:30:00"))
    take(db, clock, wang, makeup, {1: "B"})
    clock.set(at("18:00:00"))
    hr_a = make.user(Role.HR, unit=city_a)
    return dict(city_a=city_a, city_b=city_b, office=office, zhang=zhang, wang=wang, zhao=zhao, li=li, first=first,
                makeup=makeup, hr_a=hr_a, hr_province=make.user(Role.HR))


def add_small_paper(db, clock, make, scene) -> None:
    """王五 scores 45 of a 50-point paper (90 %) at an annual sitting that evening; the clock then
    at 21:00 (every window closed)."""
    small = make.paper([("single_choice", 1, "45", "行政处罚法"), ("single_choice", 1, "5", "行政许可法")])
    evening = make.sitting(small, roster=[scene["wang"]], shuffle=False, title="年度考试", kind=ExamKind.ANNUAL,
                           pass_mark=30, opens_at=at("18:00:00"), closes_at=at("20:00:00"))
    clock.set(at("18:30:00"))
    take(db, clock, scene["wang"], evening, {1: "B"})
    clock.set(at("21:00:00"))
