"""Reading legal-basis text into citations, without a database: a table of real spellings from the
demo bank, the bank files' question texts (JEC-QA, CMMLU), LawBench and the study lists, plus the
edge kinds (full-width digits, 之一, 款/项, lists, ranges, versions, several laws); every piece that
is not a citation is kept as unparsed, never dropped."""

from __future__ import annotations

import pytest

from question_bank.formats.citations import find_mentions, law_key, parse_citations

# (text as written, [(law key, named year, article, last of range, 款, 项), …], unparsed pieces)
TABLE = [
    # the examples
    ("《中华人民共和国行政处罚法》第三十六条", [("行政处罚法", None, (36, 0), None, None, None)], []),
    ("行政处罚法第36条第二款", [("行政处罚法", None, (36, 0), None, 2, None)], []),
    ("民法典 第1165条", [("民法典", None, (1165, 0), None, None, None)], []),
    ("《刑法》第一百三十三条之一", [("刑法", None, (133, 1), None, None, None)], []),
    ("宪法第5条、第33条", [("宪法", None, (5, 0), None, None, None), ("宪法", None, (33, 0), None, None, None)], []),
    # the demo bank (examsvc/demo/demo_bank.csv)
    ("《中华人民共和国宪法》第一条", [("宪法", None, (1, 0), None, None, None)], []),
    ("《中华人民共和国宪法》第六十二条、第一百二十四条、第一百二十五条、第一百二十六条",
     [("宪法", None, (n, 0), None, None, None) for n in (62, 124, 125, 126)], []),
    ("《中华人民共和国行政许可法》第十四条、第十五条、第十七条",
     [("行政许可法", None, (n, 0), None, None, None) for n in (14, 15, 17)], []),
    ("《中华人民共和国民法典》第一千一百九十一条", [("民法典", None, (1191, 0), None, None, None)], []),
    ("《中华人民共和国民法典》第一百一十条、第九百九十二条、第九百九十五条、第一千零三十二条、第一千零三十四条",
     [("民法典", None, (n, 0), None, None, None) for n in (110, 992, 995, 1032, 1034)], []),
    ("《中华人民共和国民法典》第二百零九条、第二百一十四条",
     [("民法典", None, (209, 0), None, None, None), ("民法典", None, (214, 0), None, None, None)], []),
    ("《中华人民共和国行政处罚法》第六十七条、第六十八条、第七十条",
     [("行政处罚法", None, (n, 0), None, None, None) for n in (67, 68, 70)], []),
    # question texts of the bank files (jecqa-kd.xlsx, cmmlu-law-gbk.csv)
    ("《刑法》第29条第1款", [("刑法", None, (29, 0), None, 1, None)], []),
    ("《民事诉讼法》第一百二十五条第一款", [("民事诉讼法", None, (125, 0), None, 1, None)], []),
    ("《中华人民共和国刑法》第290条", [("刑法", None, (290, 0), None, None, None)], []),
    ("《刑事诉讼法》第118条", [("刑事诉讼法", None, (118, 0), None, None, None)], []),
    ("《国际法院规约》第36条", [("国际法院规约", None, (36, 0), None, None, None)], []),
    ("《中华人民共和国民法通则》第156条", [("民法通则", None, (156, 0), None, None, None)], []),
    ("我国《刑法》第6条", [("刑法", None, (6, 0), None, None, None)], []),
    ("《刑法》第一百九十六条", [("刑法", None, (196, 0), None, None, None)], []),
    ("我国《物权法》第10条第2款", [("物权法", None, (10, 0), None, 2, None)], []),
    ("我国民事诉讼法第125条", [("民事诉讼法", None, (125, 0), None, None, None)], []),
    ("《中华人民共和国继承法》第16条第2款", [("继承法", None, (16, 0), None, 2, None)], []),
    ("我国《合同法》第126条第2款", [("合同法", None, (126, 0), None, 2, None)], []),
    ("1979年的《刑法》第158条", [("刑法", 1979, (158, 0), None, None, None)], []),
    ("《全国人民代表大会和地方各级人民代表大会选举法》第53条",
     [("全国人民代表大会和地方各级人民代表大会选举法", None, (53, 0), None, None, None)], []),
    ("《最高人民法院关于贯彻执行〈中华人民共和国民法通则〉若干问题的意见（试行）》第184条",
     [("最高人民法院关于贯彻执行〈中华人民共和国民法通则〉若干问题的意见(试行)", None, (184, 0), None, None, None)], []),
    ("《中华人民共和国刑法》第93条第2款", [("刑法", None, (93, 0), None, 2, None)], []),
    ("我国《宪法》第26条第1款", [("宪法", None, (26, 0), None, 1, None)], []),
    ("《行政复议法》第9条第1款", [("行政复议法", None, (9, 0), None, 1, None)], []),
    # LawBench 1-1 (the law branch before the title) and the study lists
    ("诉讼与非诉讼程序法行政诉讼法第十二条", [("行政诉讼法", None, (12, 0), None, None, None)], []),
    ("民法商法农民专业合作社法第三十三条", [("农民专业合作社法", None, (33, 0), None, None, None)], []),
    ("《中华人民共和国行政复议法》第十一条、第十二条、第二十条至第二十三条",
     [("行政复议法", None, (11, 0), None, None, None), ("行政复议法", None, (12, 0), None, None, None),
      ("行政复议法", None, (20, 0), (23, 0), None, None)], []),
    ("《中华人民共和国行政许可法》第三十一条至第五十七条", [("行政许可法", None, (31, 0), (57, 0), None, None)], []),
    # edge kinds
    ("《刑法》第１３３条之一", [("刑法", None, (133, 1), None, None, None)], []),
    ("第３６条", [("", None, (36, 0), None, None, None)], []),
    ("《 刑法 》 第 20 条", [("刑法", None, (20, 0), None, None, None)], []),
    ("民法典1165条", [("民法典", None, (1165, 0), None, None, None)], []),
    ("《中华人民共和国行政处罚法》第二十七条第一款第（二）项", [("行政处罚法", None, (27, 0), None, 1, 2)], []),
    ("《刑法》第29条第1款、第2款", [("刑法", None, (29, 0), None, 1, None), ("刑法", None, (29, 0), None, 2, None)], []),
    ("《民法典》第1165条；《刑法》第20条", [("民法典", None, (1165, 0), None, None, None), ("刑法", None, (20, 0), None, None, None)], []),
    ("《宪法》第5条和《刑法》第20条", [("宪法", None, (5, 0), None, None, None), ("刑法", None, (20, 0), None, None, None)], []),
    ("《行政复议法》（2017年修正）第九条", [("行政复议法", 2017, (9, 0), None, None, None)], []),
    ("2017年修正的行政复议法第九条", [("行政复议法", 2017, (9, 0), None, None, None)], []),
    ("《中华人民共和国宪法（2018年修正）》第三条", [("宪法", 2018, (3, 0), None, None, None)], []),
    ("《中华人民共和国监察法》", [("监察法", None, None, None, None, None)], []),
    ("<中华人民共和国国家赔偿法>第三条", [("国家赔偿法", None, (3, 0), None, None, None)], []),
    ("《行政许可法》第11至13条", [("行政许可法", None, (11, 0), (13, 0), None, None)], []),
    ("刑法第五、三十三条", [("刑法", None, (5, 0), None, None, None), ("刑法", None, (33, 0), None, None, None)], []),
    ("根据《宪法》第5条的规定", [("宪法", None, (5, 0), None, None, None)], []),
    ("依据行政处罚法第三十六条之规定", [("行政处罚法", None, (36, 0), None, None, None)], []),
    ("宪法第十一条至第十三条", [("宪法", None, (11, 0), (13, 0), None, None)], []),
    ("参见有关司法解释", [], ["参见有关司法解释"]),
    ("本法第三条", [], ["本法第三条"]),
    ("《宪法》第5条；另见相关判例", [("宪法", None, (5, 0), None, None, None)], ["另见相关判例"]),
]


