"""Export → import round trips, per format and per type (issue 5, "Getting questions out").

A bank with every type, Chinese text and full-width punctuation, eight options, pinned options,
fill-in alternatives, a short answer with a rubric, explanations, legal bases, nested categories,
difficulties, knowledge points and marks is exported to each format and imported again through the
ordinary importer; the new batch's questions must hold the same content (fingerprint and every
field) as the originals, for everything the format carries."""

from __future__ import annotations

import io
import json
import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from question_bank.drafts import QuestionDraft
from question_bank.errors import PermissionDenied
from question_bank.models import AuditEvent, Question, Role
from question_bank.services import authoring, exporting, import_formats, importing
from question_bank.services.bank_search import QuestionQuery
from question_bank.services.exporting import Selection
from question_bank.formats.moodle_grades import grade_of
from question_bank.types.choice import pinning_proposals
from question_bank.types.fill_blank import BLANK

#: Fields compared after a round trip (the version's content, not its number).
FIELDS = ("qtype", "category", "stem", "options", "key", "explanation", "difficulty", "tags", "legal_basis",
          "default_score", "pinned_options", "rubric")


def drafts() -> list[QuestionDraft]:
    """One question of each kind that a round trip must keep."""
    eight = ["警告", "通报批评", "罚款", "没收违法所得", "暂扣许可证件", "降低资质等级", "行政拘留", "以上都是"]
    return [
        QuestionDraft("single_choice", "根据《中华人民共和国行政处罚法》，下列哪一项不属于行政处罚的种类？（　）",
                      ["警告、通报批评", "罚款；没收违法所得", "记过", "以上都不对"], ["C"], "行政处罚法/总则",
                      explanation="记过是政务处分，不是行政处罚。\n见第九条。", difficulty=1,
                      tags=["行政处罚的种类", "政务处分"], legal_basis="《中华人民共和国行政处罚法》第九条",
                      default_score=Decimal("2"), pinned_options=[3]),
        QuestionDraft("multiple_choice", "下列哪些属于行政处罚？（　　）请选出全部正确答案：", eight, ["A", "B", "C", "H"],
                      "行政处罚法/种类", difficulty=4, default_score=Decimal("2.5"), pinned_options=[7],
                      tags=["八个选项"]),
        QuestionDraft("indefinite_choice", "关于行政许可的期限，下列说法正确的是（ ）", ["二十日内作出决定", "可以延长十日",
                      "无须告知理由", "可无限期延长"], ["A", "B"], "行政许可法/实施程序", difficulty=5,
                      explanation="第四十二条。", legal_basis="《中华人民共和国行政许可法》第四十二条"),
        QuestionDraft("true_false", "行政机关实施行政处罚时，应当责令当事人改正或者限期改正违法行为。", [], True,
                      "行政处罚法/总则", explanation="第二十八条第一款。", difficulty=2),
        QuestionDraft("true_false", "“罚款”＝“行政拘留”？——错！", [], False, "行政处罚法/总则"),
        QuestionDraft("fill_blank", "违法行为在（ ）年内未被发现的，不再给予行政处罚；涉及公民生命健康安全的，"
                      "上述期限延长至（ ）年。", [], [["二", "2", "两"], ["五", "5"]], "行政处罚法/时效",
                      explanation="第三十六条。", legal_basis="《中华人民共和国行政处罚法》第三十六条",
                      default_score=Decimal("3")),
        QuestionDraft("fill_blank", "当事人对行政处罚决定不服的，可以依法申请（ ）。", [], [["行政复议", "复议"]],
                      "行政处罚法/救济", tags=["救济"]),
        QuestionDraft("fill_blank", "行政处罚的设定：法律可以设定___；行政法规可以设定除限制人身自由以外的___。",
                      [], [["各种行政处罚"], ["行政处罚"]], "行政处罚法/设定"),
        # Every character some format treats specially: GIFT's ~ = # { } : \, XML's < & >, Cloze's / " and
        # the template's | / \ in a fill-in answer; line ends inside a stem and an option.
        QuestionDraft("single_choice", "第3条：罚款=警告？{注意} a<b & c>d ~ #1 \\路径\n第二行：“引号”", [
                      "A~B", "=等于", "#井号{括号}", "冒号：与:"], ["B"], "特殊字符/GIFT与XML", explanation="见#3：{}"),
        QuestionDraft("fill_blank", "罚款数额的（ ）由行政机关决定，\"上限\"是（ ）。", [], [["1/2", "二分之一"], ["a|b\\c", "{x}~#"]],
                      "特殊字符/填空"),
        QuestionDraft("short_answer", "简述行政机关在作出行政处罚决定之前应当告知当事人的事项。",
                      [], "应当告知拟作出的行政处罚内容及事实、理由、依据，并告知陈述、申辩、要求听证等权利。",
                      "行政处罚法/决定", rubric="内容、事实、理由、依据 3 分；陈述申辩 1 分；听证 1 分。",
                      explanation="第四十四条。", difficulty=3, default_score=Decimal("5")),
    ]


