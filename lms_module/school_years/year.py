"""The school year (năm học) as one value: parsing, the year a day falls in, its key dates.

A school year such as 2026-2027 runs from 1 August 2026 to 31 July 2027. Two of its days
matter and differ on purpose: student certificates and QR login cards stay valid until its
:attr:`~SchoolYear.last_day` (31 July), while targets are reported until its
:attr:`~SchoolYear.reporting_end` (31 May), before the summer break.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lms_module.core.errors import LMSError

#: First calendar years of the school years the system accepts as input (2000-2001 to
#: 2099-2100): dates computed from them stay far from year 9999.
SCHOOL_YEAR_STARTS = range(2000, 2100)
#: A school year starts on the first day of this month.
FIRST_MONTH = 8


class SchoolYearError(LMSError):
    """A school year that is malformed or cannot be rolled over."""


@dataclass(frozen=True, order=True)
class SchoolYear:
    """A school year, named by its two calendar years ("2026-2027").

    :param start: the calendar year it starts in (2026 for 2026-2027).
    """

    start: int

    def __post_init__(self) -> None:
        if not dt.MINYEAR <= self.start < dt.MAXYEAR:
            raise ValueError(f"no school year starts in {self.start}")

    @classmethod
    def parse(cls, text: str) -> SchoolYear:
        """Return the school year written as "2026-2027".

        :raises SchoolYearError: (400) the text is not two consecutive four-digit years, or
            the year lies outside 2000-2001 .. 2099-2100; the message says how to write it.
        """
        shown = text if len(text) <= 20 else text[:20] + "…"
        parts = text.split("-")
        if len(parts) != 2 or not all(p.isascii() and p.isdigit() and len(p) == 4 for p in parts):
            raise SchoolYearError(f"Năm học “{shown}” không hợp lệ: hãy viết dạng 2026-2027.")
        start, end = int(parts[0]), int(parts[1])
        if end != start + 1:
            raise SchoolYearError(
                f"Năm học “{shown}” phải gồm hai năm liền nhau, ví dụ 2026-2027."
            )
        if start not in SCHOOL_YEAR_STARTS:
            first, last = SCHOOL_YEAR_STARTS[0], SCHOOL_YEAR_STARTS[-1]
            raise SchoolYearError(
                f"Năm học “{shown}” nằm ngoài khoảng hệ thống quản lý (từ {first}-{first + 1} "
                f"đến {last}-{last + 1})."
            )
        return cls(start)

    @classmethod
    def containing(cls, day: dt.date) -> SchoolYear:
        """Return the school year ``day`` falls in (a new one starts on 1 August)."""
        return cls(day.year if day.month >= FIRST_MONTH else day.year - 1)

    @classmethod
    def current(cls, today: dt.date, configured: object = None) -> SchoolYear:
        """Return the configured school year if there is one, else the one ``today`` is in.

        :param configured: the ``LMS_SCHOOL_YEAR`` setting (``None`` or "": not set).
        :raises SchoolYearError: the setting is not a school year written as 2026-2027.
        """
        if configured is None or configured == "":
            return cls.containing(today)
        return cls.parse(str(configured))

    @property
    def end(self) -> int:
        """The calendar year it ends in (2027 for 2026-2027)."""
        return self.start + 1

    @property
    def next(self) -> SchoolYear:
        """The school year after this one."""
        return SchoolYear(self.start + 1)

    @property
    def previous(self) -> SchoolYear:
        """The school year before this one."""
        return SchoolYear(self.start - 1)

    @property
    def first_day(self) -> dt.date:
        """1 August of the first calendar year: the day the year starts."""
        return dt.date(self.start, FIRST_MONTH, 1)

    @property
    def last_day(self) -> dt.date:
        """31 July of the second calendar year: the day the year ends, and with it student
        certificates valid for one school year and QR login cards."""
        return dt.date(self.end, FIRST_MONTH, 1) - dt.timedelta(days=1)

    @property
    def reporting_end(self) -> dt.date:
        """31 May of the second calendar year: targets are reported until this day (the
        default deadline of a target, and the day a closed year's report is frozen at the
        latest)."""
        return dt.date(self.end, 5, 31)

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.first_day <= day <= self.last_day

    def __str__(self) -> str:
        return f"{self.start}-{self.end}"
