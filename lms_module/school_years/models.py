"""Closed school years: the day each was closed at and who was there when it closed."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from lms_module.db import Base, IntPK, Timestamp


class SchoolYearClosing(Base):
    """A school year closed by ``lms rollover``: its reports are frozen at ``report_date``."""

    __tablename__ = "lms_school_year_closing"

    id: Mapped[IntPK]
    school_year: Mapped[str] = mapped_column(String(9), unique=True)
    next_year: Mapped[str] = mapped_column(String(9))
    report_date: Mapped[dt.date] = mapped_column(Date)
    promoted: Mapped[int] = mapped_column(Integer, default=0)
    left_school: Mapped[int] = mapped_column(Integer, default=0)
    closed_at: Mapped[Timestamp]


class YearEndMembership(Base):
    """A membership that was active when its school year closed (last year's population)."""

    __tablename__ = "lms_year_end_membership"

    membership_id: Mapped[int] = mapped_column(
        ForeignKey("lms_membership.id"), primary_key=True
    )
    school_year: Mapped[str] = mapped_column(String(9), index=True)
