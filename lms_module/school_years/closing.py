"""Whether a school year is closed, and the day its reports are made for."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms_module.school_years.models import SchoolYearClosing


def reporting_date(session: Session, year: str, today: dt.date) -> dt.date:
    """Return the day a report of ``year`` is made for: today, or the day the year closed."""
    closing = session.scalar(
        select(SchoolYearClosing.report_date).where(SchoolYearClosing.school_year == year)
    )
    return closing if closing is not None else today


def is_closed(session: Session, year: str) -> bool:
    """Tell whether ``lms rollover`` has closed ``year``."""
    return (
        session.scalar(select(SchoolYearClosing.id).where(SchoolYearClosing.school_year == year))
        is not None
    )