#: A stem a spreadsheet would take for a formula: kept exactly by the xlsx and the text formats.
FORMULA_LIKE = QuestionDraft("single_choice", "=SUM(A1:A2) 在题干里只是文字，对吗？", ["对", "错"], ["A"], "杂项")


@pytest.fixture
def bank(db, clock, editor):
    questions = [authoring.create_question(db, clock, editor, d) for d in drafts() + [FORMULA_LIKE]]
    db.commit()
    return questions


def content(question: Question) -> dict:
    snapshot = authoring.snapshot(question.current_version)
    snapshot["default_score"] = Decimal(snapshot["default_score"]) if snapshot["default_score"] else None
    return {name: snapshot[name] for name in FIELDS} | {"fingerprint": question.current_version.fingerprint}


def export(db, clock, actor, file_format, selection=Selection()) -> bytes:
    out = io.BytesIO()
    exporting.export_questions(db, clock, actor, file_format, selection, out)
    db.commit()
    return out.getvalue()


def reimport(db, clock, editor, filename, data, mode="all_or_nothing"):
    # The bank still holds the exported questions, so they come back as repeats: imported and flagged.
    report = import_formats.import_file(db, clock, editor, filename, data, mode, repeats=importing.KEEP_REPEATS)
    db.commit()
    assert not report.refused, [str(p) for p in report.errors]
    return report, db.scalars(select(Question).where(Question.import_batch_id == report.batch.id)
                              .order_by(Question.id)).all()


@pytest.mark.parametrize("file_format,filename", [
    ("xlsx", "导出.xlsx"), ("moodle_xml", "导出.xml"), ("gift", "导出.gift.txt"), ("jsonl", "导出.jsonl"),
])
def test_every_type_comes_back_the_same_from_each_lossless_format(db, clock, editor, bank, file_format, filename):
    data = export(db, clock, editor, file_format)
    report, imported = reimport(db, clock, editor, filename, data)

    originals = sorted((content(q) for q in bank), key=lambda c: c["fingerprint"])
    copies = sorted((content(q) for q in imported), key=lambda c: c["fingerprint"])
    assert copies == originals
    # Every copy is a repeat of its original, and the importer says so.
    assert len(report.duplicates) == len(bank) and {d["similarity"] for d in report.duplicates} == {100}
    assert report.notes == [] or file_format == "jsonl"


def test_csv_round_trip_keeps_every_type_and_formula_like_cells_come_back_as_written(db, clock, editor, bank):
    data = export(db, clock, editor, "csv")
    # A cell a spreadsheet would run is written with the apostrophe (formula injection, OWASP) …
    assert "'=SUM(A1:A2)" in data.decode("utf-8-sig") and "'=等于" in data.decode("utf-8-sig")
    report, imported = reimport(db, clock, editor, "导出.csv", data)

    # … which the import takes off again, saying so on each such row.
    assert sorted(map(content, imported), key=str) == sorted(map(content, bank), key=str)
    assert {p.message for p in report.notes} == {
        "an apostrophe before =, +, - or @ was taken as a CSV export's guard against formulas and left out"}
    assert len(report.notes) == 2


def test_moodle_reads_what_moodle_xml_itself_carries_without_our_extension(db, clock, editor, bank):
    data = export(db, clock, editor, "moodle_xml")
    plain = re.sub(rb"\s*<examsvc>.*?</examsvc>", b"", data, flags=re.DOTALL)
    assert b"examsvc" not in plain
    _, imported = reimport(db, clock, editor, "moodle.xml", plain)

    by_stem = {q.current_version.stem: q.current_version for q in imported}
    for original in bank:
        version = original.current_version
        # A Cloze blank is a blank: it comes back marked （ ）, however the stem marked it.
        copy = by_stem[BLANK.sub("（ ）", version.stem) if version.qtype == "fill_blank" else version.stem]
        # What Moodle XML has a place for comes back.
        assert (copy.options, copy.key, copy.explanation, copy.category.path, copy.tags) == \
               (version.options, version.key, version.explanation, version.category.path, version.tags)
        assert copy.default_score == (version.default_score or Decimal(1))  # Moodle's default grade is 1
        # What it has no place for does not: indefinite choice reads as multiple, no basis; pins are
        # proposed again as for any file that does not state them (以上都不对, 以上都是).
        assert copy.qtype == ("multiple_choice" if version.qtype == "indefinite_choice" else version.qtype)
        assert (copy.legal_basis, copy.difficulty, copy.rubric) == ("", 3, "")
        assert copy.pinned_options == pinning_proposals(version.options)


