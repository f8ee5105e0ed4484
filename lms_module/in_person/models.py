"""A session held in person and who attended it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Date,
    ForeignKey,
    LargeBinary,
    SmallInteger,
    String,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms_module.db import Base, IntPK, Timestamp, string_enum
from lms_module.learning.models import Audience, Course
from lms_module.orgs.models import OrgUnit


class InPersonSession(Base):
    """A session held in a room (a parents' meeting, a staff training day) that stands for a
    course: attending it completes that course for each attendee."""

    __tablename__ = "lms_in_person_session"

    id: Mapped[IntPK]
    #: Where it was organised: a school or one of its classes (a class's parents' meeting).
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("lms_org_unit.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("lms_course.id"))
    audience: Mapped[Audience] = mapped_column(string_enum(Audience, "audience"))
    held_on: Mapped[dt.date] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(200))
    facilitator: Mapped[str] = mapped_column(String(200))
    #: In-service training periods (tiết BDTX) each attendee earns; ``None``: the course's.
    credit_periods: Mapped[int | None] = mapped_column(SmallInteger)
    #: Issue each attendee the course's certificate (as completing it online does).
    issue_certificates: Mapped[bool] = mapped_column(default=True, server_default=true())
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("lms_user.id"))
    created_at: Mapped[Timestamp]
    #: The signed attendance sheet (a photo or scan), kept as uploaded.
    sheet_filename: Mapped[str | None] = mapped_column(String(200))
    sheet_content_type: Mapped[str | None] = mapped_column(String(100))
    sheet_data: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)

    org_unit: Mapped[OrgUnit] = relationship()
    course: Mapped[Course] = relationship()


class InPersonAttendance(Base):
    """An adult who attended a session; ``completion_id`` is the completion it made."""

    __tablename__ = "lms_in_person_attendance"
    __table_args__ = (UniqueConstraint("session_id", "user_id"),)

    id: Mapped[IntPK]
    session_id: Mapped[int] = mapped_column(ForeignKey("lms_in_person_session.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("lms_user.id"), index=True)
    completion_id: Mapped[int | None] = mapped_column(ForeignKey("lms_completion.id"))
    recorded_at: Mapped[Timestamp]
