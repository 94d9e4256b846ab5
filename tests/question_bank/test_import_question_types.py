"""Importing fill-in and short-answer questions and pinned options through the template, and the
rows refused for them, each problem on its row and column (domain.md §3; cases C-09, C-23)."""

from __future__ import annotations

from sqlalchemy import select

from question_bank.formats.template import TEMPLATE_HEADERS
from question_bank.models import Question, QuestionVersion
from question_bank.services import importing
from question_bank.services.importing import VALID_ONLY
from question_bank.types.short_answer import NO_REFERENCE
from tests.factories import QUESTION_HEADER, questions_xlsx

CATEGORY = "行政复议法"


def row(**cells: str) -> tuple[str, ...]:
    """A row of the full template, by Chinese header; 分类 defaults to :data:`CATEGORY`."""
    cells.setdefault("分类", CATEGORY)
    unknown = set(cells) - set(TEMPLATE_HEADERS)
    assert not unknown, unknown
    return tuple(cells.get(header, "") for header in TEMPLATE_HEADERS)


def choice(stem: str, options: list[str], key: str, **cells: str) -> tuple[str, ...]:
    return row(题型="单选", 题干=stem, 答案=key, **{f"选项{'ABCDEFGH'[i]}": text for i, text in enumerate(options)}, **cells)


def run(db, clock, editor, rows, header=TEMPLATE_HEADERS, mode=importing.ALL_OR_NOTHING):
    report = importing.import_questions(db, clock, editor, "题库.xlsx", questions_xlsx(rows, header), mode)
    db.commit()
    return report


def stored(db, stem: str) -> QuestionVersion:
    return db.scalars(select(QuestionVersion).where(QuestionVersion.stem == stem)).one()


def problems(report) -> list[tuple[int, str, str]]:
    return [(p.place.row, p.place.header, p.message) for p in report.errors]


def test_fill_in_and_short_answer_rows_import_with_their_keys_and_rubric(db, clock, editor):
    report = run(db, clock, editor, [
        row(题型="填空", 题干="对行政行为不服的，可以申请（ ），也可以提起___。", 答案="行政复议|行政诉讼/诉讼", 分值="2"),
        row(题型="简答题", 题干="简述行政复议的受理条件。", 答案="有明确的申请人……\n属于行政复议范围。",
            评分标准="每答出一项得1分。"),
        row(题型="案例分析", 题干="某局未告知听证权利即罚款，分析其合法性。", 答案="程序违法。"),
    ])
    assert not report.refused, report.errors
    fill = stored(db, "对行政行为不服的，可以申请（ ），也可以提起___。")
    assert (fill.qtype, fill.key, fill.options) == ("fill_blank", [["行政复议"], ["行政诉讼", "诉讼"]], [])
    short = stored(db, "简述行政复议的受理条件。")
    assert (short.qtype, short.key, short.rubric) == ("short_answer", "有明确的申请人……\n属于行政复议范围。", "每答出一项得1分。")
    assert stored(db, "某局未告知听证权利即罚款，分析其合法性。").qtype == "short_answer"


def test_options_starting_with_yishang_are_pinned_when_the_file_says_nothing_and_the_report_lists_them(db, clock, editor):
    report = run(db, clock, editor, [
        choice("行政处罚的种类有（ ）", ["警告", "罚款", "行政拘留", "以上都是"], "D"),
        choice("下列属于刑罚的是（ ）", ["警告", "罚款", "以上都不对", "上述都对"], "C", 固定选项="无"),
        choice("下列属于行政处罚的是（ ）", ["警告", "记过", "以上都不对", "降级"], "A", 固定选项="c"),
        choice("行政许可由谁实施（ ）", ["行政机关", "法院", "检察院", "监察委"], "A"),
    ])
    assert not report.refused, report.errors
    assert stored(db, "行政处罚的种类有（ ）").pinned_options == [3]
    assert stored(db, "下列属于刑罚的是（ ）").pinned_options == []      # 无: the author said none
    assert stored(db, "下列属于行政处罚的是（ ）").pinned_options == [2]   # the author's letters, no proposal
    assert stored(db, "行政许可由谁实施（ ）").pinned_options == []
    question = db.scalar(select(Question).where(Question.current_version_id == stored(db, "行政处罚的种类有（ ）").id))
    expected = [{"row": 2, "sheet": "题库", "letters": "D", "options": ["以上都是"], "question_id": question.id}]
    assert report.pinned == expected and report.batch.report["pinned"] == expected


def test_a_file_without_the_pinned_column_gets_the_proposal_too(db, clock, editor):
    report = run(db, clock, editor, [("单选", "种类有（ ）", "警告", "罚款", "拘留", "以上都是", "D", "", "", "", "", CATEGORY, "")],
                 header=QUESTION_HEADER)
    assert [p["letters"] for p in report.pinned] == ["D"] and stored(db, "种类有（ ）").pinned_options == [3]


