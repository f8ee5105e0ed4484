"""What is asked of whom: requirements, coverage targets and course assignments.

A :class:`Requirement` is met by a certificate of any of its courses. A :class:`CoverageTarget`
asks an audience of a unit's subtree to meet a requirement by a deadline of a school year, and
so obliges every member of that audience; an :class:`Assignment` obliges the members of one
role (and grade band) of a unit's subtree to take a course, or to meet a requirement.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Table,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms_module.db import Base, IntPK, Timestamp, string_enum
from lms_module.learning.models import Audience, Course
from lms_module.orgs.models import OrgUnit
from lms_module.people.models import Role

#: Which courses satisfy a requirement (any one of them is enough).
requirement_course = Table(
    "lms_requirement_course",
    Base.metadata,
    Column("requirement_id", ForeignKey("lms_requirement.id"), primary_key=True),
    Column("course_id", ForeignKey("lms_course.id"), primary_key=True),
)


class Requirement(Base):
    """A training requirement: holding a valid certificate of any of its courses satisfies it.

    Example: "life skills and self-protection" is satisfied by the course of any grade band.
    """

    __tablename__ = "lms_requirement"

    id: Mapped[IntPK]
    code: Mapped[str] = mapped_column(String(60), unique=True)
    title_vi: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[Timestamp]

    courses: Mapped[list[Course]] = relationship(secondary=requirement_course)

    def __repr__(self) -> str:
        return f"<Requirement {self.id} {self.code!r}>"

    def title(self, language: str) -> str:
        """Return the title in ``language`` ("en" or Vietnamese), falling back to Vietnamese."""
        return self.title_en if language == "en" and self.title_en else self.title_vi


class CoverageTarget(Base):
    """"95% of students of the unit's subtree hold the requirement by 31/05/2027".

    The target obliges every member of its audience in the unit's subtree (the population,
    :func:`~lms_module.obligations.population.population_conditions`) to meet the requirement
    by the deadline; the percentage is what the coverage report measures against.
    """

    __tablename__ = "lms_coverage_target"
    __table_args__ = (
        UniqueConstraint("org_unit_id", "audience", "requirement_id", "school_year"),
        CheckConstraint("percent > 0 AND percent <= 100", name="percent_range"),
    )

    id: Mapped[IntPK]
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("lms_org_unit.id"), index=True)
    audience: Mapped[Audience] = mapped_column(string_enum(Audience, "audience"))
    requirement_id: Mapped[int] = mapped_column(ForeignKey("lms_requirement.id"))
    percent: Mapped[float] = mapped_column(Float)
    school_year: Mapped[str] = mapped_column(String(9), index=True)
    deadline: Mapped[dt.date] = mapped_column(Date)
    #: The plan the target comes from, e.g. "Kế hoạch 675/KH-UBND".
    source: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("lms_user.id"))
    created_at: Mapped[Timestamp]

    org_unit: Mapped[OrgUnit] = relationship()
    requirement: Mapped[Requirement] = relationship()

    def __repr__(self) -> str:
        return f"<CoverageTarget {self.id} {self.audience} {self.percent}% {self.school_year}>"


class DueKind(enum.StrEnum):
    """How an assignment's due date is set."""

    #: A date (``due_on``), the same for everyone.
    FIXED = "fixed"
    #: ``due_days`` days after the person joined the unit (new teachers and staff).
    AFTER_JOINING = "after_joining"
    #: ``due_days`` days after the school year starts (1 August... see ``SchoolYear``).
    AFTER_YEAR_START = "after_year_start"


class Assignment(Base):
    """A course assigned to the people of a scope: an org unit's subtree, one role, a grade band.

    With ``requirement_id``, a certificate of any course of the requirement will do (the
    course is then the one suggested); without, only the course counts.
    """

    __tablename__ = "lms_assignment"
    __table_args__ = (
        CheckConstraint(
            "grade_min IS NULL OR grade_max IS NULL OR grade_min <= grade_max",
            name="grade_band",
        ),
        Index("ix_lms_assignment_unit_role", "org_unit_id", "role", "active"),
    )

    id: Mapped[IntPK]
    course_id: Mapped[int] = mapped_column(ForeignKey("lms_course.id"), index=True)
    #: Everyone with ``role`` in this unit's subtree (a school, a commune, a province...).
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("lms_org_unit.id"))
    role: Mapped[Role] = mapped_column(string_enum(Role, "role"))
    #: For students: only classes whose grade is in the band (both ``None``: every grade).
    grade_min: Mapped[int | None] = mapped_column(SmallInteger)
    grade_max: Mapped[int | None] = mapped_column(SmallInteger)
    due_on: Mapped[dt.date | None] = mapped_column(Date)
    #: Fixed (``due_on``) or relative to an event (``due_days`` after it).
    due_kind: Mapped[DueKind] = mapped_column(
        string_enum(DueKind, "due_kind"), default=DueKind.FIXED, server_default="fixed"
    )
    due_days: Mapped[int | None] = mapped_column(SmallInteger)
    active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("lms_user.id"))
    created_at: Mapped[Timestamp]
    #: A requirement any of whose courses will do instead of the course alone.
    requirement_id: Mapped[int | None] = mapped_column(ForeignKey("lms_requirement.id"))

    course: Mapped[Course] = relationship()
    org_unit: Mapped[OrgUnit] = relationship()
    requirement: Mapped[Requirement | None] = relationship()

    def __repr__(self) -> str:
        return f"<Assignment {self.id} course={self.course_id} unit={self.org_unit_id}>"

    def covers_grade(self, grade: int | None) -> bool:
        """Tell whether a class of ``grade`` falls in the band (``None``: adults, always)."""
        if grade is None:
            return True
        return (self.grade_min or 1) <= grade <= (self.grade_max or 12)
