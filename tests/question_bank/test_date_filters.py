"""The years a date filter may name (issue-6 outside tester: 0001 and 99999 crashed on one database
or meant nothing on the other): one range, ``clock.SEARCHABLE_YEARS``, checked in
``date_filters`` for days typed on a page, days and times given to the API, and calendar years."""

from __future__ import annotations

import datetime as dt

import pytest

from question_bank import date_filters
from question_bank.clock import SEARCHABLE_YEARS
from question_bank.errors import InvalidInput

UTC = dt.timezone.utc


def test_the_searchable_years_are_1900_to_9998():
    assert (SEARCHABLE_YEARS[0], SEARCHABLE_YEARS[-1]) == (1900, 9998)


@pytest.mark.parametrize("text, day", [("1900-01-01", dt.date(1900, 1, 1)), ("9998-12-31", dt.date(9998, 12, 31)),
                                       (" 2026-05-11 ", dt.date(2026, 5, 11)), ("", None), (None, None)])
def test_a_day_inside_the_years_is_read(text, day):
    assert date_filters.parse_day("since", text) == day


@pytest.mark.parametrize("text", ["0001-01-01", "1899-12-31", "9999-01-01", "9999-12-31", "99999-01-01",
                                  "123456-05-01", "0000-01-01"])
def test_a_day_outside_the_years_is_refused_naming_the_field_and_the_range(text):
    with pytest.raises(InvalidInput) as refused:
        date_filters.parse_day("first_day", text)
    [problem] = refused.value.problems
    assert problem.place == "first_day" and (problem.params["first"], problem.params["last"]) == (1900, 9998)
    assert "outside the years that can be searched" in str(problem) and text in str(problem)


@pytest.mark.parametrize("text", ["2026-13-01", "garbage", "2026-02-30"])
def test_a_day_that_is_no_day_is_refused_as_such(text):
    with pytest.raises(InvalidInput) as refused:
        date_filters.parse_day("until", text)
    assert [(p.place, "is not a date" in str(p)) for p in refused.value.problems] == [("until", True)]


def test_times_and_years_are_judged_by_the_year_as_written_each_field_named():
    beijing = dt.timezone(dt.timedelta(hours=8))
    assert date_filters.problems({
        "since": dt.datetime(1900, 1, 1, tzinfo=beijing),     # 1899 in UTC, but written 1900: searchable
        "until": dt.datetime(9998, 12, 31, 23, tzinfo=dt.timezone(dt.timedelta(hours=-8))), "other": None}) == []
    found = date_filters.problems({"opens_from": dt.datetime(1, 1, 1, tzinfo=UTC),
                                   "opens_before": dt.datetime(9999, 12, 31, tzinfo=UTC)})
    assert [p.place for p in found] == ["opens_from", "opens_before"]
    assert [date_filters.year_problem("year", y) is None for y in (1899, 1900, 9998, 9999, 1, 99999)] == \
        [False, True, True, False, False, False]


def test_an_exclusive_end_is_judged_by_the_last_moment_it_lets_through():
    midnight_after = dt.datetime(9999, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=8)))  # the end of 9998-12-31
    assert date_filters.problems({"until": midnight_after}, exclusive=("until",)) == []
    assert [p.place for p in date_filters.problems({"until": midnight_after})] == ["until"]
    just_after = midnight_after + dt.timedelta(microseconds=1)
    assert [p.place for p in date_filters.problems({"until": just_after}, exclusive=("until",))] == ["until"]
    assert [p.place for p in date_filters.problems({"until": dt.datetime(1900, 1, 1, tzinfo=UTC)},
                                                   exclusive=("until",))] == ["until"]
