"""Reading statute texts without a database: every LawRefBook file gives exactly the article counts
its PROVENANCE.md states, the structure is read by its words (编/分编/章/节, 序言, 附则), the odd
headings and header lines the PROVENANCE lists are read right, the same law in the official plain
layout reads the same, and a text that cannot be read names its line."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from question_bank.errors import InvalidInput
from question_bank.formats import law_header
from question_bank.formats.law_parts import content_digest, heading_places, merge_parts
from question_bank.formats.law_text import parse_law_file, parse_law_text
from question_bank.formats.numerals import article_label, chinese_numeral, parse_numeral
from question_bank.models import EventKind, HeadingKind
from tests.shared_data import LAW_TEXTS

#: The counts at the end of laws-lawrefbook/PROVENANCE.md, file by file.
COUNTS = {
    "刑法/刑法.md": 505, "宪法/宪法.md": 143, "宪法相关法/国家赔偿法(2012-10-26).md": 42,
    "宪法相关法/监察法(2018-03-20).md": 69, "宪法相关法/监察法(2024-12-25).md": 78,
    "民法典/总则.md": 204, "民法典/物权编.md": 258, "民法典/合同编.md": 526, "民法典/人格权编.md": 51,
    "民法典/婚姻家庭编.md": 79, "民法典/继承编.md": 45, "民法典/侵权责任编.md": 95, "民法典/附则.md": 2,
    "行政法/公务员法(2018-12-29).md": 113, "行政法/行政处罚法(2021-01-22).md": 86,
    "行政法/行政强制法(2011-06-30).md": 71, "行政法/行政许可法(2019-04-23).md": 83,
    "诉讼与非诉讼程序法/行政复议法(2017-09-01).md": 43, "诉讼与非诉讼程序法/行政复议法(2023-09-01).md": 90,
    "诉讼与非诉讼程序法/行政诉讼法(2017-06-27).md": 103,
}
CIVIL_CODE_PARTS = ["总则", "物权编", "合同编", "人格权编", "婚姻家庭编", "继承编", "侵权责任编", "附则"]


def read(name: str):
    return parse_law_file(name, (LAW_TEXTS / name).read_bytes())


def civil_code():
    return merge_parts([read(f"民法典/{part}.md") for part in CIVIL_CODE_PARTS])


def problems_of(text: str, name: str = "test.txt") -> list[str]:
    with pytest.raises(InvalidInput) as caught:
        parse_law_text(name, text)
    return [str(p) for p in caught.value.problems]


def test_every_file_of_the_dataset_is_covered_by_the_provenance_counts():
    on_disk = {p.relative_to(LAW_TEXTS).as_posix() for p in LAW_TEXTS.rglob("*.md")}
    assert on_disk - set(COUNTS) == {"PROVENANCE.md", "法律法规模版.md"}


@pytest.mark.parametrize("name,count", sorted(COUNTS.items()))
def test_each_file_gives_the_article_count_its_provenance_states(name, count):
    parsed = read(name)
    assert len(parsed.articles) == count
    keys = [a.key for a in parsed.articles]
    assert len(set(keys)) == count and keys == sorted(keys)


def test_the_civil_code_eight_files_are_one_law_of_1260_articles_numbered_without_gaps():
    code = civil_code()
    assert code.title == "中华人民共和国民法典" and code.part_title == ""
    assert [a.number for a in code.articles] == list(range(1, 1261))
    assert code.articles[-1].label == "第一千二百六十条"
    parts = [h for h in code.headings if h.parent is None]
    assert [h.caption for h in parts] == ["第一编 总则", "第二编 物权", "第三编 合同", "第四编 人格权",
                                          "第五编 婚姻家庭", "第六编 继承", "第七编 侵权责任", "附则"]
    assert len(code.names) == 8


def test_the_civil_code_parts_join_in_article_order_whatever_order_they_come_in():
    shuffled = merge_parts([read(f"民法典/{part}.md") for part in reversed(CIVIL_CODE_PARTS)])
    assert content_digest(shuffled) == content_digest(civil_code())


def test_a_civil_code_part_alone_is_refused_as_starting_part_way():
    with pytest.raises(InvalidInput) as caught:
        merge_parts([read("民法典/侵权责任编.md")])
    assert str(caught.value).startswith("民法典/侵权责任编.md, line 13: the first article is 第一千一百六十四条")


def test_civil_code_chapters_and_sections_nest_under_their_book_and_sub_book():
    code = civil_code()
    places = {h.caption: p.address for h, p in zip(code.headings, heading_places(code))}
    assert places["第三编 合同"] == "part:3"
    assert places["第一分编 通则"] == "part:3/subpart:1"
    assert places["第九章 买卖合同"] == "part:3/subpart:2/chapter:9"
    assert places["第一节 不动产登记"] == "part:2/subpart:1/chapter:2/section:1"
    supplementary = next(h for h in code.headings if h.kind == HeadingKind.SUPPLEMENTARY)
    assert [a.number for a in code.articles if a.heading == code.headings.index(supplementary)] == [1259, 1260]


def test_odd_spacing_in_headings_is_read_as_the_words():
    contract = read("民法典/合同编.md")
    captions = [h.caption for h in contract.headings]
    assert "第一分编 通则" in captions and "第一章 一般规定" in captions and "第三分编 准合同" in captions
    general = read("民法典/总则.md")
    assert "第二节 监护" in [h.caption for h in general.headings]
    supervision = read("宪法相关法/监察法(2024-12-25).md")
    assert supervision.headings[0].caption == "第一章 总则"


def test_the_empty_heading_and_missing_final_newline_of_the_civil_code_supplementary_file():
    raw = (LAW_TEXTS / "民法典/附则.md").read_bytes()
    assert not raw.endswith(b"\n") and b"\n##\n" in raw
    parsed = read("民法典/附则.md")
    assert parsed.part_title == "附则" and parsed.headings == []
    assert parsed.articles[-1].lines[-1].endswith("同时废止。")


def test_the_stray_bracket_in_the_supervision_law_header_does_not_reach_the_history():
    parsed = read("宪法相关法/监察法(2024-12-25).md")
    last = parsed.history[-1]
    assert (last.date, last.kind) == (dt.date(2024, 12, 25), EventKind.AMENDED)
    assert last.text.endswith("的决定》修正") and not last.text.endswith("）")


def test_the_constitution_preamble_is_kept_as_unnumbered_paragraphs_before_article_one():
    constitution = read("宪法/宪法.md")
    assert len(constitution.preamble) == 13
    assert constitution.preamble[0].startswith("中国是世界上历史最悠久的国家之一")
    assert constitution.headings[0].kind == HeadingKind.PREAMBLE
    assert constitution.articles[0].label == "第一条"
    state = [h.caption for h in constitution.headings if h.parent is not None]
    assert "第一节 全国人民代表大会" in state


def test_criminal_law_inserted_articles_chapters_sections_and_annexes():
    criminal = read("刑法/刑法.md")
    inserted = [a for a in criminal.articles if a.suffix]
    assert len(inserted) == 53 and len(criminal.articles) - len(inserted) == 452
    drunk = next(a for a in criminal.articles if a.key == (133, 1))
    assert drunk.label == "第一百三十三条之一" and drunk.lines[0].startswith("在道路上驾驶机动车")
    places = {h.caption: p.address for h, p in zip(criminal.headings, heading_places(criminal))}
    assert places["第八章 贪污贿赂罪"] == "part:2/chapter:8"
    assert places["第一节 犯罪和刑事责任"] == "part:1/chapter:2/section:1"
    annexes = [h for h in criminal.headings if h.kind == HeadingKind.ANNEX]
    assert [h.label for h in annexes] == ["附件一", "附件二"] and annexes[0].body[1].startswith("1．")
    deleted = next(a for a in criminal.articles if a.key == (199, 0))
    assert deleted.lines == ["（删去）"]


@pytest.mark.parametrize("name,made,effective,kinds", [
    ("行政法/行政处罚法(2021-01-22).md", dt.date(2021, 1, 22), None,
     [EventKind.ADOPTED, EventKind.AMENDED, EventKind.AMENDED, EventKind.REVISED]),
    ("宪法/宪法.md", dt.date(2018, 3, 11), None, [EventKind.ADOPTED, EventKind.EFFECTIVE] + [EventKind.AMENDED] * 5),
    ("民法典/总则.md", dt.date(2020, 5, 28), dt.date(2021, 1, 1), [EventKind.ADOPTED, EventKind.EFFECTIVE]),
    ("刑法/刑法.md", dt.date(2023, 12, 29), None, None),
    ("诉讼与非诉讼程序法/行政复议法(2023-09-01).md", dt.date(2023, 9, 1), None,
     [EventKind.ADOPTED, EventKind.AMENDED, EventKind.AMENDED, EventKind.REVISED]),
])
def test_the_header_history_dates_the_version(name, made, effective, kinds):
    parsed = read(name)
    assert law_header.version_date(parsed.history) == made
    assert law_header.effective_date(parsed.history) == effective
    if kinds is not None:
        assert [e.kind for e in parsed.history] == kinds
    # The file name's date, where it has one, is the version's date.
    stamp = re.search(r"\((\d{4}-\d{2}-\d{2})\)", name)
    if stamp:
        assert made.isoformat() == stamp.group(1)


def test_issuing_body_and_kind_come_from_the_adopting_event():
    assert law_header.issuer("中华人民共和国宪法", read("宪法/宪法.md").history)[1] == "constitution"
    body, kind = law_header.issuer("中华人民共和国公务员法", read("行政法/公务员法(2018-12-29).md").history)
    assert (body, kind) == ("全国人民代表大会常务委员会", "law")


def official_layout(markdown: str) -> str:
    """A LawRefBook file rewritten in the layout of the official plain text: the history in one
    parenthesised paragraph, a table of contents, full-width spaces, indented paragraphs."""
    head, body = re.sub(r"<!-- (?!INFO END)[^>]*-->", "", markdown).split("<!-- INFO END -->", 1)
    lines = [line for line in head.split("\n") if line.strip()]
    title, events = lines[0][2:], [line.replace(" ", "", 1) for line in lines[1:]]
    headings = [line.lstrip("#").strip() for line in body.split("\n") if line.startswith("#")]
    spaced = [re.sub(r"^(第\S+?[编章节])\s+", "\\1　", h) for h in headings]
    out = [title, "", "（" + "　".join(events) + "）", "", "目　　录", ""] + spaced + [""]
    for line in body.split("\n"):
        if line.startswith("#"):
            out.append(re.sub(r"^(第\S+?[编章节])\s+", "\\1　", line.lstrip("#").strip()))
        elif line.strip():
            out.append("　　" + re.sub(r"^(第\S+?条(?:之\S)?) ", "\\1　", line))
    return "\r\n".join(out)


@pytest.mark.parametrize("name", ["行政法/行政处罚法(2021-01-22).md", "宪法/宪法.md", "刑法/刑法.md"])
def test_the_same_law_in_the_official_plain_layout_reads_the_same(name):
    markdown = (LAW_TEXTS / name).read_text("utf-8")
    plain = official_layout(markdown)
    assert "<!--" not in plain and "目　　录" in plain
    from_plain = parse_law_file("pasted.txt", plain.encode("gb18030"))
    from_markdown = read(name)
    assert len(from_plain.articles) == len(from_markdown.articles)
    assert [(e.date, e.kind) for e in from_plain.history] == [(e.date, e.kind) for e in from_markdown.history]
    assert content_digest(from_plain) == content_digest(from_markdown)


PARTY_REGULATION = """中国共产党某某工作条例