def test_rows_wrong_for_their_type_are_refused_naming_row_and_column(db, clock, editor):
    report = run(db, clock, editor, [
        row(题型="填空", 题干="申请（ ）或者提起（ ）", 答案="行政复议"),                                # 2
        row(题型="填空", 题干="没有标出空的题干", 答案="行政复议"),                                      # 3
        row(题型="填空", 题干="申请（ ）", 答案="行政复议", 选项A="行政复议"),                           # 4
        row(题型="填空", 题干="申请（ ）", 答案="行政复议//复议"),                                       # 5
        row(题型="简答", 题干="简述行政复议的期限。", 答案="六十日", 选项A="六十日"),                   # 6
        row(题型="单选", 题干="种类（ ）", 选项A="警告", 选项B="罚款", 答案="A", 评分标准="答对得分"),     # 7
        choice("种类（ ）", ["警告", "罚款", "拘留", "以上都是"], "A", 固定选项="Z"),                    # 8
        choice("种类（ ）", ["警告", "罚款", "拘留", "以上都是"], "A", 固定选项="F"),                    # 9
        choice("种类（ ）", ["警告", "罚款", "警告", "以上都是"], "A"),                                  # 10
        choice("种类（ ）", ["警告", "", "拘留"], "B"),                                                  # 11
    ], mode=VALID_ONLY)
    assert report.refused and report.imported == 0
    assert problems(report) == [
        (2, "答案", "the stem has %(blanks)d blanks but the key gives answers for %(answers)d"),
        (3, "题干", "the stem marks no blank: write （ ） or ___ where each answer goes"),
        (4, "选项A", "a fill-in question has no options"),
        (5, "答案", "blank %(n)d has an empty alternative (two / in a row, or one at an end)"),
        (6, "选项A", "a short-answer question has no options"),
        (7, "评分标准", "only questions marked by a person have a rubric"),
        (8, "固定选项", "only option letters A–H may be given here, not %(value)s"),
        (9, "固定选项", "option %(letters)s is pinned but the question has no such option"),
        (10, "选项C", "options %(first)s and %(second)s are the same"),
        (11, "选项B", "option %(letter)s is empty but a later option is filled in"),
        (11, "答案", "the key names option %(letters)s, which is empty"),
    ]


def test_the_template_columns_are_found_by_their_english_names_too(db, clock, editor):
    header = ("type", "stem", "option_A", "option_B", "option_C", "pinned_options", "key", "rubric", "category")
    report = run(db, clock, editor, [
        ("single", "种类（ ）", "警告", "罚款", "以上都不对", "C", "A", "", CATEGORY),
        ("short_answer", "简述听证程序。", "", "", "", "", "参考答案", "评分标准", CATEGORY),
    ], header=header)
    assert not report.refused, report.errors
    assert stored(db, "种类（ ）").pinned_options == [2] and report.pinned == []
    assert stored(db, "简述听证程序。").rubric == "评分标准"


def test_a_separate_reference_answer_column_serves_short_answers_and_rows_that_leave_the_key_empty(db, clock, editor):
    report = run(db, clock, editor, [
        row(题型="单选", 题干="种类（ ）", 选项A="警告", 选项B="罚款", 答案="A"),
        row(题型="简答", 题干="简述听证程序。", 参考答案="告知、申请、组织听证。", 评分标准="每点1分"),
        row(题型="填空", 题干="申请（ ）", 参考答案="行政复议/复议"),
        row(题型="简答", 题干="简述告知义务。", 答案="告知处罚内容。", 参考答案="告知处罚内容。"),
    ])
    assert not report.refused, report.errors
    assert stored(db, "简述听证程序。").key == "告知、申请、组织听证。"
    assert stored(db, "申请（ ）").key == [["行政复议", "复议"]]
    assert stored(db, "简述告知义务。").key == "告知处罚内容。"


def test_a_row_whose_two_answer_columns_disagree_is_refused_on_the_reference_column(db, clock, editor):
    report = run(db, clock, editor, [
        row(题型="简答", 题干="简述听证程序。", 答案="告知。", 参考答案="告知、申请、组织听证。"),
        row(题型="简答", 题干="简述告知义务。"),
    ])
    assert problems(report) == [
        (2, "参考答案", "the columns %(first)s and %(second)s both give the key and differ; keep one"),
    ]
    # A short answer without any reference answer is not refused: the note says it is still needed.
    assert [(n.place.row, n.place.header, n.message) for n in report.notes] == [(3, "答案", NO_REFERENCE)]


def test_a_file_that_heads_its_key_column_reference_answer_is_read(db, clock, editor):
    header = ("题型", "题干", "选项A", "选项B", "参考答案", "分类")
    report = run(db, clock, editor, [("单选", "种类（ ）", "警告", "罚款", "B", CATEGORY),
                                     ("简答", "简述听证程序。", "", "", "告知、申请、组织听证。", CATEGORY)], header=header)
    assert not report.refused, report.errors
    assert stored(db, "种类（ ）").key == ["B"] and stored(db, "简述听证程序。").key == "告知、申请、组织听证。"
