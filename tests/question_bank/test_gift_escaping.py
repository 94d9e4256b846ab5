"""GIFT export escapes every character GIFT gives a meaning (issue 5, F5): ``~ = # { } :`` and the
backslash, in stems, options, answers, feedback and titles, and what GIFT reads inside an answer
block besides (``->`` of a matching question, a leading ``%50%`` weight or ``[html]`` format mark),
so that export → import gives back exactly the texts written, alone and in combinations such as
``\\~``, ``{}``, ``::`` and ``####``."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from question_bank.drafts import QuestionDraft
from question_bank.formats import gift
from question_bank.formats.interchange import ExportedQuestion
from question_bank.models import Question
from question_bank.services import authoring, exporting, import_formats, importing

#: Each GIFT special character alone, escaped forms written as text, and combinations.
SPECIAL_TEXTS = ["~", "=", "#", "{", "}", ":", "\\", "\\~", "\\=", "\\#", "\\{", "\\}", "\\:", "\\\\", "\\n",
                 "{}", "}{", "::", "####", "=~#{}:\\", "a->b", "%50%", "%-100%", "[html]", "[plain]", "//",
                 "$CATEGORY: x", "TRUE"]


def texts(special: str) -> list[str]:
    """``special`` at the start, in the middle and at the end of a text."""
    return [special + "罚款", "罚" + special + "款", "罚款" + special]


def drafts_with(text: str) -> list[QuestionDraft]:
    """A question of each type that GIFT writes in its own way, ``text`` in every field it has."""
    return [
        QuestionDraft("single_choice", text, [text, "警告"], ["A"], "特殊", explanation=text),
        QuestionDraft("single_choice", "下列哪一项正确？", ["警告", text], ["A"], "特殊", explanation=text),
        QuestionDraft("multiple_choice", text, ["警告", text, "拘留"], ["A", "B"], "特殊", explanation=text),
        QuestionDraft("true_false", text, [], False, "特殊", explanation=text),
        QuestionDraft("fill_blank", f"{text}（ ）{text}", [], [[text, "二"]], "特殊", explanation=text),
        QuestionDraft("fill_blank", f"{text}（ ）", [], [[text]], "特殊", explanation=text),
        QuestionDraft("short_answer", text, [], text, "特殊", explanation=text, rubric=text),
    ]


def read_back(drafts: list[QuestionDraft], name: str = "") -> list:
    out = io.BytesIO()
    gift.write([ExportedQuestion(d, name=name) for d in drafts], out)
    return gift.read("导出.gift.txt", out.getvalue()).rows


def fields(draft: QuestionDraft) -> tuple:
    return draft.qtype, draft.stem, draft.options, draft.key, draft.explanation, draft.rubric


@pytest.mark.parametrize("special", SPECIAL_TEXTS)
def test_every_special_character_comes_back_exactly_from_gift(special):
    for text in texts(special):
        originals = drafts_with(text)
        rows = read_back(originals)
        assert [row.problems for row in rows] == [[]] * len(originals), text
        assert [fields(row.draft) for row in rows] == [fields(d) for d in originals], text


@pytest.mark.parametrize("title", ["::", "Q:1", "a\\b", "{题}", "#~=", "\\::"])
def test_a_title_with_special_characters_never_spills_into_the_stem(title):
    [row] = read_back([QuestionDraft("single_choice", "题干：{括号}", ["甲", "乙"], ["B"], "特殊")], name=title)
    assert row.draft.stem == "题干：{括号}" and row.draft.options == ["甲", "乙"]


def test_a_bank_of_special_texts_round_trips_through_gift(db, clock, editor):
    originals = [authoring.create_question(db, clock, editor, draft)
                 for special in ("\\~", "{}", "::", "####", "a->b", "%50%", "[html]")
                 for draft in drafts_with(f"第{special}题")[:5]]
    db.commit()
    out = io.BytesIO()
    exporting.export_questions(db, clock, editor, "gift", exporting.Selection(), out)
    db.commit()

    report = import_formats.import_file(db, clock, editor, "导出.gift.txt", out.getvalue(), "all_or_nothing",
                                        repeats=importing.KEEP_REPEATS)
    db.commit()
    assert not report.refused, [str(p) for p in report.errors]
    copies = db.scalars(select(Question).where(Question.import_batch_id == report.batch.id).order_by(Question.id))
    assert sorted(c.current_version.fingerprint for c in copies) == sorted(q.current_version.fingerprint
                                                                          for q in originals)
