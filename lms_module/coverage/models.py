"""The per-unit coverage rollup, its per-school and per-province sums, the overlap rows that
count a person once, and the queue of units to recompute."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from lms_module.db import Base, IntPK, PathString, Timestamp, string_enum
from lms_module.learning.models import Audience
from lms_module.orgs.models import SchoolLevel


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
    school_level: Mapped[SchoolLevel | None] = mapped_column(
        string_enum(SchoolLevel, "school_level")
    )
    grade: Mapped[int | None] = mapped_column(SmallInteger)
    audience: Mapped[Audience] = mapped_column(string_enum(Audience, "audience"))
    population: Mapped[int] = mapped_column(Integer)
    covered: Mapped[int] = mapped_column(Integer)
    #: Covered people at ``as_of`` minus 28 days: the recent rate behind a target's status.
    covered_before: Mapped[int] = mapped_column(Integer)
    as_of: Mapped[dt.date] = mapped_column(Date)
    #: Last day on which every counted certificate is still valid (later: recompute the row).
    valid_until: Mapped[dt.date | None] = mapped_column(Date)


class UnitSums:
    """The columns of a sum of rollup rows at one unit, per school level: the per-school sums
    and the province tier (:class:`CoverageSchoolRollup`, :class:`CoverageProvinceRollup`)."""

    id: Mapped[IntPK]
    requirement_id: Mapped[int] = mapped_column(ForeignKey("lms_requirement.id"))
    school_year: Mapped[str] = mapped_column(String(9))
    unit_id: Mapped[int] = mapped_column(ForeignKey("lms_org_unit.id"), index=True)
    path: Mapped[str] = mapped_column(PathString)
    school_level: Mapped[SchoolLevel | None] = mapped_column(
        string_enum(SchoolLevel, "school_level")
    )
    #: ``school_level`` or "" (the unique key: one row per unit and level, so two writers of
    #: one unit cannot both insert).
    level_key: Mapped[str] = mapped_column(String(30))
    audience: Mapped[Audience] = mapped_column(string_enum(Audience, "audience"))
    population: Mapped[int] = mapped_column(Integer)
    covered: Mapped[int] = mapped_column(Integer)
    covered_before: Mapped[int] = mapped_column(Integer)


class CoverageSchoolRollup(UnitSums, Base):
    """The rollup summed per school: one row per (requirement, school year, school, audience),
    the total of the school's own rows and its classes' rows.

    Every report at or above a school reads these rows (about a tenth of the class rows at the
    national size); only a school's grade and class tables read :class:`CoverageRollup`. Units
    outside any school (an office where adults are members) have a row of their own. Rewritten
    with the class rows they sum (``coverage.rollup``); a school is reported under its own level.
    An office where overlap rows meet (a commune above two schools of a person) has one row per
    school level of those rows, so that a report filtered by level subtracts the same pairs.
    """

    __tablename__ = "lms_coverage_school_rollup"
    __table_args__ = (
        UniqueConstraint("requirement_id", "school_year", "unit_id", "audience", "level_key"),
        Index("ix_lms_coverage_school_rollup_scope", "requirement_id", "school_year", "path"),
    )


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
    audience: Mapped[Audience] = mapped_column(string_enum(Audience, "audience"))
    as_of: Mapped[dt.date] = mapped_column(Date)
    built_at: Mapped[Timestamp]



class CoverageOverlap(Base):
    """A person or family counted in two units that a report above both must count once.

    Adults (teachers, staff, managers) are counted in each school where they are members, and
    families in each class where they have a child. List the units of one person (or family)
    in path order: each pair of neighbours in that list is one row here, at the pair's lowest
    common ancestor, subtracting them once. Since a subtree is one range of paths, the units
    of a person inside it are neighbours in the list, and the sum of the unit rows and of the
    rows here over any subtree counts each person exactly once (``coverage.overlaps``). The
    per-school sums include these rows.
    """

    __tablename__ = "lms_coverage_overlap"
    __table_args__ = (
        Index("ix_lms_coverage_overlap_person", "requirement_id", "school_year", "audience",
              "person_key"),
        Index("ix_lms_coverage_overlap_scope", "requirement_id", "school_year", "path"),
    )

    id: Mapped[IntPK]
    requirement_id: Mapped[int] = mapped_column(ForeignKey("lms_requirement.id"))
    school_year: Mapped[str] = mapped_column(String(9))
    audience: Mapped[Audience] = mapped_column(string_enum(Audience, "audience"))
    #: The adult's user id; for families the family's id, or minus the child's user id for a
    #: child no adult is linked to.
    person_key: Mapped[int] = mapped_column(Integer)
    #: The lowest common ancestor of the two units (a school, a commune, a province...).
    unit_id: Mapped[int] = mapped_column(ForeignKey("lms_org_unit.id"))
    path: Mapped[str] = mapped_column(PathString)
    school_level: Mapped[SchoolLevel | None] = mapped_column(
        string_enum(SchoolLevel, "school_level")
    )
    left_unit_id: Mapped[int] = mapped_column(ForeignKey("lms_org_unit.id"), index=True)
    right_unit_id: Mapped[int] = mapped_column(ForeignKey("lms_org_unit.id"), index=True)
    #: 1 when the person is covered (then they are subtracted from the covered count too).
    covered: Mapped[int] = mapped_column(SmallInteger)
    covered_before: Mapped[int] = mapped_column(SmallInteger)
    valid_until: Mapped[dt.date | None] = mapped_column(Date)


class CoverageProvinceRollup(UnitSums, Base):
    """The per-school sums summed once more per province: one row per (requirement, school
    year, province, audience, school level).

    A province here is a child of a root unit (the provinces under the ministry; a root's own
    rows, such as a person counted in two provinces, stay at the root, see
    :func:`tier_unit_path`). The sum of these rows over a root or a province equals the sum of
    the per-school rows, so the reports of those units read about one row per province and
    level instead of every school. Rewritten with the per-school sums of the province.
    """

    __tablename__ = "lms_coverage_province_rollup"
    __table_args__ = (
        UniqueConstraint("requirement_id", "school_year", "unit_id", "audience", "level_key"),
        Index("ix_lms_coverage_province_rollup_scope", "requirement_id", "school_year", "path"),
    )


#: Depth of the units the province tier sums to (a root is 1, its children 2).
TIER_DEPTH = 2


def tier_unit_path(path: str) -> str:
    """Return the path of the province-tier unit holding ``path``: its ancestor at depth 2, or
    the unit itself when it is a root ("/1/5/9/" -> "/1/5/", "/1/" -> "/1/")."""
    parts = path.strip("/").split("/")[:TIER_DEPTH]
    return "/" + "".join(f"{part}/" for part in parts)
