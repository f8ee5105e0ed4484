"""Reading coverage figures: a unit's subtree, its children, a school's grades and classes.

The coverage of a unit is covered / population over its whole subtree (both defined in
:mod:`~lms_module.obligations.population`), summed from the rollup. :func:`target_reports`
brings the rollup up to date itself; the other readers expect the caller to have done so
(:func:`~lms_module.coverage.rollup.ensure_rollups`). The direct versions compute the same
figures straight from memberships and certificates, as the reference the rollup is tested and
benchmarked against; :func:`uncovered_people` names the people not yet covered (from the
obligations query).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, case, distinct, func, select
from sqlalchemy.orm import Session, aliased

from lms_module.coverage.families import direct_family_counts, uncovered_families
from lms_module.coverage.models import (
    TIER_DEPTH,
    CoverageProvinceRollup,
    CoverageRollup,
    CoverageSchoolRollup,
)
from lms_module.coverage.rollup import counted_members, ensure_rollups
from lms_module.coverage.status import Status, target_status
from lms_module.db import child_segment, subtree_condition
from lms_module.learning.models import Audience
from lms_module.obligations.models import CoverageTarget
from lms_module.obligations.query import obligations
from lms_module.orgs.models import OrgKind, OrgUnit, SchoolLevel
from lms_module.orgs.services import unit_sort_key
from lms_module.school_years.closing import reporting_date

# ---------------------------------------------------------------------------- figures


@dataclass(frozen=True)
class Figures:
    """Population and covered people of a scope (and covered people 4 weeks earlier)."""

    population: int
    covered: int
    covered_before: int = 0

    @property
    def percent(self) -> float | None:
        """Covered / population in percent (``None`` when no one is in the population)."""
        return 100.0 * self.covered / self.population if self.population else None

    @property
    def uncovered(self) -> int:
        """People of the population not covered."""
        return self.population - self.covered

    def still_to_train(self, target_percent: float) -> int:
        """How many more people must be covered to reach ``target_percent``."""
        needed = -(-self.population * round(target_percent * 100) // 10000)  # ceiling
        return max(needed - self.covered, 0)


EMPTY = Figures(0, 0, 0)


@dataclass(frozen=True)
class ReportScope:
    """What a report is about: a requirement, a school year, an audience and filters."""

    requirement_id: int
    school_year: str
    audience: Audience
    school_level: SchoolLevel | None = None


#: Any rollup table: they have the same figure and scope columns.
RollupTable = type[CoverageRollup] | type[CoverageSchoolRollup] | type[CoverageProvinceRollup]


def _in_province_tier(unit: OrgUnit) -> bool:
    """Whether the province tier sums ``unit``'s subtree (a root or a child of a root)."""
    return unit.path.count("/") - 1 <= TIER_DEPTH


def _table_for(unit: OrgUnit) -> RollupTable:
    """A class's report reads the class rows; the ministry's and a province's the province
    tier (about one row per province and level); every other report the per-school sums."""
    if unit.kind is OrgKind.CLASS:
        return CoverageRollup
    return CoverageProvinceRollup if _in_province_tier(unit) else CoverageSchoolRollup


def _rollup_sums(table: RollupTable = CoverageRollup) -> tuple[Any, Any, Any]:
    return (
        func.coalesce(func.sum(table.population), 0),
        func.coalesce(func.sum(table.covered), 0),
        func.coalesce(func.sum(table.covered_before), 0),
    )


def _scope_conditions(
    scope: ReportScope, table: RollupTable = CoverageRollup
) -> list[ColumnElement[bool]]:
    conditions = [
        table.requirement_id == scope.requirement_id,
        table.school_year == scope.school_year,
        table.audience == scope.audience,
    ]
    if scope.school_level is not None:
        conditions.append(table.school_level == scope.school_level)
    return conditions


def subtree_figures(session: Session, unit: OrgUnit, scope: ReportScope) -> Figures:
    """Sum the rollup over ``unit``'s whole subtree."""
    table = _table_for(unit)
    row = session.execute(
        select(*_rollup_sums(table)).where(
            *_scope_conditions(scope, table), subtree_condition(table.path, unit.path)
        )
    ).one()
    return Figures(int(row[0]), int(row[1]), int(row[2]))


@dataclass(frozen=True)
class UnitFigures:
    """A child unit with its subtree's figures."""

    unit: OrgUnit
    figures: Figures


