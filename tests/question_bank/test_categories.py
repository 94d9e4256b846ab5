"""The category tree: create, rename, move, merge and delete, with counts, paths that follow, and
the paper sections drawing from a category kept (domain.md §3)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from question_bank.errors import Conflict, InvalidInput, PermissionDenied
from question_bank.models import AuditEvent, Category, QuestionStatus, Role
from question_bank.services import assembly, authoring, categories, review
from question_bank.services.bank_search import QuestionQuery, search_questions


@pytest.fixture
def editor(make):
    return make.user(Role.BANK_EDITOR)


def path_of(db, path: str) -> Category:
    return db.scalar(select(Category).where(Category.path == path))


def paths(db) -> list[str]:
    return list(db.scalars(select(Category.path).order_by(Category.path)))


def test_the_tree_counts_questions_per_node_and_per_subtree_leaving_out_retired_ones(db, clock, make):
    make.questions(2, category="宪法/国家机构")
    make.question(category="宪法")
    retired = make.question(category="宪法/国家机构/国务院")
    review.retire_question(db, clock, make.user(Role.BANK_REVIEWER), retired, "不再使用")
    make.paper([("single_choice", 1, 100, "宪法")])
    tree = {node.category.path: node for node in categories.category_tree(db)}
    assert [n.category.path for n in categories.category_tree(db)] == ["宪法", "宪法/国家机构", "宪法/国家机构/国务院"]
    assert (tree["宪法"].own, tree["宪法"].subtree, tree["宪法"].sections, tree["宪法"].depth) == (1, 3, 1, 0)
    assert (tree["宪法/国家机构"].own, tree["宪法/国家机构"].subtree) == (2, 2)
    assert (tree["宪法/国家机构/国务院"].own, tree["宪法/国家机构/国务院"].depth) == (0, 2)


def test_create_under_a_parent_and_refuse_bad_or_repeated_names(db, clock, editor):
    top = categories.create_category(db, clock, editor, " 行政法 ", None)
    child = categories.create_category(db, clock, editor, "行政处罚", top)
    assert (top.path, child.path) == ("行政法", "行政法/行政处罚")
    for bad in ("", "  ", "a/b", "甲／乙", "长" * 101):
        with pytest.raises(InvalidInput):
            categories.create_category(db, clock, editor, bad, top)
    with pytest.raises(Conflict):
        categories.create_category(db, clock, editor, "行政处罚", top)
    with pytest.raises(PermissionDenied):
        categories.create_category(db, clock, categories_reviewer(db, clock, editor), "新", None)


def categories_reviewer(db, clock, editor):
    from tests.factories import Factory
    return Factory(db, clock).user(Role.BANK_REVIEWER)


def test_a_rename_moves_every_path_below_and_questions_and_sections_follow(db, clock, make, editor):
    question = make.question(category="宪法/国家机构/国务院")
    paper = make.paper([("single_choice", 1, 100, "宪法/国家机构")])
    categories.rename_category(db, clock, editor, path_of(db, "宪法/国家机构"), "国家机关")
    db.commit()
    db.expire_all()
    assert paths(db) == ["宪法", "宪法/国家机关", "宪法/国家机关/国务院"]
    assert question.category.path == "宪法/国家机关/国务院"
    assert question.current_version.category.path == "宪法/国家机关/国务院"
    assert paper.sections[0].category.path == "宪法/国家机关"
    assert len(assembly.draw(db, paper, 1)) == 1  # the section still finds its question
    assert [q.id for q in search_questions(db, QuestionQuery(category="宪法/国家机关")).questions] == [question.id]


def test_a_move_takes_the_subtree_and_a_move_into_itself_or_below_is_refused(db, clock, make, editor):
    make.question(category="民法/合同/买卖")
    make.question(category="经济法")
    contract = path_of(db, "民法/合同")
    categories.move_category(db, clock, editor, contract, path_of(db, "经济法"))
    assert paths(db) == ["民法", "经济法", "经济法/合同", "经济法/合同/买卖"]
    for parent in (contract, path_of(db, "经济法/合同/买卖")):
        with pytest.raises(InvalidInput):
            categories.move_category(db, clock, editor, contract, parent)
    categories.move_category(db, clock, editor, contract, None)
    assert paths(db) == ["合同", "合同/买卖", "民法", "经济法"]
    events = db.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "category")).all()
    assert events.count("category.move") == 2


def test_a_move_onto_a_taken_name_is_refused_and_changes_nothing(db, clock, make, editor):
    make.question(category="甲/合同")
    make.question(category="乙/合同")
    with pytest.raises(Conflict):
        categories.move_category(db, clock, editor, path_of(db, "甲/合同"), path_of(db, "乙"))
    db.rollback()
    assert paths(db) == ["乙", "乙/合同", "甲", "甲/合同"]


def test_a_merge_files_questions_versions_and_sections_under_the_target_merging_same_named_children(
        db, clock, make, editor):
    moved = make.question(category="旧法/总则")
    revised = make.question(category="旧法")
    make.revision(revised, stem="修订后的题干（　）")  # two versions, both filed under 旧法
    kept = make.question(category="新法/总则")
    paper = make.paper([("single_choice", 2, 50, "旧法")])
    preview = categories.merge_preview(db, path_of(db, "旧法"), path_of(db, "新法"))
    assert (preview.questions, preview.versions, [s[2] for s in preview.sections]) == (2, 3, ["旧法"])
    categories.merge_category(db, clock, editor, path_of(db, "旧法"), path_of(db, "新法"))
    db.commit()
    db.expire_all()
    assert paths(db) == ["新法", "新法/总则"]
    assert moved.category.path == "新法/总则" and kept.category.path == "新法/总则"
    assert {v.category.path for v in revised.versions} == {"新法"}
    assert paper.sections[0].category.path == "新法"
    assert len(assembly.draw(db, paper, 3)) == 2
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "category.merge"))
    assert event.before["path"] == "旧法" and event.after == {"into": "新法"}
    assert event.before["sections"] == [{"paper": paper.id, "section": 1, "path": "旧法"}]


def test_a_merge_into_itself_or_below_is_refused(db, clock, make, editor):
    make.question(category="宪法/国家机构")
    with pytest.raises(InvalidInput):
        categories.merge_category(db, clock, editor, path_of(db, "宪法"), path_of(db, "宪法/国家机构"))
    with pytest.raises(InvalidInput):
        categories.merge_category(db, clock, editor, path_of(db, "宪法"), path_of(db, "宪法"))


def test_only_an_empty_category_unused_by_papers_can_be_deleted(db, clock, make, editor):
    make.question(category="有题")
    make.paper([("single_choice", 1, 100, "有题")])
    used = categories.create_category(db, clock, editor, "被试卷使用", None)
    make.paper([("single_choice", 1, 100, "被试卷使用")])
    parent = categories.create_category(db, clock, editor, "有子类", None)
    categories.create_category(db, clock, editor, "子类", parent)
    for busy in (path_of(db, "有题"), used, parent):
        with pytest.raises(Conflict):
            categories.delete_category(db, clock, editor, busy)
    empty = categories.create_category(db, clock, editor, "空", None)
    categories.delete_category(db, clock, editor, empty)
    assert "空" not in paths(db)


def test_a_draft_filed_under_a_moved_category_keeps_it_when_edited(db, clock, make, editor):
    question = make.question(category="甲", status=QuestionStatus.DRAFT)
    categories.rename_category(db, clock, editor, path_of(db, "甲"), "乙")
    db.commit()
    version = make.revision(question, explanation="新解析")
    assert version.category.path == "乙" and paths(db) == ["乙"]
    assert authoring.unchanged(version, _draft_of(version, "乙"))


def _draft_of(version, category):
    from question_bank.drafts import QuestionDraft
    return QuestionDraft(qtype=version.qtype, stem=version.stem, options=list(version.options), key=version.key,
                         category_path=category, explanation=version.explanation, difficulty=version.difficulty,
                         tags=list(version.tags), legal_basis=version.legal_basis,
                         default_score=version.default_score, pinned_options=list(version.pinned_options),
                         rubric=version.rubric)


@pytest.mark.parametrize("written", ["测试/ｃｓｖ", "测试/csv", "测试/ＣＳＶ/子类"])
def test_a_question_filed_under_a_width_or_case_variant_of_a_category_is_refused_naming_it(db, clock, make, editor,
                                                                                         written):
    categories.create_category(db, clock, editor, "CSV", categories.create_category(db, clock, editor, "测试", None))
    db.commit()
    with pytest.raises(InvalidInput) as caught:
        authoring.create_question(db, clock, editor, make.draft(category=written))
    (problem,) = caught.value.problems
    assert problem.place == "category" and problem.params["existing"] == "测试/CSV"
    db.rollback()
    assert paths(db) == ["测试", "测试/CSV"]