def test_a_selection_exports_only_its_questions_in_category_order(db, clock, editor, bank):
    data = export(db, clock, editor, "jsonl", Selection(QuestionQuery(qtype="fill_blank")))
    lines = data.decode("utf-8").splitlines()
    assert len(lines) == 4 and all('"type":"fill_blank"' in line for line in lines)

    data = export(db, clock, editor, "gift", Selection(QuestionQuery(category="行政处罚法/总则")))
    assert data.decode("utf-8").count("// question:") == 3
    assert data.decode("utf-8").count("$CATEGORY: $course$/行政处罚法/总则") == 1


def test_exports_are_for_bank_roles_only_and_each_is_audited(db, clock, editor, bank, make):
    reviewer = make.user(Role.BANK_REVIEWER, username="reviewer")
    for outsider in (make.cadre(), make.user(Role.EXAM_ADMIN), make.user(Role.HR), make.user(Role.AUDITOR)):
        for file_format in exporting.FORMATS:
            with pytest.raises(PermissionDenied):
                exporting.export_questions(db, clock, outsider, file_format, Selection(), io.BytesIO())

    export(db, clock, reviewer, "moodle_xml", Selection(QuestionQuery(qtype="true_false")))
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "export.questions")).one()
    assert event.actor_id == reviewer.id
    assert event.after == {"format": "moodle_xml", "selection": {"type": "true_false"}, "questions": 2}


def test_every_grade_our_moodle_files_give_is_one_moodle_accepts(db, clock, editor):
    options = [f"第{i}项" for i in range(1, 9)]
    for right in range(1, 9):
        authoring.create_question(db, clock, editor, QuestionDraft(
            "multiple_choice" if right > 1 else "single_choice", f"选出{right}项（ ）", options,
            list("ABCDEFGH"[:right]), "多选"))
    db.commit()
    xml = export(db, clock, editor, "moodle_xml").decode("utf-8")
    gift_text = export(db, clock, editor, "gift").decode("utf-8")
    xml_grades = re.findall(r'fraction="([^"]+)"', xml)
    gift_grades = re.findall(r"~%(-?[\d.]+)%", gift_text)
    assert len(xml_grades) == 64 and len(gift_grades) == 8 * 7
    assert all(grade_of(g) is not None for g in xml_grades + gift_grades)
    # Each question's right answers share exactly 100 %, as Moodle requires of a multiple response.
    for block in xml.split('<question type="multichoice">')[1:]:
        right = [Decimal(g) for g in re.findall(r'fraction="([^"]+)"', block) if Decimal(g) > 0]
        assert abs(sum(right) - 100) < Decimal("0.0001")


def test_json_lines_keep_every_version_the_review_state_and_the_citations(db, clock, editor, make):
    question = make.question("single_choice", category="宪法", stem="第一版题干（ ）",
                             legal_basis="《中华人民共和国行政处罚法》第九条、第十条")
    make.revision(question, stem="第二版题干（ ）", explanation="改写后的解析")
    line = json.loads(export(db, clock, editor, "jsonl").decode("utf-8"))

    assert (line["id"], line["status"], line["version_no"], line["published_version_no"], line["pending_revision"]) == (
        question.id, "in_review", 1, 1, 2)
    assert [(v["version_no"], v["stem"], v["explanation"]) for v in line["versions"]] == [
        (1, "第一版题干（ ）", "依据法条作答。"), (2, "第二版题干（ ）", "改写后的解析")]
    # The content is the published version, the one papers draw; the revision is in "versions".
    assert line["stem"] == "第一版题干（ ）" and line["fingerprint"] == question.published_version.fingerprint
    assert [(c["source"], c["text"], c["article_number"]) for c in line["citations"]][:2] == [
        ("legal_basis", "《中华人民共和国行政处罚法》第九条", 9), ("legal_basis", "第十条", 10)]
    assert set(line["review"]) == {"reviewer", "reviewed_at", "import_batch"}


#: Every label style the template import takes off an option in its own column, each before a text.
OWN_LABEL_STYLES = ("{L}.", "{L}．", "{L}、", "{L}:", "{L}：", "{L})", "{L}）", "({L})", "（{L}）", "（{L}）、",
                    "( {L} ) ", "{l}.", "{l}、", "{F}．", "{f}、", "{L} . ", "{L}. {L}.")


