"""Searching the bank: literal text search, filters, the sort allowlist and capped pages."""

from __future__ import annotations

import pytest

from question_bank.errors import InvalidInput
from question_bank.models import QuestionStatus, Role
from question_bank.services import review
from question_bank.services.bank_search import (
    MAX_PAGE_SIZE,
    QuestionQuery,
    changed_fields,
    pending_revision,
    return_notes,
    search_questions,
)
from tests.conftest import at


def ids(page) -> list[int]:
    return [q.id for q in page.questions]


def test_percent_and_underscore_in_the_search_text_match_only_themselves(db, make):
    percent = make.question(stem="罚款 50% 以上的（　）")
    underscore = make.question(stem="填写 A_B 的（　）")
    make.question(stem="罚款五十以上的（　）")
    make.question(stem="填写 AXB 的（　）")
    assert ids(search_questions(db, QuestionQuery(text="%"))) == [percent.id]
    assert ids(search_questions(db, QuestionQuery(text="A_B"))) == [underscore.id]
    assert ids(search_questions(db, QuestionQuery(text="50%"))) == [percent.id]


def test_search_finds_chinese_text_anywhere_in_the_stem(db, make):
    hit = make.question(stem="关于行政处罚听证程序，下列说法正确的是（　）")
    make.question(stem="关于行政许可的说法（　）")
    assert ids(search_questions(db, QuestionQuery(text="听证"))) == [hit.id]


def test_filters_by_type_status_difficulty_and_category_subtree(db, make):
    single = make.question("single_choice", category="宪法/国家机构", difficulty=2)
    make.question("true_false", category="宪法/国家机构", difficulty=2)
    make.question("single_choice", category="宪法学", difficulty=2)
    draft = make.question("single_choice", category="宪法", difficulty=4, status=QuestionStatus.DRAFT)

    by_category = search_questions(db, QuestionQuery(category="宪法", qtype="single_choice", sort="id"))
    assert ids(by_category) == [single.id, draft.id]
    assert ids(search_questions(db, QuestionQuery(status="draft"))) == [draft.id]
    assert ids(search_questions(db, QuestionQuery(difficulty=4))) == [draft.id]


def test_only_duplicates_shows_the_flagged_questions(db, make):
    make.question(stem="同一题干（　）", options=["甲", "乙", "丙", "丁"])
    repeat = make.question(stem="同一题干( )", options=["甲", "乙", "丙", "丁"])
    assert ids(search_questions(db, QuestionQuery(duplicates_only=True))) == [repeat.id]


@pytest.mark.parametrize("sort", ["password_hash", "id; drop table question", "stem"])
def test_a_sort_outside_the_allowlist_is_refused(db, make, sort):
    make.question()
    with pytest.raises(InvalidInput) as caught:
        search_questions(db, QuestionQuery(sort=sort))
    assert caught.value.problems[0].place == "sort"


@pytest.mark.parametrize("query", [QuestionQuery(qtype="essay"), QuestionQuery(status="lost"),
                                   QuestionQuery(difficulty=9)])
def test_unknown_filter_values_are_refused(db, query):
    with pytest.raises(InvalidInput):
        search_questions(db, query)


def test_sorts_order_the_rows(db, make):
    easy = make.question(difficulty=1)
    hard = make.question(difficulty=5)
    middle = make.question(difficulty=3)
    assert ids(search_questions(db, QuestionQuery(sort="difficulty"))) == [easy.id, middle.id, hard.id]
    assert ids(search_questions(db, QuestionQuery(sort="-difficulty"))) == [hard.id, middle.id, easy.id]
    assert ids(search_questions(db, QuestionQuery(sort="-id"))) == [middle.id, hard.id, easy.id]


def test_page_size_is_capped_and_pages_cover_every_row_once(db, make):
    made = make.questions(7)
    huge = search_questions(db, QuestionQuery(), page_size=10_000)
    assert huge.page_size == MAX_PAGE_SIZE and huge.total == 7

    seen = []
    for number in (1, 2, 3):
        page = search_questions(db, QuestionQuery(sort="id"), page=number, page_size=3)
        assert page.pages == 3 and page.page == number
        seen.extend(ids(page))
    assert seen == [q.id for q in made]


def test_a_page_past_the_end_gives_the_last_page(db, make):
    made = make.questions(3)
    page = search_questions(db, QuestionQuery(sort="id"), page=99, page_size=2)
    assert page.page == 2 and ids(page) == [made[2].id]


def test_an_empty_bank_has_one_empty_page(db):
    page = search_questions(db, QuestionQuery())
    assert page.total == 0 and page.pages == 1 and page.questions == []