def children_figures(session: Session, unit: OrgUnit, scope: ReportScope) -> list[UnitFigures]:
    """Return each child unit (classes excluded) with the figures of its subtree.

    One range scan of the per-school sums under ``unit`` (under a root, of the province tier),
    grouped by the child each row's path runs through (a join from each child to its range
    made PostgreSQL scan every unit).
    """
    table: RollupTable = (CoverageProvinceRollup if unit.path.count("/") - 1 < TIER_DEPTH
                          else CoverageSchoolRollup)
    child_id = child_segment(table.path, unit.path, session.get_bind().dialect.name)
    rows = session.execute(
        select(child_id, *_rollup_sums(table))
        .where(
            *_scope_conditions(scope, table),
            subtree_condition(table.path, unit.path),
            table.path > unit.path,
        )
        .group_by(child_id)
    ).all()
    by_id = {int(row[0]): Figures(int(row[1]), int(row[2]), int(row[3])) for row in rows}
    children = session.scalars(
        select(OrgUnit).where(OrgUnit.parent_id == unit.id, OrgUnit.kind != OrgKind.CLASS)
    )
    return [UnitFigures(c, by_id.get(c.id, EMPTY)) for c in children]


@dataclass(frozen=True)
class GradeFigures:
    """A grade of a school with its figures."""

    grade: int
    figures: Figures


def school_grade_figures(
    session: Session, school: OrgUnit, scope: ReportScope
) -> list[GradeFigures]:
    """Return the school's figures grade by grade (students)."""
    rows = session.execute(
        select(CoverageRollup.grade, *_rollup_sums())
        .where(
            *_scope_conditions(scope),
            subtree_condition(CoverageRollup.path, school.path),
            CoverageRollup.grade.is_not(None),
        )
        .group_by(CoverageRollup.grade)
        .order_by(CoverageRollup.grade)
    ).all()
    return [GradeFigures(int(g), Figures(int(p), int(c), int(b))) for g, p, c, b in rows]


def school_class_figures(
    session: Session, school: OrgUnit, scope: ReportScope
) -> list[UnitFigures]:
    """Return the school's classes of the year (students) with their figures, by grade and
    name (Vietnamese order)."""
    rows = session.execute(
        select(OrgUnit, *_rollup_sums())
        .join(CoverageRollup, CoverageRollup.unit_id == OrgUnit.id)
        .where(
            *_scope_conditions(scope),
            OrgUnit.parent_id == school.id,
            OrgUnit.kind == OrgKind.CLASS,
        )
        .group_by(OrgUnit.id)
    ).all()
    rows = sorted(rows, key=lambda row: unit_sort_key(row[0]))
    return [UnitFigures(u, Figures(int(p), int(c), int(b))) for u, p, c, b in rows]


# ---------------------------------------------------------------------------- target reports


@dataclass(frozen=True)
class TargetReport:
    """A target with the figures of a unit's subtree and where it stands."""

    target: CoverageTarget
    figures: Figures
    status: Status
    projected_percent: float | None
    reporting_date: dt.date

    @property
    def still_to_train(self) -> int:
        """People still to cover to reach the target."""
        return self.figures.still_to_train(self.target.percent)


def scope_of(target: CoverageTarget, school_level: SchoolLevel | None = None) -> ReportScope:
    """Return the report scope of a target (optionally one school level only)."""
    return ReportScope(target.requirement_id, target.school_year, target.audience, school_level)


def target_report(
    session: Session,
    target: CoverageTarget,
    unit: OrgUnit,
    today: dt.date,
    school_level: SchoolLevel | None = None,
) -> TargetReport:
    """Report a target over ``unit``'s subtree: coverage, people still to train, status."""
    return target_reports(session, [target], unit, today, school_level)[0]


def target_reports(
    session: Session,
    targets: Sequence[CoverageTarget],
    unit: OrgUnit,
    today: dt.date,
    school_level: SchoolLevel | None = None,
) -> list[TargetReport]:
    """Report several targets over ``unit``'s subtree with one grouped query per school year."""
    ensure_rollups(
        session, [(t.requirement_id, t.school_year, t.audience) for t in targets], today
    )
    sums: dict[tuple[int, str, Audience], Figures] = {}
    table = _table_for(unit)
    for year in sorted({t.school_year for t in targets}):
        query = (
            select(table.requirement_id, table.audience, *_rollup_sums(table))
            .where(
                table.requirement_id.in_({t.requirement_id for t in targets}),
                table.school_year == year,
                subtree_condition(table.path, unit.path),
            )
            .group_by(table.requirement_id, table.audience)
        )
        if school_level is not None:
            query = query.where(table.school_level == school_level)
        for requirement_id, audience, population, covered, before in session.execute(query):
            sums[(requirement_id, year, audience)] = Figures(
                int(population), int(covered), int(before)
            )
    reports = []
    days = {year: reporting_date(session, year, today) for year in {t.school_year for t in targets}}
    for target in targets:
        figures = sums.get((target.requirement_id, target.school_year, target.audience), EMPTY)
        day = days[target.school_year]
        status, projected = target_status(
            population=figures.population,
            covered=figures.covered,
            covered_before=figures.covered_before,
            target_percent=target.percent,
            today=day,
            deadline=target.deadline,
        )
        reports.append(TargetReport(target, figures, status, projected, day))
    return reports


