"""Duplicate detection by stem and options against every live version, near-duplicates with a
similarity figure, and papers that never hold the same question twice (case C-21, domain.md §3)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from question_bank.drafts import QuestionDraft
from question_bank.errors import InvalidInput
from question_bank.models import Question, QuestionStatus, QuestionVersion, Role
from question_bank.services import assembly, authoring, duplicates, importing, review
from question_bank.text import content_fingerprint, content_text
from tests.factories import questions_xlsx

T = "行政机关作出较大数额罚款的行政处罚决定前，应当告知当事人有要求举行听证的权利。该规定出自（　）"
T_OPTIONS = ["《行政处罚法》", "《行政许可法》", "《行政复议法》", "《行政诉讼法》"]
GENERIC = "下列说法正确的是："


def draft(stem: str, options: list[str], qtype: str = "single_choice", key=None, category: str = "行政处罚法"):
    return QuestionDraft(qtype=qtype, stem=stem, options=options, key=key or ["A"], category_path=category)


@pytest.fixture
def editor(make):
    return make.user(Role.BANK_EDITOR)


@pytest.fixture
def c21_bank(make):
    """The case's bank: published P with stem T, whose revision "（修订中）"+T waits in review, so
    papers still draw T."""
    p = make.question(stem=T, options=T_OPTIONS)
    make.revision(p, stem="（修订中）" + T)
    assert p.status == QuestionStatus.IN_REVIEW and p.published_version.stem == T
    return p


def test_c21_writing_the_stem_of_a_published_version_whose_revision_waits_flags_it(db, clock, editor, c21_bank):
    new = authoring.create_question(db, clock, editor, draft(T, T_OPTIONS))
    assert (new.duplicate_of_id, new.duplicate_similarity) == (c21_bank.id, 100)


def test_c21_importing_the_stem_of_a_published_version_whose_revision_waits_flags_it(db, clock, editor, c21_bank):
    # The published version's key (B): another key would be a changed answer, no repeat.
    row = ("单选", T, *T_OPTIONS, "B", "", "", "", "", "行政处罚法", "")
    # Said before anything is written, naming P ...
    held = importing.import_questions(db, clock, editor, "c21.xlsx", questions_xlsx([row]))
    assert held.held and [(r["row"], r["resembles"]) for r in held.repeats] == [(2, c21_bank.id)]
    # ... and, imported all the same, flagged as repeating it.
    report = importing.import_questions(db, clock, editor, "c21.xlsx", questions_xlsx([row]),
                                        repeats=importing.KEEP_REPEATS)
    assert [(d["row"], d["resembles"], d["similarity"]) for d in report.duplicates] == [(2, c21_bank.id, 100)]


def test_c21_the_same_generic_stem_with_other_options_is_not_a_repeat(db, clock, editor, make):
    make.question(stem=GENERIC, options=["宪法是国家的根本法", "法律的效力高于宪法", "规章可以设定刑罚", "地方性法规由国务院制定"])
    other = authoring.create_question(db, clock, editor, draft(GENERIC, [
        "行政复议机关是人民法院", "行政处罚由具有行政处罚权的行政机关实施", "罚款必须当场收缴", "听证由当事人承担费用"]))
    assert other.duplicate_of_id is None and other.duplicate_similarity is None


@pytest.mark.parametrize("stem, options", [
    (T, list(reversed(T_OPTIONS))),                                   # options in another order
    (T.replace("，", ",").replace("（　）", "( )"), T_OPTIONS),        # half-width punctuation
    ("  " + T.replace("听证", "听 证"), [o.replace("《", "<") for o in T_OPTIONS]),  # space and marks
    (T.replace("罚款", "ＲＭＢ罚款").replace("ＲＭＢ", ""), T_OPTIONS),  # full-width letters folded, then gone
])
def test_c21_repeats_differ_only_in_option_order_punctuation_width_or_space(db, clock, editor, make, stem, options):
    original = make.question(stem=T, options=T_OPTIONS)
    repeat = authoring.create_question(db, clock, editor, draft(stem, options))
    assert (repeat.duplicate_of_id, repeat.duplicate_similarity) == (original.id, 100)
    assert repeat.current_version.fingerprint == original.current_version.fingerprint


def test_a_near_duplicate_a_few_characters_apart_is_flagged_with_its_similarity(db, clock, editor, make):
    original = make.question(stem=T, options=T_OPTIONS)
    make.question(stem="关于行政许可的设定，下列哪一说法是正确的？", options=["甲", "乙", "丙", "丁"])
    # The same answer (option B, as make.question keys it): a near-repeat, not another question.
    reworded = authoring.create_question(db, clock, editor, draft(T.replace("较大数额", "大额"), T_OPTIONS, key=["B"]))
    assert reworded.duplicate_of_id == original.id
    assert 85 <= reworded.duplicate_similarity < 100
    assert reworded.current_version.fingerprint != original.current_version.fingerprint


def test_a_short_true_false_stem_with_a_few_characters_changed_is_flagged(db, clock, editor, make):
    original = make.question("true_false", stem="行政机关可以对违法行为人处以拘留处罚。")
    changed = authoring.create_question(db, clock, editor, draft("行政机关可以对违法行为人处以警告处罚。", [],
                                                                  qtype="true_false", key=True))
    assert changed.duplicate_of_id == original.id and 85 <= changed.duplicate_similarity < 100


def test_a_different_question_on_the_same_topic_is_not_flagged(db, clock, editor, make):
    make.question(stem=T, options=T_OPTIONS)
    other = authoring.create_question(db, clock, editor, draft(
        "当事人要求听证的，行政机关应当在举行听证的几日前通知当事人举行听证的时间、地点？", ["三日", "五日", "七日", "十日"]))
    assert other.duplicate_of_id is None


def test_retired_questions_are_not_matched_but_drafts_and_questions_in_review_are(db, clock, editor, make):
    retired = make.question(stem=T, options=T_OPTIONS)
    review.retire_question(db, clock, make.user(Role.BANK_REVIEWER), retired, "不再使用")
    assert authoring.create_question(db, clock, editor, draft(T, T_OPTIONS)).duplicate_of_id is None
    first_live = authoring.create_question(db, clock, editor, draft("另一道" + T, T_OPTIONS))
    second = authoring.create_question(db, clock, editor, draft("另一道" + T, T_OPTIONS))
    assert first_live.status == QuestionStatus.DRAFT and second.duplicate_of_id == first_live.id


def test_the_newest_version_of_a_live_question_is_matched_too(db, clock, editor, make):
    question = make.question(stem="旧的题干（　）", options=T_OPTIONS)
    make.revision(question, stem=T)
    assert authoring.create_question(db, clock, editor, draft(T, T_OPTIONS)).duplicate_of_id == question.id


def test_editing_a_question_into_a_repeat_flags_it_and_editing_it_away_clears_the_flag(db, clock, editor, make):
    original = make.question(stem=T, options=T_OPTIONS)
    other = make.question(stem="关于行政复议期限的说法（　）", options=["六十日", "三十日", "十五日", "九十日"])
    make.revision(other, stem=T, options=T_OPTIONS)
    assert (other.duplicate_of_id, other.duplicate_similarity) == (original.id, 100)
    make.revision(other, stem="关于行政复议期限的说法（　）", options=["六十日", "三十日", "十五日", "九十日"])
    assert other.duplicate_of_id is None and other.duplicate_similarity is None


def test_an_edit_is_not_flagged_as_repeating_its_own_question(db, clock, make):
    question = make.question(stem=T, options=T_OPTIONS)
    make.revision(question, explanation="新的解析。")
    assert question.duplicate_of_id is None


def test_within_one_batch_a_later_draft_is_flagged_as_resembling_an_earlier_one(db, clock, editor):
    created = authoring.create_questions(db, clock, editor, [
        draft(T, T_OPTIONS), draft(GENERIC, ["甲", "乙"]), draft(T, list(reversed(T_OPTIONS)))])
    assert [(c.resembles_draft, c.similarity) for c in created] == [(None, None), (None, None), (0, 100)]
    assert created[2].question.duplicate_of_id == created[0].question.id


def test_the_most_alike_question_is_the_one_named(db, clock, editor, make):
    make.question(stem=T.replace("较大数额", "大额"), options=T_OPTIONS)
    exact = make.question(stem=T, options=T_OPTIONS)
    assert authoring.create_question(db, clock, editor, draft(T, T_OPTIONS)).duplicate_of_id == exact.id


def test_a_question_edited_in_place_between_two_parts_of_an_import_is_compared_by_its_new_wording(db, clock, editor):
    # The check reads each candidate's stored content text (QuestionVersion.content_text); a draft
    # edited meanwhile keeps its version (no attempt used it), so only its wording can tell the
    # texts apart: the stored text must have followed the edit.
    question = authoring.create_question(db, clock, editor, draft(T, T_OPTIONS))
    first = duplicates.find_resemblances(db, [content_text(T, T_OPTIONS)])
    assert [(r.question_id, r.similarity) for r in first] == [(question.id, 100)]
    version = question.current_version
    reworded = "当事人要求听证的，行政机关应当在举行听证的七日前通知当事人及有关人员听证的时间、地点（　）"
    options = ["三日", "五日", "七日", "十日"]
    assert authoring.update_question(db, clock, editor, question, draft(reworded, options)) is version
    second = duplicates.find_resemblances(db, [content_text(T, T_OPTIONS), content_text(reworded, options)],
                                          within=False)
    assert [(r.question_id, r.similarity) if r else None for r in second] == [None, (question.id, 100)]


def test_every_way_a_version_is_written_stores_its_content_text(db, clock, editor):
    created = authoring.create_question(db, clock, editor, draft(T, T_OPTIONS))
    imported = importing.import_questions(db, clock, editor, "q.xlsx", questions_xlsx([
        ("单选", "下列属于行政处罚的是（　）", "警告", "记过", "降级", "撤职", "A", "", "", "", "", "行政处罚法", "")]),
        repeats=importing.KEEP_REPEATS)
    edited = authoring.create_question(db, clock, editor, draft(GENERIC, ["甲", "乙"]))
    authoring.update_question(db, clock, editor, edited, draft(GENERIC, ["甲", "丙"]))
    versions = [created.current_version, edited.current_version,
                *db.scalars(select(QuestionVersion).join(Question, Question.id == QuestionVersion.question_id)
                            .where(Question.import_batch_id == imported.batch.id))]
    assert len(versions) == 3
    assert [v.content_text for v in versions] == [content_text(v.stem, v.options) for v in versions]
    assert edited.current_version.content_text == "下列说法正确的是\x1f丙\x1f甲"  # the edit, not the first wording


def test_a_version_stored_without_its_content_text_is_still_compared(db, clock, editor):
    # A bulk load may leave the column empty (NULL): the check folds the stem and options then.
    question = authoring.create_question(db, clock, editor, draft(T, T_OPTIONS))
    question.current_version.content_text = None
    db.flush()
    found = duplicates.find_resemblances(db, [content_text(T.replace("较大数额", "大额"), T_OPTIONS)])
    assert [(r.question_id, r.similarity >= 85) for r in found] == [(question.id, True)]


def test_the_fingerprint_covers_the_options():
    assert content_fingerprint(GENERIC, ["甲", "乙"]) != content_fingerprint(GENERIC, ["甲", "丙"])
    assert content_fingerprint(GENERIC, ["甲", "乙"]) == content_fingerprint("下列说法 正确的是", ["乙。", "甲"])
    # Text cannot slide from the stem into an option.
    assert content_fingerprint("甲乙", ["丙"]) != content_fingerprint("甲", ["乙丙"])


# --- no paper holds the same question twice ------------------------------------------------------

def test_c21_flagged_copies_published_anyway_never_share_a_paper(db, clock, make):
    """Three copies of each of four questions, published all the same (option order, punctuation
    and width varied), and nothing else: every paper of 4 questions holds the four different ones,
    whatever the seed."""
    originals = [(f"第{n}题：关于行政处罚的说法，哪一项正确？", [f"甲{n}", f"乙{n}", f"丙{n}", f"丁{n}"]) for n in range(4)]
    for stem, options in originals:
        make.question(stem=stem, options=options)
        make.question(stem=stem.replace("：", ":").replace("？", "?"), options=list(reversed(options)))
        make.question(stem=" " + stem, options=options[1:] + options[:1])
    paper = make.paper([("single_choice", 4, 25, "行政处罚法")])
    for seed in range(300):
        drawn = assembly.draw(db, paper, seed)
        assert len({item.version.fingerprint for item in drawn}) == 4, seed


def test_c21_copies_in_two_sections_count_once_when_checking_and_drawing(db, clock, make):
    """A single-choice question and its copy published as a multiple choice, each the only one of
    its section's pool: the sections together cannot be filled without a repeat, so the paper is
    refused rather than drawn with the same question twice; with one more multiple-choice question
    it is drawn, never with both copies."""
    stem, options = "关于行政处罚的说法，正确的是？", ["甲", "乙", "丙", "丁"]
    make.question("single_choice", stem=stem, options=options)
    make.question("multiple_choice", stem=stem, options=options, key=["A", "B"])
    paper = make.paper([("single_choice", 1, 50, "行政处罚法"), ("multiple_choice", 1, 50, "行政处罚法")])
    with pytest.raises(InvalidInput):
        assembly.draw(db, paper, 1)
    make.question("multiple_choice", stem="关于行政许可的说法，正确的是？", options=options, key=["A", "C"])
    for seed in range(200):
        drawn = assembly.draw(db, paper, seed)
        assert len({item.version.fingerprint for item in drawn}) == 2, seed
        assert [item.version.qtype for item in drawn] == ["single_choice", "multiple_choice"]


def test_the_greedy_draw_that_corners_itself_is_completed_by_matching(db, clock, make):
    """Section 1 (one single choice) and section 2 (two multiple choice) each have a pool of two,
    one of them the same content: the greedy draw takes it for section 1 on about half the seeds
    and leaves section 2 short; the draw is then completed another way, never with a repeat."""
    shared = ("共用的题干？", ["甲", "乙", "丙", "丁"])
    make.question("single_choice", stem=shared[0], options=shared[1])
    make.question("single_choice", stem="单选二？", options=["甲", "乙", "丙", "丁"])
    make.question("multiple_choice", stem=shared[0], options=shared[1], key=["A", "B"])
    make.question("multiple_choice", stem="多选二？", options=["甲", "乙", "丙", "丁"], key=["A", "B"])
    paper = make.paper([("single_choice", 1, 50, "行政处罚法"), ("multiple_choice", 2, 25, "行政处罚法")])
    for seed in range(100):
        drawn = assembly.draw(db, paper, seed)
        assert [item.version.stem for item in drawn][0] == "单选二？", seed
        assert sorted(item.version.stem for item in drawn[1:]) == sorted([shared[0], "多选二？"]), seed


def test_the_content_text_keeps_exactly_the_letters_and_numbers_of_every_character():
    import sys
    import unicodedata

    from question_bank.text import content_text, fold_width
    every = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF)
    folded = fold_width(every).casefold()
    assert content_text(every) == "".join(ch for ch in folded if unicodedata.category(ch)[0] in "LN")