# --- what papers draw, and what a revision changes -----------------------------------------------

def test_a_revision_of_a_live_question_is_pending_until_approved(db, clock, make):
    question = make.question()
    assert pending_revision(question) is None
    revision = make.revision(question, stem="新题干（　）")
    assert pending_revision(question) is revision
    review.return_to_draft(db, clock, make.user(Role.BANK_REVIEWER), question, "再改")
    assert pending_revision(question) is revision  # still not what papers draw
    review.submit_for_review(db, clock, make.user(Role.BANK_EDITOR), question)
    review.approve_question(db, clock, make.user(Role.BANK_REVIEWER), question)
    assert pending_revision(question) is None


def test_questions_never_approved_or_retired_have_no_pending_revision(db, clock, make):
    never = make.question(status=QuestionStatus.IN_REVIEW)
    retired = make.question()
    make.revision(retired, stem="新题干（　）")
    review.retire_question(db, clock, make.user(Role.BANK_REVIEWER), retired, "不再使用")
    assert pending_revision(never) is None and pending_revision(retired) is None


def test_changed_fields_names_the_content_a_revision_changes(db, clock, make):
    question = make.question(key=["B"])
    before = question.current_version
    after = make.revision(question, key=["C"], explanation="新的解析。", options=before.options[:3] + ["新选项"])
    assert changed_fields(before, after) == {"key", "explanation", "options"}
    assert changed_fields(before, before) == set()


def test_changed_fields_names_a_change_of_category_alone(db, clock, make):
    question = make.question(category="行政处罚法")
    before = question.current_version
    after = make.revision(question, category_path="行政许可法")
    assert changed_fields(before, after) == {"category"}


# --- why a reviewer sent a question back ------------------------------------------------------------

def test_a_returned_draft_carries_the_latest_note_with_who_and_when_until_it_is_sent_again(db, clock, make):
    question = make.question(status=QuestionStatus.IN_REVIEW)
    first, second = make.user(Role.BANK_REVIEWER), make.user(Role.BANK_REVIEWER)
    editor = make.user(Role.BANK_EDITOR)
    assert return_notes(db, [question]) == {}
    review.return_to_draft(db, clock, first, question, "答案有误")
    review.submit_for_review(db, clock, editor, question)
    assert return_notes(db, [question]) == {}          # in review again: the note is dealt with
    clock.set(at("11:30:00"))
    review.return_to_draft(db, clock, second, question, "解析\n仍需补充")
    db.commit()
    note = return_notes(db, [question])[question.id]
    assert (note.text, note.by, note.at) == ("解析\n仍需补充", second, at("11:30:00"))
    make.revision(question, stem="改过的题干（　）")        # the author reworks it: still a returned draft
    assert return_notes(db, [question])[question.id].text == "解析\n仍需补充"


def test_return_notes_name_only_drafts_a_reviewer_returned(db, clock, make):
    reviewer = make.user(Role.BANK_REVIEWER)
    returned, revised = make.question(status=QuestionStatus.IN_REVIEW), make.question()
    plain_draft, retired = make.question(status=QuestionStatus.DRAFT), make.question(status=QuestionStatus.IN_REVIEW)
    make.revision(revised, stem="新题干（　）")
    for question in (returned, revised, retired):
        review.return_to_draft(db, clock, reviewer, question, f"退回{question.id}")
    review.retire_question(db, clock, reviewer, retired, "不再使用")
    db.commit()
    notes = return_notes(db, [returned, revised, plain_draft, retired])
    assert {qid: n.text for qid, n in notes.items()} == {returned.id: f"退回{returned.id}", revised.id: f"退回{revised.id}"}


# --- folded text, filters, injection (SEC-I1) -----------------------------------------------------

@pytest.mark.parametrize("typed, stored", [
    ("？", "下列哪一项是正确的?"),
    ("2015", "２０１５年修正的（　）"),
    ("２０１５", "2015年修正的（　）"),
    ("行政处罚法第36条", "《行政处罚法》 第 36 条规定的（　）"[1:].replace("》", "")),
    ("《行政处罚法》", "<行政处罚法>规定的（　）"),
    ("ＡＢＣ", "abc 三种情形（　）"),
    ("听证", "当事人要求听证的（　）"),
    ("罚", "罚款的数额（　）"),
])
def test_search_folds_width_punctuation_case_and_space(db, make, typed, stored):
    hit = make.question(stem=stored)
    make.question(stem="无关的题干（　）")
    assert ids(search_questions(db, QuestionQuery(text=typed))) == [hit.id]