# ---------------------------------------------------------------------------- direct queries


def direct_subtree_figures(
    session: Session, unit: OrgUnit, scope: ReportScope, today: dt.date
) -> Figures:
    """Compute a subtree's figures straight from memberships and certificates (no rollup).

    The reference the rollup is tested and benchmarked against. Families are counted
    distinct over the subtree (:func:`~lms_module.coverage.families.direct_family_counts`).
    """
    if scope.audience is Audience.PARENT:
        return Figures(*direct_family_counts(
            session, requirement_id=scope.requirement_id, year=scope.school_year,
            day=reporting_date(session, scope.school_year, today), within=unit.path,
            school_level=scope.school_level,
        ))
    people = counted_members(
        session, requirement_id=scope.requirement_id, year=scope.school_year,
        audience=scope.audience, day=reporting_date(session, scope.school_year, today),
        within=unit.path,
    ).subquery("people")
    query = select(*_distinct_people(people))
    if scope.school_level is not None:
        query = query.where(people.c.school_level == scope.school_level.value)
    row = session.execute(query).one()
    return Figures(int(row[0]), int(row[1]), int(row[2]))


def _distinct_people(people: Any) -> tuple[Any, Any, Any]:
    """Distinct people, covered people and people covered 28 days earlier among the rows of
    :func:`~lms_module.coverage.rollup.counted_members` (a person in two schools: once)."""
    key = people.c.person_key
    return (
        func.count(distinct(key)),
        func.count(distinct(case((people.c.first_expiry.is_not(None), key)))),
        func.count(distinct(case((people.c.covered_then == 1, key)))),
    )


def direct_children_figures(
    session: Session, unit: OrgUnit, scope: ReportScope, today: dt.date
) -> dict[int, Figures]:
    """Compute each child unit's figures straight from memberships and certificates."""
    if scope.audience is Audience.PARENT:
        return {
            child.id: direct_subtree_figures(session, child, scope, today)
            for child in session.scalars(select(OrgUnit).where(OrgUnit.parent_id == unit.id))
        }
    people = counted_members(
        session, requirement_id=scope.requirement_id, year=scope.school_year,
        audience=scope.audience, day=reporting_date(session, scope.school_year, today),
        within=unit.path,
    ).subquery("people")
    child = aliased(OrgUnit)
    rows = session.execute(
        select(child.id, *_distinct_people(people))
        .join(people, subtree_condition(people.c.path, child.path))
        .where(child.parent_id == unit.id)
        .group_by(child.id)
    ).all()
    return {row[0]: Figures(int(row[1]), int(row[2]), int(row[3])) for row in rows}


@dataclass(frozen=True)
class UncoveredPerson:
    """A member of the population without a valid certificate (school managers only)."""

    user_id: int
    full_name: str
    code: str | None
    unit_name: str


def uncovered_people(
    session: Session, unit: OrgUnit, scope: ReportScope, today: dt.date
) -> list[UncoveredPerson]:
    """Return the named members of a class or school not yet covered, by unit and name.

    The people the training-status page lists as not covered, from the same query
    (:func:`~lms_module.obligations.query.obligations`). For the parents' audience, the
    families not covered, each named by its children there ("Gia đình em ...": the family is
    what the figures count, and a family nobody has linked yet has no adult to name). Only for
    school managers: the view checks the role and records the access.
    """
    if scope.audience is Audience.PARENT:
        return [
            UncoveredPerson(0, family_label(family.children), None,
                            ", ".join(dict.fromkeys(family.unit_names)))
            for family in uncovered_families(
                session, requirement_id=scope.requirement_id, year=scope.school_year,
                day=reporting_date(session, scope.school_year, today), within=unit.path,
            )
        ]
    return [
        UncoveredPerson(o.user_id, o.full_name, o.code, o.unit_name)
        for o in obligations(
            session, school_year=scope.school_year, today=today, within=unit,
            audience=scope.audience, requirement_id=scope.requirement_id,
        )
        if not o.covered
    ]


def family_label(children: Sequence[str]) -> str:
    """Name a family by its children: "Gia đình em Lan, em Minh"."""
    return str(_("Gia đình %(children)s", children=", ".join(
        _("em %(name)s", name=name) for name in children)))
