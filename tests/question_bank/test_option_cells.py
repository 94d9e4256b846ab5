"""The option-label rule every input path shares (``option_cells.row_labels``) and the exports'
counterpart (``written_options``): decided for a question as a whole, never half (issue 5)."""

from __future__ import annotations

import pytest

from question_bank.formats.option_cells import row_labels, written_options

#: Options as stored, of every kind an export must bring back exactly: plain, abbreviations, one or
#: all beginning with a label (their own, another option's), a label and nothing else, doubled labels.
STORED = [
    ["警告", "罚款", "记过"],
    ["A类企业", "A、B都正确", "C.B两项", "以上都是"],
    ["A.甲", "乙", "丙", "丁"],
    ["甲", "乙", "C、A和B", "D.以上都不对"],
    ["A.甲", "B.乙", "C.丙", "D.丁"],
    ["B.警告", "C.罚款", "A.记过"],
    ["（A）", "B.", "丙"],
    ["A. A.双重", "（B）B、双重", "丙"],
    ["A. B两项", "B. 乙", "C. 丙"],
]


@pytest.mark.parametrize("options", STORED)
def test_what_an_export_writes_reads_back_as_stored(options):
    assert row_labels(written_options(options))[:2] == (options, [])


@pytest.mark.parametrize("options", [["警告", "罚款"], ["A类企业", "A、B都正确", "C.B两项"]])
def test_options_the_import_keeps_are_written_as_they_are(options):
    assert written_options(options) == options


@pytest.mark.parametrize("typed, read", [
    (["A.甲", "B.乙", "C.A和B", "D.A、B均不对"], ["甲", "乙", "A和B", "A、B均不对"]),
    (["A. B两项", "B. 乙", "C. 丙", "D. 丁"], ["B两项", "乙", "丙", "丁"]),
    (["（A）甲", "b、乙", "Ｃ．丙"], ["甲", "乙", "丙"]),
])
def test_labels_on_every_option_in_order_come_off_all_together(typed, read):
    assert row_labels(typed) == (read, [], True)


@pytest.mark.parametrize("typed, refused", [
    (["A.甲", "乙", "丙"], ["option_B", "option_C"]),
    (["A.甲", "B.乙", "丙"], ["option_C"]),
    (["A.甲", "C.乙", "B.丙"], ["option_B", "option_C"]),
])
def test_labels_on_some_options_or_out_of_order_refuse_naming_each_option_and_change_nothing(typed, refused):
    options, problems, removed = row_labels(typed)
    assert options == typed and not removed
    assert [name for name, _ in problems] == refused
