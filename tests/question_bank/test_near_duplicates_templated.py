"""Near-duplicates that mean something (issue 5, case C-21): questions sharing a templated stem
("根据《XX法》规定，下列说法正确的是") but asking about other options, or answering otherwise, are
not flagged; true near-repeats (a few characters changed, options reordered, a typo) still are.

Real questions from ../shared/datasets (read in place): the administrator's bank file, whose
provenance lists its repeats, and the CMMLU and JEC-QA law questions."""

from __future__ import annotations

import csv
import io
import json
import random

from rapidfuzz import fuzz
from sqlalchemy import select

from question_bank.drafts import QuestionDraft
from question_bank.models import Question
from question_bank.services import authoring, importing
from question_bank.similarity import NEAR_DUPLICATE_MIN
from question_bank.text import content_text
from tests.shared_data import SHARED

DATASETS = SHARED / "datasets"
LAWS = ["行政处罚法", "行政许可法", "行政复议法", "行政诉讼法", "国家赔偿法", "民法典", "刑法", "宪法"]
#: A long template of the kind a bank's editors write hundreds of questions on.
TEMPLATE = "根据《中华人民共和国{law}》及其配套规定，结合领导干部依法履职的要求，下列各项中说法正确的是："


def cmmlu_questions() -> list[tuple[list[str], str]]:
    """CMMLU law questions with short options (what a template's variants look like), each with
    options unlike every other's: (options, key letter)."""
    found: list[tuple[list[str], str]] = []
    for path in sorted((DATASETS / "cmmlu-law" / "test").glob("*.csv")):
        for row in csv.DictReader(io.StringIO(path.read_text("utf-8"))):
            options = [row[c] for c in "ABCD"]
            folded = content_text("", options)
            if sum(map(len, options)) <= 16 and len(set(options)) == 4 and all(
                    fuzz.ratio(folded, content_text("", other)) < 60 for other, _ in found):
                found.append((options, row["Answer"]))
    return found


def jecqa_questions(count: int) -> list[dict]:
    lines = (DATASETS / "jec-qa-kd" / "jec-qa-kd.jsonl").read_text("utf-8").splitlines()
    found = []
    for line in lines:
        record = json.loads(line)
        if len(record["options"]) == 4 and record["label"] and len(record["question"]) > 30:
            found.append({"stem": record["question"], "options": [o.split(")", 1)[-1] for o in record["options"]],
                          "key": sorted(record["label"])})
        if len(found) == count:
            return found
    return found


def test_the_real_bank_file_flags_its_repeats_and_not_another_question_on_the_same_stem(db, clock, editor):
    data = (DATASETS / "bank-files" / "jecqa-kd.xlsx").read_bytes()
    report = importing.import_questions(db, clock, editor, "jecqa-kd.xlsx", data, importing.VALID_ONLY)
    db.commit()
    flagged = {d["row"]: d["resembles_row"] for d in report.duplicates}
    # True near-repeats: row 125 is row 51 with "第125条第1款" written out and a full stop added to
    # an option; row 528 repeats row 122's stem with its options a character apart.
    assert flagged[125] == 51 and flagged[528] == 122
    # Row 944 shares row 232's stem ("…商业银行通过同业拆借取得的拆入资金可以用于下列哪些情形?") and
    # ideas of its options, but other options are right (AB against BD): another question. Row 369
    # is row 290 with 集资诈骗罪 made 贷款诈骗罪, which makes that option wrong too (ABC against AB).
    assert 944 not in flagged and 369 not in flagged
    assert len(flagged) == 8


def test_a_templated_stem_with_other_options_is_not_a_near_duplicate(db, clock, editor):
    questions = cmmlu_questions()[:60]
    assert len(questions) >= 40
    drafts = [QuestionDraft("single_choice", TEMPLATE.format(law=LAWS[n % len(LAWS)]), options, [key], "模板题")
              for n, (options, key) in enumerate(questions)]
    # Half go into the bank first, the other half come as one import: both comparisons are made.
    authoring.create_questions(db, clock, editor, drafts[::2])
    created = authoring.create_questions(db, clock, editor, drafts[1::2])
    db.commit()
    assert [c.resembles for c in created] == [None] * len(created)
    assert db.scalar(select(Question.id).where(Question.duplicate_of_id.is_not(None)).limit(1)) is None


def test_the_same_options_with_another_option_right_is_another_question(db, clock, editor):
    stem = TEMPLATE.format(law="刑法")
    options = ["盗窃罪", "侵占罪", "抢劫罪", "诈骗罪"]
    original = authoring.create_question(db, clock, editor, QuestionDraft("single_choice", stem, options, ["C"], "刑法"))
    # A copy with the options in another order and a word of the stem changed, the same option
    # right (抢劫罪): a near-repeat …
    again = authoring.create_questions(db, clock, editor, [
        QuestionDraft("single_choice", stem.replace("配套规定", "相关规定"), options[::-1], ["B"], "刑法")])[0]
    assert again.resembles == original.id and NEAR_DUPLICATE_MIN <= again.similarity < 100
    # … but with another option right (侵占罪), another question, like neither of them.
    other = authoring.create_questions(db, clock, editor, [
        QuestionDraft("single_choice", stem.replace("正确", "错误"), options, ["B"], "刑法")])[0]
    assert other.resembles is None


def test_true_near_repeats_of_real_questions_are_still_flagged_with_their_similarity(db, clock, editor):
    rng = random.Random(11)
    sources = jecqa_questions(20)
    bank = authoring.create_questions(db, clock, editor, [
        QuestionDraft("multiple_choice" if len(s["key"]) > 1 else "single_choice", s["stem"], s["options"], s["key"],
                      "司法考试") for s in sources])
    repeats = []
    for s in sources:
        # What an editor's copy looks like: a character of the stem changed, a typo in an option,
        # the options in another order (the key follows them), other punctuation.
        stem = s["stem"][:10] + "，" + s["stem"][11:].replace("?", "？")
        options = list(s["options"])
        options[1] = options[1][:-1] + "之" if len(options[1]) > 6 else options[1]
        order = rng.sample(range(4), 4)
        key = sorted("ABCD"[order.index("ABCD".index(k))] for k in s["key"])
        repeats.append(QuestionDraft("multiple_choice" if len(key) > 1 else "single_choice", stem,
                                     [options[i] for i in order], key, "司法考试"))
    found = authoring.create_questions(db, clock, editor, repeats)
    assert [c.resembles for c in found] == [b.question.id for b in bank]
    assert all(NEAR_DUPLICATE_MIN <= c.similarity < 100 for c in found)


def test_a_true_false_statement_with_the_other_verdict_is_another_question(db, clock, editor):
    stem = "根据《中华人民共和国行政处罚法》的规定，行政机关在作出较大数额罚款的行政处罚决定之前，应当告知当事人有要求听证的权利。"
    original = authoring.create_question(db, clock, editor, QuestionDraft("true_false", stem, [], True, "行政处罚法"))
    negated, repeated = authoring.create_questions(db, clock, editor, [
        QuestionDraft("true_false", stem.replace("应当告知", "可以不告知"), [], False, "行政处罚法"),
        QuestionDraft("true_false", stem.replace("的规定，", "规定，"), [], True, "行政处罚法")])
    assert negated.resembles is None
    assert repeated.resembles == original.id
