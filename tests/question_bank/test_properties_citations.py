"""Property tests (hypothesis) of the legal-basis citation parser (``formats.citations``): any text
is read without a crash into citations and unparsed pieces that are true slices of it, in order
and not overlapping, with nothing but separators left out; a citation written in any of the ways
the bank writes them reads back as the law, article, paragraph and item it names.

Small, derandomised example counts: the same examples on every run."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from question_bank.formats.citations import law_key, parse_citations
from question_bank.formats.numerals import chinese_numeral, parse_numeral

PROPERTY = settings(max_examples=60, derandomize=True, deadline=None)

LAWS = ["行政处罚法", "行政许可法", "民法典", "刑法", "宪法", "公务员法", "监察法", "行政诉讼法", "国家赔偿法"]
#: What may lie between the pieces of a legal basis without being a piece itself.
SEPARATORS = re.compile(r"^(?:[\s、,，;；:：。.]|以及|或者|和|及|与|或|并)*$")


def numeral(number: int, chinese: bool) -> str:
    return chinese_numeral(number) if chinese else str(number)


@st.composite
def citations(draw) -> tuple[str, str, int, int | None, int | None]:
    """(text, law, article, paragraph, item) written as the bank's legal bases write them."""
    law = draw(st.sampled_from(LAWS))
    article = draw(st.integers(1, 1300))
    paragraph = draw(st.one_of(st.none(), st.integers(1, 9)))
    item = draw(st.one_of(st.none(), st.integers(1, 12))) if paragraph else None
    chinese = draw(st.booleans())
    title = draw(st.sampled_from([f"《中华人民共和国{law}》", f"《{law}》", law, f"中华人民共和国{law}"]))
    text = f"{title}第{numeral(article, chinese)}条"
    if paragraph:
        text += f"第{numeral(paragraph, chinese)}款"
    if item:
        text += f"第（{chinese_numeral(item)}）项" if chinese else f"第{item}项"
    return text, law, article, paragraph, item


@PROPERTY
@given(st.integers(0, 99_999))
def test_a_chinese_numeral_reads_back_as_its_number(number):
    assert parse_numeral(chinese_numeral(number)) == number


@PROPERTY
@given(citations())
def test_a_citation_written_any_usual_way_reads_back_as_what_it_names(case):
    text, law, article, paragraph, item = case
    parsed = parse_citations(text)
    assert parsed.unparsed == []
    (citation,) = parsed.citations
    assert (law_key(citation.law), citation.article, citation.paragraph, citation.item) == (
        law, (article, 0), paragraph, item)


@PROPERTY
@given(st.lists(citations(), min_size=1, max_size=4), st.sampled_from(["；", "、", "，", " ", "；\n"]))
def test_several_citations_in_one_basis_are_each_read_in_order(cases, separator):
    parsed = parse_citations(separator.join(text for text, *_ in cases))
    assert parsed.unparsed == []
    assert [(law_key(c.law), c.article[0]) for c in parsed.citations] == [(law, a) for _, law, a, *_ in cases]


def _pieces_cover(text: str, pieces) -> None:
    position = 0
    for piece in sorted(pieces, key=lambda p: p.start):
        assert 0 <= piece.start <= piece.end <= len(text)
        assert text[piece.start:piece.end] == piece.text
        assert piece.start >= position, "pieces overlap"
        assert SEPARATORS.match(text[position:piece.start]), f"dropped {text[position:piece.start]!r}"
        position = piece.end
    assert SEPARATORS.match(text[position:]), f"dropped {text[position:]!r}"


@PROPERTY
@given(st.text(max_size=80) | st.text(st.sampled_from(list("《》第条款项之一二三十百千0123456789法典、，；（）() 年修正")),
                                      max_size=60))
def test_any_text_is_read_into_true_slices_of_it_and_nothing_but_separators_is_dropped(text):
    parsed = parse_citations(text)
    _pieces_cover(text, [*parsed.citations, *parsed.unparsed])
