"""Study lists: whom a list reaches (unit subtree, rank), published versions that never change
under cadres, time spent measured on the server, coverage counts, paper sections drawing from a
list's laws, and HR's progress within their units."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from question_bank.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from question_bank.models import AuditEvent, ListStatus, QuestionStatus, Requirement, Role, StudyList, UnitLevel
from question_bank.ranks import Level, level_of
from question_bank.services import assembly, study_coverage, study_lists, study_progress, study_reports
from question_bank.services.study_lists import ItemValues, ListValues
from question_bank.services.study_targets import cadres_reached, lists_for_cadre, unread_ranks

PENALTIES = "行政法/行政处罚法(2021-01-22).md"


@pytest.fixture
def penalties(make):
    return make.laws(PENALTIES)[0]


def _law_id(db):
    from question_bank.models import Law

    return db.scalar(select(Law.id).where(Law.short_title == "行政处罚法"))


def _list(db, clock, admin, *scopes: str, levels=(), targets=(), threshold=3, publish=True):
    made = study_lists.create_list(db, clock, admin, ListValues(title="2026年度学法清单", year=2026, levels=list(levels),
                                                                target_unit_ids=[t.id for t in targets],
                                                                threshold=threshold))
    for scope in scopes:
        study_lists.add_item(db, clock, admin, made, ItemValues(_law_id(db), scope, Requirement.CLOSE_STUDY, Decimal("1.5")))
    if publish:
        study_lists.publish(db, clock, admin, made)
    db.commit()
    return made


def test_ranks_are_read_whatever_their_spelling():
    assert {level_of(t) for t in ("正处", "县处级正职", "处级 正职", "正处级", "二级巡视员", "县处级　正职")} == {Level.COUNTY_CHIEF}
    assert level_of("三级主任科员") == Level.SECTION_DEPUTY
    assert level_of("处长") is None and level_of("") is None


def test_a_list_reaches_cadres_of_its_unit_subtrees_and_ranks(db, clock, make, penalties):
    city = make.unit("甲市", level=UnitLevel.CITY)
    bureau = make.unit("甲市市场监管局", parent=city)
    other = make.unit("乙市", level=UnitLevel.CITY)
    admin = make.user(Role.STUDY_ADMIN)
    chief = make.cadre(unit=bureau, rank="正处")
    deputy = make.cadre(unit=bureau, rank="县处级副职")
    clerk = make.cadre(unit=bureau, rank="副科")
    odd = make.cadre(unit=city, rank="处长")
    elsewhere = make.cadre(unit=other, rank="正处")
    made = _list(db, clock, admin, "全文", levels=[Level.COUNTY_CHIEF, Level.COUNTY_DEPUTY], targets=[city])
    assert {u.id for u in cadres_reached(db, made)} == {chief.id, deputy.id}
    assert [u.user.id for u in unread_ranks(db, made)] == [odd.id]
    assert lists_for_cadre(db, chief) == [made]
    assert lists_for_cadre(db, clerk) == [] and lists_for_cadre(db, elsewhere) == []
    everyone = _list(db, clock, admin, "第一章")
    assert {l.id for l in lists_for_cadre(db, elsewhere)} == {everyone.id}


def test_published_items_never_change_and_editing_makes_a_new_version(db, clock, make, penalties):
    admin = make.user(Role.STUDY_ADMIN)
    cadre = make.cadre()
    first = _list(db, clock, admin, "第一章", "第三十条")
    with pytest.raises(Conflict):
        study_lists.add_item(db, clock, admin, first, ItemValues(_law_id(db), "全文", Requirement.READ_THROUGH))
    with pytest.raises(Conflict):
        study_lists.remove_item(db, clock, admin, first.items[0])
    item = first.items[0]
    study_progress.open_item(db, clock, cadre, item)
    clock.advance(minutes=10)
    study_progress.mark_studied(db, clock, cadre, item)
    db.commit()
    second = study_lists.new_version(db, clock, admin, first)
    assert second.version_no == 2 and second.status == ListStatus.DRAFT
    study_lists.remove_item(db, clock, admin, second.items[0])
    study_lists.publish(db, clock, admin, second)
    db.commit()
    assert first.status == ListStatus.SUPERSEDED and [i.scope_text for i in first.items] == ["第一章", "第三十条"]
    # The cadre who worked on version 1 keeps it; a newcomer gets version 2.
    assert lists_for_cadre(db, cadre) == [first]
    assert lists_for_cadre(db, make.cadre()) == [second]
    actions = set(db.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "study_list")))
    assert {"study_list.create", "study_list.publish", "study_list.new_version", "study_list.item_remove"} <= actions


def test_copy_to_next_year_is_a_new_draft_list(db, clock, make, penalties):
    admin = make.user(Role.STUDY_ADMIN)
    made = _list(db, clock, admin, "第一章")
    copy = study_lists.copy_to_year(db, clock, admin, made, 2027)
    assert (copy.year, copy.title, copy.status, copy.family_id) == (2027, "2027年度学法清单", ListStatus.DRAFT, copy.id)
    assert [i.article_count for i in copy.items] == [i.article_count for i in made.items]


def test_only_keepers_of_the_unit_keep_a_list(db, clock, make, penalties):
    city = make.unit("甲市", level=UnitLevel.CITY)
    sibling = make.unit("乙市", level=UnitLevel.CITY)
    keeper = make.user(Role.STUDY_ADMIN, unit=city)
    made = _list(db, clock, keeper, "全文", publish=False)
    with pytest.raises(PermissionDenied):
        study_lists.publish(db, clock, make.user(Role.STUDY_ADMIN, unit=sibling), made)
    with pytest.raises(PermissionDenied):
        study_lists.create_list(db, clock, make.user(Role.BANK_EDITOR), ListValues(title="x", year=2026))
    with pytest.raises(InvalidInput):
        study_lists.create_list(db, clock, keeper, ListValues(title="x", year=2026, target_unit_ids=[sibling.id]))


def test_time_spent_is_measured_on_the_server_and_capped(db, clock, make, penalties):
    admin = make.user(Role.STUDY_ADMIN)
    cadre = make.cadre()
    item = _list(db, clock, admin, "全文").items[0]
    with pytest.raises(Conflict):
        study_progress.mark_studied(db, clock, cadre, item)
    study_progress.open_item(db, clock, cadre, item)
    clock.advance(minutes=5)
    study_progress.open_item(db, clock, cadre, item)  # a reload does not restart the clock
    clock.advance(minutes=20)
    assert study_progress.mark_studied(db, clock, cadre, item) == 25 * 60
    study_progress.open_item(db, clock, cadre, item)
    clock.advance(hours=9)
    assert study_progress.mark_studied(db, clock, cadre, item) == study_progress.MAX_SECONDS_PER_OPEN
    progress, = study_progress.cadre_study(db, cadre)
    assert progress.studied == 1 and progress.hours == Decimal("2.42")


def test_a_cadre_cannot_study_an_item_of_a_list_not_for_them(db, clock, make, penalties):
    admin = make.user(Role.STUDY_ADMIN)
    item = _list(db, clock, admin, "全文", levels=[Level.BUREAU_CHIEF]).items[0]
    with pytest.raises(NotFound):
        study_progress.item_for_cadre(db, make.cadre(rank="副科"), item.id)


def test_coverage_counts_published_questions_citing_each_item_by_type(db, clock, make, penalties):
    admin = make.user(Role.STUDY_ADMIN)
    made = _list(db, clock, admin, "第一章", "第三十条", threshold=2)  # 第一章 is 第一条 to 第八条
    make.question(legal_basis="《中华人民共和国行政处罚法》第三条")
    make.question("true_false", legal_basis="行政处罚法第5条")
    make.question("true_false", legal_basis="行政处罚法第5条", status=QuestionStatus.DRAFT)
    make.question(legal_basis="《中华人民共和国行政处罚法》第九条")
    make.question(legal_basis="无关依据", stem="行政处罚法第三十条规定的是什么（　）")
    chapter, article = study_coverage.coverage(db, made)
    assert chapter.by_type == {"single_choice": 1, "true_false": 1} and not chapter.flagged
    assert article.total == 0 and article.flagged and article.first_uncited.label == "第三十条"
    assert study_coverage.citation_text(article.item, article.first_uncited) == "《中华人民共和国行政处罚法》第三十条"


def test_a_paper_section_draws_only_from_the_laws_of_a_study_list(db, clock, make, penalties):
    admin = make.user(Role.STUDY_ADMIN)
    made = _list(db, clock, admin, "第一章")
    inside = make.question(legal_basis="《中华人民共和国行政处罚法》第三条")
    make.question(legal_basis="《中华人民共和国行政处罚法》第九条")
    paper = make.paper([("single_choice", 1, 10, "行政处罚法")])
    section = paper.sections[0]
    assert assembly.pool_size(db, section) == 2
    section.study_list_id = made.id
    db.flush()
    assert assembly.section_pool(db, section) == [inside.published_version_id]
    section.count = 2
    with pytest.raises(InvalidInput):
        assembly.check_paper(db, paper)


def test_hr_sees_progress_of_cadres_in_their_units_only(db, clock, make, penalties):
    city = make.unit("甲市", level=UnitLevel.CITY)
    other = make.unit("乙市", level=UnitLevel.CITY)
    admin = make.user(Role.STUDY_ADMIN)
    mine = make.cadre(unit=city, display_name="张三")
    make.cadre(unit=other, display_name="李四")
    made = _list(db, clock, admin, "第一章", "第三十条")
    study_progress.open_item(db, clock, mine, made.items[0])
    clock.advance(minutes=36)
    study_progress.mark_studied(db, clock, mine, made.items[0])
    hr = make.user(Role.HR, unit=city)
    rows = study_reports.cadre_rows(db, hr, made)
    assert rows == [("甲市", "张三", "", 1, 2, Decimal("0.60"), 0, None, 0)]
    assert study_reports.unit_rows(db, hr, made) == [("甲市", 1, 0, 1, Decimal("0.60"), 0, None, 0)]
    headers, exported = study_reports.export_progress(db, clock, hr, made, "cadre", "csv")
    assert exported == rows and headers[0] == "单位"
    assert db.scalar(select(AuditEvent.action).where(AuditEvent.action == "export.study_progress"))
    with pytest.raises(PermissionDenied):
        study_reports.cadre_rows(db, admin, made)
    assert study_reports.lists_for_reader(db, make.user(Role.HR, unit=other)) == [made]
    draft = _list(db, clock, admin, "全文", publish=False)
    with pytest.raises(NotFound):
        study_reports.visible_list(db, hr, draft.id)


def test_hr_reports_on_lists_aimed_at_their_city_above_it_or_below_it_and_never_beside_it(db, clock, make, penalties):
    city = make.unit("甲市", level=UnitLevel.CITY)
    district = make.unit("甲市某区", parent=city, level=UnitLevel.COUNTY)
    beside = make.unit("乙市", level=UnitLevel.CITY)
    admin = make.user(Role.STUDY_ADMIN)
    province_wide, for_city, for_district, for_beside = (
        _list(db, clock, admin, "第一章", targets=targets) for targets in ((), [city], [district], [beside]))
    hr = make.user(Role.HR, unit=city)
    shown = {l.id for l in study_reports.lists_for_reader(db, hr)}
    assert shown == {province_wide.id, for_city.id, for_district.id}
    for seen in (province_wide, for_city, for_district):
        assert study_reports.visible_list(db, hr, seen.id) is seen
    with pytest.raises(NotFound):  # as for a list that does not exist
        study_reports.visible_list(db, hr, for_beside.id)
    # The district's HR sees the province's and the city's lists, whose cadres include theirs.
    district_hr = make.user(Role.HR, unit=district)
    assert {l.id for l in study_reports.lists_for_reader(db, district_hr)} == {province_wide.id, for_city.id,
                                                                                 for_district.id}


def test_parts_ticked_from_the_contents_resolve_and_an_item_can_be_replaced(db, clock, make, penalties):
    from question_bank.services.study_scope import compose_scope

    admin = make.user(Role.STUDY_ADMIN)
    made = _list(db, clock, admin, "第一章", publish=False)
    version = penalties.version
    section = next(h for h in version.headings if h.kind == "section" and h.parent is not None)
    scope = compose_scope(version, [section.id], "2、3至4、%d" % section.first_article)
    assert scope == f"{section.parent.caption} {section.caption}、第2条、第3条至第4条、第{section.first_article}条"
    item = study_lists.update_item(db, clock, admin, made.items[0],
                                   ItemValues(_law_id(db), scope, Requirement.READ_THROUGH, None, "复习"))
    db.commit()
    assert [i.id for i in made.items] == [item.id] and item.position == 1
    # An article named twice (in the section and on its own) counts once.
    assert item.article_count == section.last_article - section.first_article + 1 + 3
    assert (item.requirement, item.hours, item.note) == (Requirement.READ_THROUGH, None, "复习")


def test_an_earlier_version_is_named_on_export_and_found_again(db, clock, make):
    from question_bank.services import study_list_files
    from question_bank.services.study_scope import compose_scope

    loaded = make.laws("诉讼与非诉讼程序法/行政复议法(2017-09-01).md", "诉讼与非诉讼程序法/行政复议法(2023-09-01).md")
    old = loaded[0].version
    admin = make.user(Role.STUDY_ADMIN)
    made = study_lists.create_list(db, clock, admin, ListValues(title="2026年度清单", year=2026))
    scope = compose_scope(old, [], "6")
    assert scope == "第6条（2017年文本）"
    item = study_lists.add_item(db, clock, admin, made, ItemValues(old.law_id, scope, Requirement.CLOSE_STUDY))
    assert item.law_version_id == old.id
    again = study_list_files.import_list(db, clock, admin, "x.xlsx", study_list_files.export_list(db, clock, admin, made))
    assert again.items[0].law_version_id == old.id and again.items[0].article_count == 1


def test_marking_studied_before_the_least_reading_time_is_refused_saying_how_long_remains(db, clock, make, penalties):
    """Tester's defect 5: 3 seconds after opening is no study. An item of 8 articles needs 80 s,
    one of 1 article a minute, the whole 行政处罚法 (86 articles) 860 s (15 min at most)."""
    admin = make.user(Role.STUDY_ADMIN)
    cadre = make.cadre()
    chapter, article, whole = _list(db, clock, admin, "第一章", "第三十条", "全文").items
    assert [study_progress.min_reading_seconds(i) for i in (chapter, article, whole)] == [80, 60, 860]
    study_progress.open_item(db, clock, cadre, chapter)
    clock.advance(seconds=3)
    with pytest.raises(Conflict) as refused:
        study_progress.mark_studied(db, clock, cadre, chapter)
    assert (refused.value.params["minutes"], refused.value.params["seconds"]) == (1, 17)
    clock.advance(seconds=77)
    assert study_progress.mark_studied(db, clock, cadre, chapter) == 80
    progress, = study_progress.cadre_study(db, cadre)
    assert progress.studied == 1


@pytest.mark.parametrize("year, words", [(1999, "2000"), (2026, "2026")])
def test_copying_to_a_year_out_of_range_or_to_its_own_year_is_refused(db, clock, make, penalties, year, words):
    admin = make.user(Role.STUDY_ADMIN)
    made = _list(db, clock, admin, "第一章")
    with pytest.raises(InvalidInput) as refused:
        study_lists.copy_to_year(db, clock, admin, made, year)
    problem, = refused.value.problems
    assert problem.place == "year" and words in str(problem)
    assert db.scalar(select(func.count()).select_from(StudyList)) == 1
