"""Study lists from and to xlsx: the two sample lists import as they are, every item resolved;
refused rows name their row and column and nothing is written; an export imports again to the
same list."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from question_bank.errors import InvalidInput
from question_bank.models import LawArticle, Requirement, Role, StudyItem, StudyList
from question_bank.ranks import Level
from question_bank.services import study_list_files
from question_bank.services.study_scope import study_article_ids
from tests.factories import workbook_bytes
from tests.shared_data import SHARED

SAMPLES = SHARED / "datasets" / "study-lists"
ALL_LAWS = ("宪法", "刑法", "民法典", "宪法相关法", "行政法", "诉讼与非诉讼程序法")


def _import(db, clock, actor, name: str, data: bytes | None = None) -> StudyList:
    data = data if data is not None else (SAMPLES / name).read_bytes()
    found = study_list_files.import_list(db, clock, actor, name, data)
    db.commit()
    return found


def _labels(db, item: StudyItem) -> list[str]:
    from question_bank.models import StudyItemArticle

    return list(db.scalars(select(LawArticle.label).join(StudyItemArticle, StudyItemArticle.article_id == LawArticle.id)
                           .where(StudyItemArticle.study_item_id == item.id).order_by(LawArticle.position)))


def test_general_sample_imports_every_item_resolved(db, clock, make):
    make.laws(*ALL_LAWS)
    admin = make.user(Role.STUDY_ADMIN)
    found = _import(db, clock, admin, "general-2026.xlsx")
    assert found.title == "2026年度领导干部应知应会学法清单（通用）"
    assert found.year == 2026
    assert "县处级以上" in found.audience_note
    # "县处级以上" reaches the 县处级副职 and every level above it, not the 乡科级.
    assert Level.COUNTY_DEPUTY in found.target_levels and Level.SECTION_CHIEF not in found.target_levels
    items = found.items
    assert len(items) == 10
    assert all(item.article_count > 0 for item in items)
    constitution, civil_servants, supervision, penalties, licensing, review, litigation, compensation, civil, criminal = items
    assert constitution.is_whole and constitution.article_count == constitution.law_version.article_count
    assert constitution.requirement == Requirement.CLOSE_STUDY and constitution.hours == Decimal(8)
    assert supervision.law_version.version_date.year == 2024
    assert review.law_version.version_date.year == 2023
    assert _labels(db, penalties)[0] == "第一条" and penalties.requirement == Requirement.READ_THROUGH
    assert [p["caption"] for p in licensing.scope_parts] == ["第二章 行政许可的设定", "第四章 行政许可的实施程序"]
    assert [p["caption"] for p in litigation.scope_parts] == ["第二章 受案范围"]
    assert _labels(db, litigation) == ["第十二条", "第十三条"]
    assert civil.article_count == 204  # 民法典 总则编: 第一条 to 第二百零四条
    assert [p["caption"] for p in criminal.scope_parts] == ["第八章 贪污贿赂罪", "第九章 渎职罪"]
    assert _labels(db, criminal)[0] == "第三百八十二条"


def test_enforcement_sample_imports_ranges_lists_and_short_titles(db, clock, make):
    make.laws(*ALL_LAWS)
    admin = make.user(Role.EXAM_ADMIN)
    found = _import(db, clock, admin, "enforcement-2026.xlsx")
    items = found.items
    assert len(items) == 8
    licensing, review, litigation, constitution, civil = items[2], items[3], items[4], items[6], items[7]
    assert licensing.article_count == 27  # 第三十一条至第五十七条
    assert _labels(db, review) == ["第十一条", "第十二条", "第二十条", "第二十一条", "第二十二条", "第二十三条"]
    assert _labels(db, litigation) == ["第十二条", "第十三条", "第四十六条"]
    assert _labels(db, constitution) == ["第五条", "第二十七条", "第三十三条"]
    assert civil.law.short_title == "民法典" and _labels(db, civil)[0] == "第一千一百六十四条"
    # 科级以上: every level down to 乡科级副职.
    assert found.target_levels == [str(v) for v in Level]
    assert len(study_article_ids(db, found)) == sum(i.article_count for i in items)


def _rows(*items):
    return [("2026年度测试清单",), ("适用范围：测试",),
            ("序号", "法律法规名称", "学习范围", "学习要求", "学时", "备注"), *items]


def _sheet(rows) -> bytes:
    return workbook_bytes("学法清单", rows[0], rows[1:])


@pytest.mark.parametrize("row, column, words", [
    ((1, "中华人民共和国不存在法", "全文", "精学", 1, None), "B", "不存在法"),
    ((1, "行政处罚法", "第九百条", "精学", 1, None), "C", "第九百条"),
    ((1, "行政处罚法", "第九章 不存在的章", "精学", 1, None), "C", "第九章"),
    ((1, "行政处罚法", "全文（2010年修正）", "精学", 1, None), "C", "2010"),
    ((1, "行政处罚法", "全文", "熟读", 1, None), "D", "熟读"),
    ((1, "行政处罚法", "全文", "精学", "两小时", None), "E", "两小时"),
    ((1, "行政处罚法", "全文", "精学", -1, None), "E", "-1"),
    ((1, "行政处罚法", "第十条至第五条", "精学", 1, None), "C", "第十条至第五条"),
])
def test_a_refused_row_names_row_and_column_and_nothing_is_imported(db, clock, make, row, column, words):
    make.laws("行政法/行政处罚法(2021-01-22).md")
    admin = make.user(Role.STUDY_ADMIN)
    good = (1, "行政处罚法", "全文", "精学", 2, None)
    data = _sheet(_rows(good, (2, *row[1:])))
    with pytest.raises(InvalidInput) as refused:
        _import(db, clock, admin, "list.xlsx", data)
    problem, = refused.value.problems
    assert problem.place.row == 5 and problem.place.column == column
    assert words in str(problem)
    assert db.scalar(select(func.count()).select_from(StudyList)) == 0
    assert db.scalar(select(func.count()).select_from(StudyItem)) == 0


def test_export_imports_again_to_the_same_list(db, clock, make):
    make.laws(*ALL_LAWS)
    admin = make.user(Role.STUDY_ADMIN)
    for name in ("general-2026.xlsx", "enforcement-2026.xlsx"):
        first = _import(db, clock, admin, name)
        exported = study_list_files.export_list(db, clock, admin, first)
        again = _import(db, clock, admin, "again.xlsx", exported)
        assert (again.title, again.year, again.audience_note, again.target_levels) == \
               (first.title, first.year, first.audience_note, first.target_levels)
        assert [(i.law_version_id, i.scope_text, i.requirement, i.hours, i.note) for i in again.items] == \
               [(i.law_version_id, i.scope_text, i.requirement, i.hours, i.note) for i in first.items]
        assert study_article_ids(db, again) == study_article_ids(db, first)


@pytest.mark.parametrize("levels", [[], [str(Level.COUNTY_CHIEF), str(Level.SECTION_DEPUTY)]])
def test_export_keeps_year_units_and_ranks_of_a_list_made_on_the_page(db, clock, make, levels):
    """Tester's defect 4: a list whose title names no year, aimed at two units and some ranks (or
    every rank although its note names 县处级以上), comes back with the same year and audience."""
    from question_bank.services import study_lists
    from question_bank.services.study_lists import ItemValues, ListValues
    make.laws("行政法/行政处罚法(2021-01-22).md")
    admin = make.user(Role.STUDY_ADMIN)
    here, there = make.unit("甲市司法局"), make.unit("乙市司法局")
    from question_bank.models import Law
    law_id = db.scalar(select(Law.id))
    first = study_lists.create_list(db, clock, admin, ListValues(
        title="执法人员应知应会清单", year=2027, audience_note="面向县处级以上领导干部",
        target_unit_ids=[here.id, there.id], levels=levels))
    study_lists.add_item(db, clock, admin, first, ItemValues(law_id, "第九条", Requirement.CLOSE_STUDY, Decimal("2")))
    db.commit()
    again = _import(db, clock, admin, "again.xlsx", study_list_files.export_list(db, clock, admin, first))
    assert (again.year, again.target_levels, sorted(u.id for u in again.target_units)) == \
           (2027, levels, sorted([here.id, there.id]))


def test_a_particulars_row_naming_an_unknown_unit_or_rank_is_refused_on_its_row(db, clock, make):
    make.laws("行政法/行政处罚法(2021-01-22).md")
    admin = make.user(Role.STUDY_ADMIN)
    data = _sheet([("2026年度测试清单",), ("清单信息", "年度：2026", "适用单位：不存在局", "适用职级：处长"),
                   ("序号", "法律法规名称", "学习范围", "学习要求", "学时", "备注"), (1, "行政处罚法", "全文", "精学", 2, None)])
    with pytest.raises(InvalidInput) as refused:
        _import(db, clock, admin, "list.xlsx", data)
    assert [p.place.row for p in refused.value.problems] == [2, 2]
    assert "不存在局" in str(refused.value.problems[0]) and "处长" in str(refused.value.problems[1])


def test_a_repeated_item_row_is_refused_naming_both_rows(db, clock, make):
    make.laws("行政法/行政处罚法(2021-01-22).md")
    admin = make.user(Role.STUDY_ADMIN)
    data = _sheet(_rows((1, "行政处罚法", "第九条", "精学", 2, None), (2, "行政处罚法", "第十条", "通读", 1, None),
                        (3, "中华人民共和国行政处罚法", "第 九 条", "精学", 2, None)))
    with pytest.raises(InvalidInput) as refused:
        _import(db, clock, admin, "list.xlsx", data)
    problem, = refused.value.problems
    assert problem.place.row == 6 and problem.params == {"row": 6, "first": 4}
    assert db.scalar(select(func.count()).select_from(StudyList)) == 0


def test_a_formula_without_a_saved_value_is_refused_naming_the_cell(db, clock, make):
    make.laws("行政法/行政处罚法(2021-01-22).md")
    admin = make.user(Role.STUDY_ADMIN)
    # openpyxl saves a formula without the value Excel would have computed.
    data = _sheet(_rows((1, "行政处罚法", "第九条", "精学", "=2+4", None)))
    with pytest.raises(InvalidInput) as refused:
        _import(db, clock, admin, "list.xlsx", data)
    problem, = refused.value.problems
    assert (problem.place.row, problem.place.column) == (4, "E") and "formula" in str(problem)
