"""Requirements, coverage targets and the per-unit rollup."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms_module.certification.models import Assignment
from lms_module.db import Base, IntPK, PathString, Timestamp
from lms_module.learning.models import Audience, Course
from lms_module.orgs.models import OrgUnit, SchoolLevel, _enum

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
    """"95% of students of the unit's subtree hold the requirement by 31/05/2027"."""

    __tablename__ = "lms_coverage_target"
    __table_args__ = (
        UniqueConstraint("org_unit_id", "audience", "requirement_id", "school_year"),
        CheckConstraint("percent > 0 AND percent <= 100", name="percent_range"),
    )

    id: Mapped[IntPK]
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("lms_org_unit.id"), index=True)
    audience: Mapped[Audience] = mapped_column(_enum(Audience, "audience"))
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


class CoverageRollup(Base):
    """Population and covered people of one unit where people are members (a class for
    students, a school for adults), for one requirement and school year.

    A subtree's figures are the sum of its rows (one index range on ``path``); reports at or
    above a school sum :class:`CoverageSchoolRollup` instead, a school's grade and class tables
    these rows. Rows are
    recomputed when a certificate or membership of the unit changes (the dirty queue), when a
    counted certificate expires (``valid_until``), and in full by ``lms coverage-refresh``.
    """

    __tablename__ = "lms_coverage_rollup"
    __table_args__ = (
        UniqueConstraint("requirement_id", "school_year", "unit_id", "audience"),
        Index("ix_lms_coverage_rollup_scope", "requirement_id", "school_year", "path"),
        Index("ix_lms_coverage_rollup_valid_until", "valid_until"),
    )

    id: Mapped[IntPK]
    requirement_id: Mapped[int] = mapped_column(ForeignKey("lms_requirement.id"))
    school_year: Mapped[str] = mapped_column(String(9))
    unit_id: Mapped[int] = mapped_column(ForeignKey("lms_org_unit.id"), index=True)
    #: Copy of the unit's path: a subtree is a range scan of this table alone.
    path: Mapped[str] = mapped_column(PathString)
    school_level: Mapped[SchoolLevel | None] = mapped_column(_enum(SchoolLevel, "school_level"))
    grade: Mapped[int | None] = mapped_column(SmallInteger)
    audience: Mapped[Audience] = mapped_column(_enum(Audience, "audience"))
    population: Mapped[int] = mapped_column(Integer)
    covered: Mapped[int] = mapped_column(Integer)
    #: Covered people at ``as_of`` minus 28 days: the recent rate behind a target's status.
    covered_before: Mapped[int] = mapped_column(Integer)
    as_of: Mapped[dt.date] = mapped_column(Date)
    #: Last day on which every counted certificate is still valid (later: recompute the row).
    valid_until: Mapped[dt.date | None] = mapped_column(Date)


class CoverageSchoolRollup(Base):
    """The rollup summed per school: one row per (requirement, school year, school, audience),
    the total of the school's own rows and its classes' rows.

    Every report at or above a school reads these rows (about a tenth of the class rows at the
    national size); only a school's grade and class tables read :class:`CoverageRollup`. Units
    outside any school (an office where adults are members) have a row of their own. Rewritten
    with the class rows they sum (``coverage.rollup``); a school is reported under its own level.
    """

    __tablename__ = "lms_coverage_school_rollup"
    __table_args__ = (
        UniqueConstraint("requirement_id", "school_year", "unit_id", "audience"),
        Index("ix_lms_coverage_school_rollup_scope", "requirement_id", "school_year", "path"),
    )

    id: Mapped[IntPK]
    requirement_id: Mapped[int] = mapped_column(ForeignKey("lms_requirement.id"))
    school_year: Mapped[str] = mapped_column(String(9))
    unit_id: Mapped[int] = mapped_column(ForeignKey("lms_org_unit.id"), index=True)
    path: Mapped[str] = mapped_column(PathString)
    school_level: Mapped[SchoolLevel | None] = mapped_column(_enum(SchoolLevel, "school_level"))
    audience: Mapped[Audience] = mapped_column(_enum(Audience, "audience"))
    population: Mapped[int] = mapped_column(Integer)
    covered: Mapped[int] = mapped_column(Integer)
    covered_before: Mapped[int] = mapped_column(Integer)


class CoverageDirtyUnit(Base):
    """A unit whose rollup rows must be recomputed before the next report reads them."""

    __tablename__ = "lms_coverage_dirty_unit"

    unit_id: Mapped[int] = mapped_column(ForeignKey("lms_org_unit.id"), primary_key=True)


class RollupBuild(Base):
    """A requirement, school year and audience whose rollup rows have been built."""

    __tablename__ = "lms_coverage_rollup_build"
    __table_args__ = (UniqueConstraint("requirement_id", "school_year", "audience"),)

    id: Mapped[IntPK]
    requirement_id: Mapped[int] = mapped_column(ForeignKey("lms_requirement.id"))
    school_year: Mapped[str] = mapped_column(String(9))
    audience: Mapped[Audience] = mapped_column(_enum(Audience, "audience"))
    as_of: Mapped[dt.date] = mapped_column(Date)
    built_at: Mapped[Timestamp]


# A requirement (any of several courses) may stand in for the single course of an assignment.
# The column belongs to the certification module's table; this module's migration adds it.
setattr(  # noqa: B010 (declarative appends the column to the mapped class and its table)
    Assignment,
    "requirement_id",
    mapped_column("requirement_id", ForeignKey("lms_requirement.id"), nullable=True),
)
