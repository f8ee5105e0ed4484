"""The school year value: the year a day falls in, its key dates, parsing, the current year."""

from __future__ import annotations

import datetime as dt

import pytest

from lms_module.school_years.year import SchoolYear, SchoolYearError


@pytest.mark.parametrize(
    ("day", "year"),
    [
        (dt.date(2026, 7, 31), "2025-2026"),  # the last day of a year
        (dt.date(2026, 8, 1), "2026-2027"),  # the first day of the next
        (dt.date(2026, 9, 5), "2026-2027"),
        (dt.date(2026, 12, 31), "2026-2027"),
        (dt.date(2027, 1, 1), "2026-2027"),
        (dt.date(2027, 5, 31), "2026-2027"),  # targets reported until here, still that year
        (dt.date(2027, 7, 31), "2026-2027"),
        (dt.date(2027, 8, 1), "2027-2028"),
    ],
)
def test_a_day_belongs_to_the_school_year_that_started_on_the_last_first_of_august(day, year):
    assert str(SchoolYear.containing(day)) == year
    assert day in SchoolYear.parse(year)
    assert day not in SchoolYear.parse(year).next
    assert day not in SchoolYear.parse(year).previous


def test_a_year_starts_on_1_august_is_reported_until_31_may_and_ends_on_31_july():
    year = SchoolYear.parse("2026-2027")
    assert (year.start, year.end) == (2026, 2027)
    assert year.first_day == dt.date(2026, 8, 1)
    assert year.reporting_end == dt.date(2027, 5, 31)
    assert year.last_day == dt.date(2027, 7, 31)
    assert year.last_day + dt.timedelta(days=1) == year.next.first_day


@pytest.mark.parametrize(
    ("year", "following", "preceding"),
    [("2026-2027", "2027-2028", "2025-2026"), ("2000-2001", "2001-2002", "1999-2000"),
     ("2099-2100", "2100-2101", "2098-2099")],
)
def test_next_and_previous_years(year, following, preceding):
    assert str(SchoolYear.parse(year).next) == following
    assert str(SchoolYear.parse(year).previous) == preceding
    assert SchoolYear.parse(year).next.previous == SchoolYear.parse(year)
    assert SchoolYear.parse(year) < SchoolYear.parse(year).next


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2026", "không hợp lệ: hãy viết dạng 2026-2027"),
        ("2026/2027", "không hợp lệ: hãy viết dạng 2026-2027"),
        ("26-27", "không hợp lệ: hãy viết dạng 2026-2027"),
        (" 2026-2027", "không hợp lệ: hãy viết dạng 2026-2027"),
        ("2026-2027-2028", "không hợp lệ: hãy viết dạng 2026-2027"),
        ("２０２６-２０２７", "không hợp lệ: hãy viết dạng 2026-2027"),  # full-width digits
        ("", "không hợp lệ: hãy viết dạng 2026-2027"),
        ("2026-2028", "phải gồm hai năm liền nhau, ví dụ 2026-2027"),
        ("2027-2026", "phải gồm hai năm liền nhau, ví dụ 2026-2027"),
        ("1999-2000", "nằm ngoài khoảng hệ thống quản lý (từ 2000-2001 đến 2099-2100)"),
        ("2100-2101", "nằm ngoài khoảng hệ thống quản lý (từ 2000-2001 đến 2099-2100)"),
        ("9999-10000", "không hợp lệ: hãy viết dạng 2026-2027"),
    ],
)
def test_a_malformed_or_out_of_range_year_is_a_400_saying_how_to_write_it(text, message):
    with pytest.raises(SchoolYearError) as raised:
        SchoolYear.parse(text)
    assert message in raised.value.message
    assert raised.value.status_code == 400


def test_a_long_year_is_cut_in_the_message():
    with pytest.raises(SchoolYearError) as raised:
        SchoolYear.parse("2026-" + "7" * 500)
    assert "“2026-" + "7" * 15 + "…”" in raised.value.message


@pytest.mark.parametrize(("text"), ["2000-2001", "2026-2027", "2099-2100"])
def test_a_year_reads_back_as_written(text):
    assert str(SchoolYear.parse(text)) == text


@pytest.mark.parametrize(
    ("today", "configured", "year"),
    [
        (dt.date(2026, 12, 1), None, "2026-2027"),
        (dt.date(2026, 12, 1), "", "2026-2027"),
        (dt.date(2027, 8, 1), None, "2027-2028"),
        (dt.date(2027, 8, 1), "2026-2027", "2026-2027"),  # the setting wins over the calendar
    ],
)
def test_the_current_year_is_the_setting_or_the_one_today_falls_in(today, configured, year):
    assert str(SchoolYear.current(today, configured)) == year


def test_a_malformed_setting_is_refused_with_the_same_message():
    with pytest.raises(SchoolYearError, match="hãy viết dạng 2026-2027"):
        SchoolYear.current(dt.date(2026, 12, 1), "2026")