def _shape(citation):
    return (law_key(citation.law), citation.year, citation.article, citation.through, citation.paragraph, citation.item)


def test_the_table_has_at_least_40_real_spellings():
    assert len(TABLE) >= 40


@pytest.mark.parametrize("text,expected,unparsed", TABLE, ids=[row[0] for row in TABLE])
def test_citation_table(text, expected, unparsed):
    parsed = parse_citations(text)
    assert [_shape(c) for c in parsed.citations] == expected
    assert [u.text for u in parsed.unparsed] == unparsed
    for citation in parsed.citations:
        assert text[citation.start:citation.end] == citation.text


def test_the_places_of_a_list_link_each_article_by_its_own_words():
    parsed = parse_citations("宪法第5条、第33条")
    assert [c.text for c in parsed.citations] == ["宪法第5条", "第33条"]


def test_nothing_written_is_lost_between_citations_and_unparsed_pieces():
    text = "《宪法》第5条；本法第三条；民法典1165条"
    parsed = parse_citations(text)
    covered = "".join(text[c.start:c.end] for c in parsed.citations) + "".join(u.text for u in parsed.unparsed)
    assert "宪法" in covered and "本法第三条" in covered and "1165" in covered


def test_law_keys_match_full_short_and_bracketed_titles():
    assert law_key("《中华人民共和国刑法》") == law_key("刑法") == law_key(" 中华人民共和国 刑法 ") == "刑法"
    assert law_key("《中华人民共和国宪法（2018年修正）》") == "宪法"
    assert law_key("宪法相关法监察法") == "监察法"


def test_mentions_in_question_text_need_a_title_in_brackets_or_a_known_name_and_an_article():
    stem = ("我国《刑法》第17条规定：“已满十六周岁的人犯罪，应当负刑事责任。” 宪法第一条规定社会主义制度。"
            "《法国民法典》是第一部民法典。依照本法第三条的规定。第五条不算。")
    found = find_mentions(stem, ["宪法", "刑法"])
    assert [(law_key(c.law), c.article) for c in found] == [("刑法", (17, 0)), ("宪法", (1, 0))]
    assert [stem[c.start:c.end] for c in found] == ["《刑法》第17条", "宪法第一条"]


def test_a_version_named_before_a_title_in_a_text_is_kept():
    found = find_mentions("1979年的《刑法》第158条规定：禁止任何人利用", [])
    assert [(c.year, c.article) for c in found] == [(1979, (158, 0))]