（2019年12月30日中共中央政治局会议审议批准　2020年1月2日中共中央发布）

第一章　总　　则

第一条　为了加强和规范某某工作，根据《中国共产党章程》，制定本条例。

第二条　本条例适用于党的各级组织。

第二章　附　　则

第3条　本条例由中央办公厅负责解释。
第4条　本条例自发布之日起施行。
"""


def test_a_party_regulation_in_the_same_layout_reads_with_its_dates_and_kind():
    parsed = parse_law_text("条例.txt", PARTY_REGULATION)
    assert parsed.title == "中国共产党某某工作条例"
    assert [a.number for a in parsed.articles] == [1, 2, 3, 4]
    assert [h.caption for h in parsed.headings] == ["第一章 总则", "第二章 附则"]
    assert law_header.version_date(parsed.history) == dt.date(2019, 12, 30)
    body, kind = law_header.issuer(parsed.title, parsed.history)
    assert kind == "party_regulation" and body == "中共中央"


def test_an_article_label_without_a_space_counts_only_when_it_is_the_next_article():
    text = "某某条例\n\n2020年1月1日 某某省人民代表大会常务委员会通过\n\n第一条为了规范管理，制定本条例。\n" \
           "第三十条规定的情形，依照其规定。\n第二条 本条例自公布之日起施行。\n"
    parsed = parse_law_text("x.txt", text)
    assert [a.number for a in parsed.articles] == [1, 2]
    assert parsed.articles[0].lines == ["为了规范管理，制定本条例。", "第三十条规定的情形，依照其规定。"]


@pytest.mark.parametrize("text,expected", [
    ("某法\n\n2020年1月1日 通过\n\n第一条 甲\n\n第三条 乙\n", ["test.txt, line 7: 第三条 follows 第一条: the articles between them are missing"]),
    ("某法\n\n2020年1月1日 通过\n\n第一条 甲\n\n第一条 乙\n", ["test.txt, line 7: 第一条 comes after 第一条: article numbers must rise"]),
    ("某法\n\n2020年1月1日 通过\n\n第二条 甲\n", ["test.txt, line 5: the first article is 第二条: a law text starts with 第一条"]),
    ("某法\n\n2020年1月1日 通过\n本法由某某负责\n\n第一条 甲\n", None),
    ("某法\n\n2020年1月1日 通过\n\n第一章 总则\n\n为了规范\n\n第一条 甲\n", ["test.txt, line 7: text under 第一章 总则 before its first article"]),
    ("某法\n\n2020年1月1日 通过\n\n目录\n\n第一章 总则\n\n第一条 甲\n", ["test.txt, line 5: the table of contents (目录) is not followed by the text"]),
    ("\n\n", ["test.txt, line 1: the text has no title"]),
    ("某法\n\n2020年1月1日 通过\n\n没有条文\n", ["test.txt, line 5: a line of the header is not a dated adoption"]),
    ("# 某法\n\n2020年1月1日 通过\n\n<!-- INFO END -->\n\n没有条文\n",
     ["test.txt, line 7: text before the first heading or article"]),
])
def test_a_text_that_cannot_be_read_names_the_line_and_why(text, expected):
    found = problems_of(text)
    if expected is None:
        assert any("line 4" in p and "header is not a dated adoption" in p for p in found), found
        return
    for want in expected:
        assert any(p.startswith(want) for p in found), found


def test_a_file_that_is_not_text_is_refused_by_name():
    with pytest.raises(InvalidInput) as caught:
        parse_law_file("scan.txt", b"\x89PNG\r\n\x1a\n\xff\xfe\xfd" * 10)
    assert "scan.txt" in str(caught.value) and "UTF-8 or GB18030" in str(caught.value)


def test_numerals_read_and_written_as_statutes_write_them():
    for n in range(1, 1301):
        assert parse_numeral(chinese_numeral(n)) == n
    assert chinese_numeral(1260) == "一千二百六十" and chinese_numeral(105) == "一百零五"
    assert chinese_numeral(110) == "一百一十" and chinese_numeral(10) == "十" and chinese_numeral(1010) == "一千零一十"
    assert parse_numeral("３６") == 36 and parse_numeral("二〇二四") == 2024
    assert parse_numeral("百十") is None and parse_numeral("三x") is None
    assert article_label(133, 1) == "第一百三十三条之一"


def test_the_parser_writes_the_codes_the_models_store():
    """Formats import no models (the house's layering), so the parser names kinds by plain codes;
    they must be the very codes of the model's enums."""
    from question_bank.formats import law_text
    from question_bank.models import LawKind

    assert set(law_text.HEADING_KINDS) == {k.value for k in HeadingKind}
    assert set(law_header.EVENT_KINDS) == {k.value for k in EventKind}
    told = {kind for _, _, kind in law_header._BODIES} | {law_header.CONSTITUTION, law_header.PARTY_REGULATION,
                                                           law_header.AUTONOMOUS_REGULATION}
    assert told <= {k.value for k in LawKind}
    found = {h.kind for name in COUNTS for h in read(name).headings} | {e.kind for name in COUNTS for e in read(name).history}
    assert found <= {k.value for k in HeadingKind} | {k.value for k in EventKind}


@pytest.mark.parametrize("text", [
    "第一条 为了规范行政处罚的设定和实施，制定本法。\n第二条 行政处罚是指……\n",
    "\n\n第1条 为了规范某某事项，制定本条例。\n第2条 本条例适用于……\n",
    "第一章 总则\n第一条 为了规范某某事项，制定本条例。\n",
])
def test_a_text_without_its_title_is_told_the_title_is_missing_at_its_first_line(text):
    """Tester's defect 7: a pasted text opening with 第一条 (or a heading) lacks its title; it is not
    read as a law called 第一条 whose first article is 第二条."""
    with pytest.raises(InvalidInput) as caught:
        parse_law_file("粘贴.txt", text.encode("utf-8"))
    first = caught.value.problems[0]
    assert "no title" in first.message and first.place.line == len(text) - len(text.lstrip("\n")) + 1
    assert not any("第二条" in str(p) and "first" in p.message for p in caught.value.problems)