def _labelled(style: str, letter: str) -> str:
    full = chr(ord("Ａ") + ord(letter) - ord("A"))
    return style.format(L=letter, l=letter.lower(), F=full, f=full.lower())


#: Every format whose import reads option labels (issue 5: all of them, by one rule).
EVERY_FORMAT = [("xlsx", "导出.xlsx"), ("csv", "导出.csv"), ("moodle_xml", "导出.xml"), ("gift", "导出.gift.txt"),
                ("jsonl", "导出.jsonl")]


@pytest.mark.parametrize("file_format,filename", EVERY_FORMAT)
def test_options_beginning_with_their_own_label_come_back_exactly_from_every_format(
        db, clock, editor, file_format, filename):
    # Texts stored with a leading label (by an earlier import, through an escape): every export must
    # write them so that the import, which takes labels off options that all carry them, keeps them.
    originals = []
    # Only one option begins with a label, which the import alone would refuse as labels on some options.
    for options in (["A.甲", "乙", "丙", "丁"], ["（A）", "B.", "丙", "丁"], ["甲", "乙", "C、A和B", "D.以上都不对"]):
        originals.append(authoring.create_question(db, clock, editor, QuestionDraft(
            "single_choice", f"部分标签{options}：下列说法正确的是？", options, ["A"], "标签")))
    for number, style in enumerate(OWN_LABEL_STYLES):
        options = [_labelled(style, letter) + text for letter, text in
                   zip("ABCD", ["以上均可", "以上都不对", "无法确定", "项"])]
        originals.append(authoring.create_question(db, clock, editor, QuestionDraft(
            "single_choice", f"标签样式{number}：下列说法正确的是？", options, ["A"], "标签")))
    # Texts the import already keeps stay written as they are, so hand-made files read as before.
    kept = ["A类企业", "A、B都正确", "C.B两项", "以上都是"]
    originals.append(authoring.create_question(db, clock, editor, QuestionDraft(
        "single_choice", "字母开头的选项原样保留？", kept, ["B"], "标签")))
    db.commit()

    data = export(db, clock, editor, file_format)
    if file_format == "csv":
        text = data.decode("utf-8-sig")
        assert "（A）A.甲,（B）乙," in text and "（B）B、以上都不对" in text and ",A类企业,A、B都正确,C.B两项," in text
    report, imported = reimport(db, clock, editor, filename, data)

    assert sorted(c["options"] for c in map(content, imported)) == sorted(c["options"] for c in map(content, originals))
    assert [d["similarity"] for d in report.duplicates] == [100] * len(originals)


@pytest.mark.parametrize("file_format,filename", EVERY_FORMAT)
def test_options_beginning_with_another_options_label_come_back_exactly_from_every_format(
        db, clock, editor, file_format, filename):
    # The import refuses "C、警告" in 选项B (issue 5, F2); a text stored so (from the editor, JSON Lines,
    # Moodle) is written after its own bracketed label, which the import takes off, and comes back whole.
    originals = []
    for number, style in enumerate(OWN_LABEL_STYLES):
        options = [_labelled(style, other) + text for other, text in zip("BCDA", ["警告", "罚款", "记过", "行政拘留"])]
        originals.append(authoring.create_question(db, clock, editor, QuestionDraft(
            "single_choice", f"他项标签{number}：下列说法正确的是？", options, ["A"], "标签")))
    db.commit()

    data = export(db, clock, editor, file_format)
    if file_format == "csv":
        assert "（B）C.罚款" in data.decode("utf-8-sig")
    report, imported = reimport(db, clock, editor, filename, data)

    assert sorted(c["options"] for c in map(content, imported)) == sorted(c["options"] for c in map(content, originals))
    assert [d["similarity"] for d in report.duplicates] == [100] * len(originals)


def test_a_text_that_reads_like_an_ooxml_escape_comes_back_as_written_from_the_xlsx(db, clock, editor):
    # The import decodes _x000D_ as Excel does, so the export writes such a text's underscore as _x005F_.
    draft = QuestionDraft("single_choice", "题干里写着 _x000D_ 与 _x005F_ 两段文字", ["_x0009_字面", "乙"], ["A"], "转义",
                          explanation="a_x000A_b")
    original = authoring.create_question(db, clock, editor, draft)
    db.commit()
    report, [copy] = reimport(db, clock, editor, "导出.xlsx", export(db, clock, editor, "xlsx"))
    assert content(copy) == content(original)