def test_search_finds_text_in_an_option_but_never_across_two_parts(db, make):
    hit = make.question(stem="关于处罚的说法（　）", options=["警告", "通报批评", "罚款", "没收违法所得"])
    assert ids(search_questions(db, QuestionQuery(text="通报批评"))) == [hit.id]
    assert ids(search_questions(db, QuestionQuery(text="警告通报"))) == []
    assert ids(search_questions(db, QuestionQuery(text="说法警告"))) == []


def test_search_finds_two_characters_at_the_very_end_of_the_text(db, make):
    hit = make.question("true_false", stem="本题考查的是行政复议")
    assert ids(search_questions(db, QuestionQuery(text="复议"))) == [hit.id]
    assert ids(search_questions(db, QuestionQuery(text="行政复议"))) == [hit.id]


def test_search_follows_an_edit_of_the_text(db, make):
    question = make.question(status=QuestionStatus.DRAFT, stem="旧题干里的听证（　）")
    make.revision(question, stem="新题干里的复议（　）")
    assert ids(search_questions(db, QuestionQuery(text="听证"))) == []
    assert ids(search_questions(db, QuestionQuery(text="复议"))) == [question.id]
    assert ids(search_questions(db, QuestionQuery(text="题干里的复"))) == [question.id]


def test_filters_by_tag_legal_basis_and_author(db, make):
    from question_bank.drafts import QuestionDraft
    from question_bank.services import authoring
    from question_bank.services.bank_search import BasisText
    author = make.user(Role.BANK_EDITOR)
    tagged = authoring.create_question(db, make.clock, author, QuestionDraft(
        "single_choice", "带知识点的题（　）", ["甲", "乙"], ["A"], "行政法", tags=["听证", "罚款"],
        legal_basis="《中华人民共和国行政许可法》第３６条"))
    db.commit()
    other = make.question()
    assert ids(search_questions(db, QuestionQuery(tag="听证"))) == [tagged.id]
    assert ids(search_questions(db, QuestionQuery(tag="听"))) == []
    assert ids(search_questions(db, QuestionQuery(legal_basis=BasisText("行政许可法》第36条")))) == [tagged.id]
    assert ids(search_questions(db, QuestionQuery(legal_basis=BasisText("行政处罚法")))) == [other.id]
    assert ids(search_questions(db, QuestionQuery(author_id=author.id))) == [tagged.id]


def test_filters_by_use_in_any_sitting_and_in_one_sitting(db, clock, make):
    from question_bank.services import attempts
    used = make.question(category="甲类")
    make.question(category="乙类")
    sitting = make.sitting(make.paper([("single_choice", 1, 100, "甲类")]), roster=[make.cadre()])
    other_sitting = make.sitting(make.paper([("single_choice", 1, 100, "甲类")]))
    attempts.start_attempt(db, clock, sitting.roster[0].user, sitting)
    db.commit()
    never = [q.id for q in search_questions(db, QuestionQuery(used="no", sort="id")).questions]
    assert ids(search_questions(db, QuestionQuery(used="yes"))) == [used.id] and used.id not in never
    assert ids(search_questions(db, QuestionQuery(sitting_id=sitting.id))) == [used.id]
    assert ids(search_questions(db, QuestionQuery(sitting_id=other_sitting.id))) == []


@pytest.mark.parametrize("text", ["'", "' OR 1=1--", "\\", "'; DROP TABLE question; --", '"', "/", "//%", "a'b",
                                  "听证' OR '1'='1", '" OR "', "*", "NEAR(a b)", "^"])
def test_sec_i1_hostile_search_text_matches_only_itself(db, make, text):
    hit = make.question(stem=f"含有{text}的题干（　）")
    make.question(stem="普通的题干（　）")
    assert ids(search_questions(db, QuestionQuery(text=text))) == [hit.id]
    assert search_questions(db, QuestionQuery()).total == 2


def test_sec_i1_control_characters_in_the_search_text_are_ignored(db, make):
    hit = make.question(stem="行政复议的期限（　）")
    assert ids(search_questions(db, QuestionQuery(text="复\x00议\x07"))) == [hit.id]


@pytest.mark.parametrize("sort", ["name;drop table x", "(select 1)", "password_hash", "-id, password_hash"])
def test_sec_i1_sorts_outside_the_allowlist_are_refused(db, sort):
    with pytest.raises(InvalidInput):
        search_questions(db, QuestionQuery(sort=sort))


@pytest.mark.parametrize("size, expected", [(-1, 25), (0, 25), (100_000_000, MAX_PAGE_SIZE), (3, 3)])
def test_sec_i1_page_size_is_capped(db, make, size, expected):
    assert search_questions(db, QuestionQuery(), page_size=size).page_size == expected
