"""Coverage of an org subtree against targets, computed in SQL from a per-unit rollup.

Semantics (DESIGN.md section 5):

* **population**: active members of the audience in the scope on the reporting date. Students
  are counted in the classes of the school year (by the class's grade), adults (teachers,
  staff, school managers) at the unit of their membership for that school year. A closed
  school year (``lms rollover``) is reported as it stood at its close.
* **covered**: a member holding, on the reporting date, a certificate of any course of the
  requirement that was issued on or before that date, is not revoked, and does not expire
  before it (a certificate is valid through its ``expires_on`` day).
* the coverage of a unit is covered / population over its whole subtree.

The figures are summed from :class:`~lms_module.coverage.models.CoverageRollup`, one row per
(requirement, school year, class or school, audience). Rows are recomputed on read for units
marked dirty (certificates issued or revoked, memberships changed: see :func:`track_changes`)
and for rows whose earliest counted certificate has expired; ``lms coverage-refresh`` rebuilds
everything (nightly, so that the 4-week rate behind the statuses follows the calendar).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Select,
    SmallInteger,
    and_,
    bindparam,
    case,
    cast,
    delete,
    event,
    exists,
    func,
    insert,
    inspect,
    literal,
    null,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from lms_module.certification.models import Assignment, Certificate
from lms_module.coverage.models import (
    CoverageDirtyUnit,
    CoverageRollup,
    CoverageTarget,
    Requirement,
    RollupBuild,
    SchoolYearClosing,
    YearEndMembership,
    requirement_course,
)
from lms_module.db import subtree_condition
from lms_module.errors import LMSError
from lms_module.learning.models import Audience, Course
from lms_module.learning.services import dialect_insert
from lms_module.orgs.models import OrgKind, OrgUnit, SchoolLevel
from lms_module.people.models import Membership, Role, User

#: The role whose members make up each audience.
AUDIENCE_ROLES: dict[Audience, Role] = {
    Audience.STUDENT: Role.STUDENT,
    Audience.TEACHER: Role.TEACHER,
    Audience.STAFF: Role.STAFF,
    Audience.MANAGER: Role.SCHOOL_MANAGER,
}
COVERAGE_AUDIENCES = tuple(AUDIENCE_ROLES)

# ---------------------------------------------------------------------------- status rules
#: Days of certificates behind the recent rate (4 weeks).
RATE_WINDOW_DAYS = 28
#: A target not met whose projection falls short by at most this many percentage points is
#: "at risk"; further short, "off track".
AT_RISK_MARGIN_POINTS = 10.0


class Status(enum.StrEnum):
    """Where a target stands (see :func:`target_status`)."""

    MET = "met"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"
    NO_POPULATION = "no_population"


def target_status(
    *,
    population: int,
    covered: int,
    covered_before: int,
    target_percent: float,
    today: dt.date,
    deadline: dt.date,
) -> tuple[Status, float | None]:
    """Return the status of a target and the coverage (%) projected to its deadline.

    The rules, in this order:

    1. no one to train: ``no_population``;
    2. coverage >= target: ``met``;
    3. deadline passed: ``off_track``;
    4. projected = coverage now + the net gain of the last :data:`RATE_WINDOW_DAYS` days
       (covered now - covered then, so expiries count against it) continued at the same pace
       until the deadline; projected >= target: ``on_track``;
    5. projected >= target - :data:`AT_RISK_MARGIN_POINTS`: ``at_risk``; otherwise ``off_track``.
    """
    if population <= 0:
        return Status.NO_POPULATION, None
    percent_now = 100.0 * covered / population
    if percent_now >= target_percent:
        return Status.MET, percent_now
    if today > deadline:
        return Status.OFF_TRACK, percent_now
    gain_per_day = max(covered - covered_before, 0) / RATE_WINDOW_DAYS
    projected_covered = min(covered + gain_per_day * (deadline - today).days, population)
    projected = 100.0 * projected_covered / population
    if projected >= target_percent:
        return Status.ON_TRACK, projected
    if projected >= target_percent - AT_RISK_MARGIN_POINTS:
        return Status.AT_RISK, projected
    return Status.OFF_TRACK, projected


# ---------------------------------------------------------------------------- errors


class InvalidTargetError(LMSError):
    """A coverage target that cannot be saved as given."""


class SchoolYearError(LMSError):
    """A school year that is malformed or cannot be rolled over."""


# ---------------------------------------------------------------------------- school years


def parse_school_year(value: str) -> tuple[int, int]:
    """Return the two calendar years of "2026-2027" or raise :class:`SchoolYearError`."""
    parts = value.split("-")
    if len(parts) != 2 or not all(p.isdigit() and len(p) == 4 for p in parts):
        raise SchoolYearError(f"Năm học “{value}” không hợp lệ: hãy viết dạng 2026-2027.")
    start, end = int(parts[0]), int(parts[1])
    if end != start + 1:
        raise SchoolYearError(f"Năm học “{value}” phải gồm hai năm liền nhau, ví dụ 2026-2027.")
    return start, end


def next_school_year(year: str) -> str:
    """Return the school year after ``year``."""
    start, end = parse_school_year(year)
    return f"{start + 1}-{end + 1}"


def school_year_end(year: str) -> dt.date:
    """Return 31 May of the year's second calendar year (the school year ends before it)."""
    return dt.date(parse_school_year(year)[1], 5, 31)


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


# ---------------------------------------------------------------------------- requirements


def create_requirement(
    session: Session, *, code: str, title_vi: str, courses: Sequence[Course], title_en: str = ""
) -> Requirement:
    """Create a requirement satisfied by a certificate of any of ``courses``."""
    requirement = Requirement(code=code, title_vi=title_vi, title_en=title_en)
    requirement.courses = list(courses)
    session.add(requirement)
    session.flush()
    return requirement


def requirement_course_ids(session: Session, requirement_id: int) -> list[int]:
    """Return the ids of the courses that satisfy a requirement."""
    return list(
        session.scalars(
            select(requirement_course.c.course_id).where(
                requirement_course.c.requirement_id == requirement_id
            )
        )
    )


# ---------------------------------------------------------------------------- targets


def set_target(
    session: Session,
    *,
    unit: OrgUnit,
    audience: Audience,
    requirement: Requirement,
    percent: float,
    school_year: str,
    deadline: dt.date,
    source: str = "",
    actor: User | None = None,
) -> CoverageTarget:
    """Create or update the target of ``unit`` for this audience, requirement and year."""
    start, end = parse_school_year(school_year)
    if audience not in AUDIENCE_ROLES:
        raise InvalidTargetError("Chỉ tiêu chỉ đặt cho học sinh, giáo viên, nhân viên hoặc CBQL.")
    if not 0 < percent <= 100:
        raise InvalidTargetError("Tỉ lệ chỉ tiêu phải lớn hơn 0 và không quá 100%.")
    if not dt.date(start, 8, 1) <= deadline <= dt.date(end, 12, 31):
        raise InvalidTargetError(
            f"Hạn hoàn thành phải nằm trong năm học {school_year} "
            f"(từ 01/08/{start} đến 31/12/{end})."
        )
    if unit.kind in (OrgKind.CLASS,):
        raise InvalidTargetError("Không đặt chỉ tiêu cho lớp: hãy đặt cho trường hoặc cấp trên.")
    target = session.scalar(
        select(CoverageTarget).where(
            CoverageTarget.org_unit_id == unit.id,
            CoverageTarget.audience == audience,
            CoverageTarget.requirement_id == requirement.id,
            CoverageTarget.school_year == school_year,
        )
    )
    if target is None:
        target = CoverageTarget(
            org_unit_id=unit.id,
            audience=audience,
            requirement_id=requirement.id,
            school_year=school_year,
        )
        session.add(target)
    target.percent = percent
    target.deadline = deadline
    target.source = source
    target.created_by_id = actor.id if actor is not None else None
    session.flush()
    return target


def targets_for(
    session: Session, unit: OrgUnit, school_year: str, audience: Audience | None = None
) -> list[CoverageTarget]:
    """Return the targets that apply to ``unit``: its own and its ancestors', nearest first."""
    query = select(CoverageTarget).where(
        CoverageTarget.org_unit_id.in_(unit.ancestor_ids),
        CoverageTarget.school_year == school_year,
    )
    if audience is not None:
        query = query.where(CoverageTarget.audience == audience)
    targets = list(session.scalars(query))
    depth = {unit_id: index for index, unit_id in enumerate(unit.ancestor_ids)}
    audience_order = {a: i for i, a in enumerate(COVERAGE_AUDIENCES)}
    targets.sort(key=lambda t: (audience_order[t.audience], -depth[t.org_unit_id], t.id))
    return targets


def school_years_with_targets(session: Session) -> list[str]:
    """Return every school year that has a target, newest first."""
    return sorted(
        set(session.scalars(select(CoverageTarget.school_year).distinct())), reverse=True
    )


# ---------------------------------------------------------------------------- member queries


def _population_conditions(
    session: Session, audience: Audience, year: str, member_unit: Any
) -> list[ColumnElement[bool]]:
    """Return the WHERE conditions selecting the audience's members in ``year``."""
    conditions: list[ColumnElement[bool]] = [Membership.role == AUDIENCE_ROLES[audience]]
    if audience is Audience.STUDENT:
        conditions += [member_unit.kind == OrgKind.CLASS, member_unit.school_year == year]
    if is_closed(session, year):
        conditions.append(
            exists().where(
                YearEndMembership.membership_id == Membership.id,
                YearEndMembership.school_year == year,
            )
        )
    else:
        conditions += [Membership.active.is_(True), User.active.is_(True)]
        if audience is not Audience.STUDENT:
            conditions.append(
                or_(Membership.school_year == year, Membership.school_year.is_(None))
            )
    return conditions


def _valid_certificate(course_ids: Sequence[int], day: Any) -> ColumnElement[bool]:
    """Conditions on :class:`Certificate` for "counts on ``day``" (holder not included)."""
    return and_(
        Certificate.course_id.in_(course_ids),
        Certificate.revoked_at.is_(None),
        Certificate.issued_on <= day,
        or_(Certificate.expires_on.is_(None), Certificate.expires_on >= day),
    )


#: Stands in for "never expires" in ``min()`` over expiry dates.
FAR_FUTURE = dt.date(9999, 12, 31)


def _rollup_select(
    session: Session,
    *,
    requirement_id: int,
    year: str,
    audience: Audience,
    day: dt.date,
    unit_ids: Sequence[int] | None = None,
    within: str | None = None,
) -> Select[Any]:
    """Return the grouped SELECT computing rollup rows from memberships and certificates.

    :param unit_ids: only memberships at these units; :param within: only under this path.
    """
    course_ids = requirement_course_ids(session, requirement_id) or [-1]
    before = day - dt.timedelta(days=RATE_WINDOW_DAYS)
    member_unit = aliased(OrgUnit)
    parent = aliased(OrgUnit)
    first_expiry = (
        select(func.min(func.coalesce(Certificate.expires_on, literal(FAR_FUTURE, Date))))
        .where(Certificate.user_id == Membership.user_id, _valid_certificate(course_ids, day))
        .correlate(Membership)
        .scalar_subquery()
    )
    covered_then = exists().where(
        Certificate.user_id == Membership.user_id, _valid_certificate(course_ids, before)
    )
    members = (
        select(
            Membership.org_unit_id.label("unit_id"),
            member_unit.path.label("path"),
            func.coalesce(member_unit.school_level, parent.school_level).label("school_level"),
            (
                member_unit.grade if audience is Audience.STUDENT
                else cast(null(), SmallInteger)
            ).label("grade"),
            first_expiry.label("first_expiry"),
            case((covered_then, 1), else_=0).label("covered_then"),
        )
        .select_from(Membership)
        .join(User, User.id == Membership.user_id)
        .join(member_unit, member_unit.id == Membership.org_unit_id)
        .outerjoin(parent, parent.id == member_unit.parent_id)
        .where(*_population_conditions(session, audience, year, member_unit))
    )
    if unit_ids is not None:
        members = members.where(Membership.org_unit_id.in_(unit_ids))
    if within is not None:
        members = members.where(subtree_condition(member_unit.path, within))
    rows = members.subquery("members")
    return select(
        literal(requirement_id).label("requirement_id"),
        literal(year).label("school_year"),
        rows.c.unit_id,
        rows.c.path,
        rows.c.school_level,
        rows.c.grade,
        literal(audience.value).label("audience"),
        func.count().label("population"),
        func.count(rows.c.first_expiry).label("covered"),
        func.coalesce(func.sum(rows.c.covered_then), 0).label("covered_before"),
        literal(day, Date).label("as_of"),
        func.min(rows.c.first_expiry).label("valid_until"),
    ).group_by(rows.c.unit_id, rows.c.path, rows.c.school_level, rows.c.grade)


ROLLUP_COLUMNS = (
    "requirement_id", "school_year", "unit_id", "path", "school_level", "grade", "audience",
    "population", "covered", "covered_before", "as_of", "valid_until",
)


def _write_rollup(
    session: Session,
    *,
    requirement_id: int,
    year: str,
    audience: Audience,
    day: dt.date,
    unit_ids: Sequence[int] | None = None,
) -> None:
    """Replace the rollup rows of the given units (all units: ``None``) with fresh figures."""
    scope = [
        CoverageRollup.requirement_id == requirement_id,
        CoverageRollup.school_year == year,
        CoverageRollup.audience == audience,
    ]
    if unit_ids is not None:
        scope.append(CoverageRollup.unit_id.in_(unit_ids))
    session.execute(delete(CoverageRollup).where(*scope))
    source = _rollup_select(
        session,
        requirement_id=requirement_id,
        year=year,
        audience=audience,
        day=day,
        unit_ids=unit_ids,
    )
    session.execute(insert(CoverageRollup).from_select(list(ROLLUP_COLUMNS), source))
    # "Never expires" is stored as NULL.
    session.execute(
        update(CoverageRollup)
        .where(*scope, CoverageRollup.valid_until == FAR_FUTURE)
        .values(valid_until=None)
    )


def build_rollup(
    session: Session, requirement_id: int, year: str, audience: Audience, today: dt.date
) -> None:
    """Compute every rollup row of a requirement, year and audience (a full rebuild)."""
    day = reporting_date(session, year, today)
    _write_rollup(session, requirement_id=requirement_id, year=year, audience=audience, day=day)
    build = session.scalar(
        select(RollupBuild).where(
            RollupBuild.requirement_id == requirement_id,
            RollupBuild.school_year == year,
            RollupBuild.audience == audience,
        )
    )
    if build is None:
        session.add(
            RollupBuild(requirement_id=requirement_id, school_year=year, audience=audience,
                        as_of=day)
        )
    else:
        build.as_of = day
    session.flush()


def refresh_all(session: Session, today: dt.date) -> int:
    """Rebuild the rollup of every target's requirement, year and audience; return how many."""
    keys = set(
        session.execute(
            select(CoverageTarget.requirement_id, CoverageTarget.school_year,
                   CoverageTarget.audience)
        ).all()
    )
    session.execute(delete(CoverageDirtyUnit))
    for requirement_id, year, audience in sorted(keys):
        build_rollup(session, requirement_id, year, audience, today)
    return len(keys)


def ensure_rollup(
    session: Session, requirement_id: int, year: str, audience: Audience, today: dt.date
) -> None:
    """Bring the rollup of one requirement, year and audience up to date (see
    :func:`ensure_rollups`)."""
    ensure_rollups(session, [(requirement_id, year, audience)], today)


def ensure_rollups(
    session: Session, keys: Sequence[tuple[int, str, Audience]], today: dt.date
) -> None:
    """Bring the rollup up to date for a report made ``today``, in a few queries.

    Builds each (requirement, year, audience) the first time; then recomputes only the units
    marked dirty and the rows whose earliest counted certificate expired before the reporting
    date.
    """
    wanted = set(keys)
    if not wanted:
        return
    built = set(
        tuple(row)
        for row in session.execute(
            select(RollupBuild.requirement_id, RollupBuild.school_year, RollupBuild.audience)
            .where(RollupBuild.requirement_id.in_({k[0] for k in wanted}))
        )
    )
    _process_dirty_units(session, today)
    for requirement_id, year, audience in sorted(wanted - built):
        _guarded(
            session,
            lambda r=requirement_id, y=year, a=audience: build_rollup(session, r, y, a, today),
        )
    for year in sorted({k[1] for k in wanted}):
        day = reporting_date(session, year, today)
        stale: dict[tuple[int, Audience], list[int]] = {}
        for requirement_id, audience, unit_id in session.execute(
            select(CoverageRollup.requirement_id, CoverageRollup.audience,
                   CoverageRollup.unit_id)
            .where(CoverageRollup.school_year == year, CoverageRollup.valid_until < day)
        ).all():
            if (requirement_id, year, audience) in wanted:
                stale.setdefault((requirement_id, audience), []).append(unit_id)
        for (requirement_id, audience), unit_ids in stale.items():
            _guarded(
                session,
                lambda r=requirement_id, a=audience, u=unit_ids, y=year, d=day: _write_rollup(
                    session, requirement_id=r, year=y, audience=a, day=d, unit_ids=u
                ),
            )


def _guarded(session: Session, work: Any) -> None:
    """Run a rollup write in a savepoint; a concurrent writer that got there first wins."""
    try:
        with session.begin_nested():
            work()
    except IntegrityError:
        pass  # another request refreshed the same rows at the same time


def _process_dirty_units(session: Session, today: dt.date) -> None:
    dirty = list(session.scalars(select(CoverageDirtyUnit.unit_id)))
    if not dirty:
        return

    def work() -> None:
        builds = session.execute(
            select(RollupBuild.requirement_id, RollupBuild.school_year, RollupBuild.audience)
        ).all()
        for requirement_id, year, audience in builds:
            _write_rollup(
                session,
                requirement_id=requirement_id,
                year=year,
                audience=audience,
                day=reporting_date(session, year, today),
                unit_ids=dirty,
            )
        session.execute(delete(CoverageDirtyUnit).where(CoverageDirtyUnit.unit_id.in_(dirty)))

    _guarded(session, work)


def mark_units_dirty(session: Session, unit_ids: Iterable[int]) -> None:
    """Queue units whose rollup rows must be recomputed before the next report."""
    ids = sorted(set(unit_ids))
    if not ids:
        return
    insert = dialect_insert(session, CoverageDirtyUnit).on_conflict_do_nothing()
    session.connection().execute(insert, [{"unit_id": unit_id} for unit_id in ids])


def mark_users_changed(session: Session, user_ids: Iterable[int]) -> None:
    """Queue every unit where these users are members (after their certificates changed)."""
    ids = sorted(set(user_ids))
    if not ids:
        return
    units = session.connection().execute(
        select(Membership.org_unit_id).where(Membership.user_id.in_(ids)).distinct()
    )
    mark_units_dirty(session, [unit_id for (unit_id,) in units])


def _changed(obj: object, *names: str) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


def track_changes(session: Session, _context: Any) -> None:
    """``after_flush`` hook: queue the units touched by changed memberships and certificates.

    Registered on every :class:`~sqlalchemy.orm.Session` when this module is imported. Bulk SQL
    that bypasses the ORM (``lms synth``, ``lms rollover``) refreshes the rollup itself. A unit
    moved in the tree (a roster import of units) takes its rollup rows along: their copy of the
    path is rewritten, so the new parent's report counts them at once; a school whose level
    changes has its rows and its classes' rows recomputed.
    """
    unit_ids: set[int] = set()
    user_ids: set[int] = set()
    moved = [{"unit": obj.id, "new_path": obj.path} for obj in session.dirty
             if isinstance(obj, OrgUnit) and _changed(obj, "path")]
    if moved:
        session.connection().execute(
            update(CoverageRollup)
            .where(CoverageRollup.unit_id == bindparam("unit"))
            .values(path=bindparam("new_path")),
            moved,
        )
    relevelled = [obj.id for obj in session.dirty
                  if isinstance(obj, OrgUnit) and _changed(obj, "school_level")]
    if relevelled:
        unit_ids.update(relevelled)
        unit_ids.update(session.connection().scalars(
            select(OrgUnit.id).where(OrgUnit.parent_id.in_(relevelled))))
    for obj in (*session.new, *session.deleted):
        if isinstance(obj, Membership):
            unit_ids.add(obj.org_unit_id)
        elif isinstance(obj, Certificate):
            user_ids.add(obj.user_id)
    for obj in session.dirty:
        if isinstance(obj, Membership) and _changed(
            obj, "active", "org_unit_id", "role", "school_year"
        ):
            unit_ids.add(obj.org_unit_id)
            unit_ids.update(inspect(obj).attrs["org_unit_id"].history.deleted or ())
        elif isinstance(obj, Certificate) and _changed(
            obj, "revoked_at", "expires_on", "issued_on", "course_id", "user_id"
        ):
            user_ids.add(obj.user_id)
        elif isinstance(obj, User) and _changed(obj, "active"):
            user_ids.add(obj.id)
    if unit_ids:
        mark_units_dirty(session, unit_ids)
    if user_ids:
        mark_users_changed(session, user_ids)


event.listen(Session, "after_flush", track_changes)


# ---------------------------------------------------------------------------- reading figures


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


def _rollup_sums() -> tuple[Any, Any, Any]:
    return (
        func.coalesce(func.sum(CoverageRollup.population), 0),
        func.coalesce(func.sum(CoverageRollup.covered), 0),
        func.coalesce(func.sum(CoverageRollup.covered_before), 0),
    )


def _scope_conditions(scope: ReportScope) -> list[ColumnElement[bool]]:
    conditions = [
        CoverageRollup.requirement_id == scope.requirement_id,
        CoverageRollup.school_year == scope.school_year,
        CoverageRollup.audience == scope.audience,
    ]
    if scope.school_level is not None:
        conditions.append(CoverageRollup.school_level == scope.school_level)
    return conditions


def subtree_figures(session: Session, unit: OrgUnit, scope: ReportScope) -> Figures:
    """Sum the rollup over ``unit``'s whole subtree."""
    row = session.execute(
        select(*_rollup_sums()).where(
            *_scope_conditions(scope), subtree_condition(CoverageRollup.path, unit.path)
        )
    ).one()
    return Figures(int(row[0]), int(row[1]), int(row[2]))


@dataclass(frozen=True)
class UnitFigures:
    """A child unit with its subtree's figures."""

    unit: OrgUnit
    figures: Figures


def children_figures(session: Session, unit: OrgUnit, scope: ReportScope) -> list[UnitFigures]:
    """Return each child unit (classes excluded) with the figures of its subtree."""
    child = aliased(OrgUnit)
    rows = session.execute(
        select(child.id, *_rollup_sums())
        .join(CoverageRollup, subtree_condition(CoverageRollup.path, child.path))
        .where(child.parent_id == unit.id, child.kind != OrgKind.CLASS, *_scope_conditions(scope))
        .group_by(child.id)
    ).all()
    by_id = {row[0]: Figures(int(row[1]), int(row[2]), int(row[3])) for row in rows}
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
    """Return the school's classes of the year (students) with their figures."""
    rows = session.execute(
        select(OrgUnit, *_rollup_sums())
        .join(CoverageRollup, CoverageRollup.unit_id == OrgUnit.id)
        .where(
            *_scope_conditions(scope),
            OrgUnit.parent_id == school.id,
            OrgUnit.kind == OrgKind.CLASS,
        )
        .group_by(OrgUnit.id)
        .order_by(OrgUnit.grade, OrgUnit.name)
    ).all()
    return [UnitFigures(u, Figures(int(p), int(c), int(b))) for u, p, c, b in rows]


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
    for year in sorted({t.school_year for t in targets}):
        query = (
            select(CoverageRollup.requirement_id, CoverageRollup.audience, *_rollup_sums())
            .where(
                CoverageRollup.requirement_id.in_({t.requirement_id for t in targets}),
                CoverageRollup.school_year == year,
                subtree_condition(CoverageRollup.path, unit.path),
            )
            .group_by(CoverageRollup.requirement_id, CoverageRollup.audience)
        )
        if school_level is not None:
            query = query.where(CoverageRollup.school_level == school_level)
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

    The reference the rollup is tested and benchmarked against.
    """
    day = reporting_date(session, scope.school_year, today)
    source = _rollup_select(
        session,
        requirement_id=scope.requirement_id,
        year=scope.school_year,
        audience=scope.audience,
        day=day,
        within=unit.path,
    ).subquery()
    query = select(
        func.coalesce(func.sum(source.c.population), 0),
        func.coalesce(func.sum(source.c.covered), 0),
        func.coalesce(func.sum(source.c.covered_before), 0),
    ).where(subtree_condition(source.c.path, unit.path))
    if scope.school_level is not None:
        query = query.where(source.c.school_level == scope.school_level.value)
    row = session.execute(query).one()
    return Figures(int(row[0]), int(row[1]), int(row[2]))


def direct_children_figures(
    session: Session, unit: OrgUnit, scope: ReportScope, today: dt.date
) -> dict[int, Figures]:
    """Compute each child unit's figures straight from memberships and certificates."""
    day = reporting_date(session, scope.school_year, today)
    source = _rollup_select(
        session,
        requirement_id=scope.requirement_id,
        year=scope.school_year,
        audience=scope.audience,
        day=day,
        within=unit.path,
    ).subquery()
    child = aliased(OrgUnit)
    rows = session.execute(
        select(
            child.id,
            func.coalesce(func.sum(source.c.population), 0),
            func.coalesce(func.sum(source.c.covered), 0),
            func.coalesce(func.sum(source.c.covered_before), 0),
        )
        .join(source, subtree_condition(source.c.path, child.path))
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

    Only for school managers: the view checks the role and records the access.
    """
    day = reporting_date(session, scope.school_year, today)
    course_ids = requirement_course_ids(session, scope.requirement_id) or [-1]
    member_unit = aliased(OrgUnit)
    holds = exists().where(
        Certificate.user_id == Membership.user_id, _valid_certificate(course_ids, day)
    )
    rows = session.execute(
        select(User.id, User.full_name, User.student_code, User.staff_code, member_unit.name)
        .select_from(Membership)
        .join(User, User.id == Membership.user_id)
        .join(member_unit, member_unit.id == Membership.org_unit_id)
        .where(
            *_population_conditions(session, scope.audience, scope.school_year, member_unit),
            subtree_condition(member_unit.path, unit.path),
            ~holds,
        )
        .order_by(member_unit.grade, member_unit.name, User.full_name, User.id)
    ).all()
    return [
        UncoveredPerson(uid, name, student_code or staff_code, unit_name)
        for uid, name, student_code, staff_code, unit_name in rows
    ]


# ---------------------------------------------------------------------------- assignments


def assignment_requirement_id() -> Any:
    """Return the ``requirement_id`` column this module adds to :class:`Assignment`."""
    return Assignment.__table__.c.requirement_id


@dataclass(frozen=True)
class DueCourse:
    """A course a person must take (or a requirement any of whose courses will do)."""

    assignment: Assignment
    course_ids: tuple[int, ...]
    due_on: dt.date | None
    done: bool


def assignments_for_user(session: Session, user: User, today: dt.date) -> list[DueCourse]:
    """Return what ``user`` must take now, derived from today's memberships.

    The grade band is matched against the grade of the class the student is in *now*, so a
    student moved to grade 3 gets the grades 3-5 course without any row being copied.
    """
    member_unit = aliased(OrgUnit)
    scope_unit = aliased(OrgUnit)
    grade_fits = or_(
        member_unit.grade.is_(None),
        and_(
            func.coalesce(Assignment.grade_min, 1) <= member_unit.grade,
            func.coalesce(Assignment.grade_max, 12) >= member_unit.grade,
        ),
    )
    assignments = list(
        session.scalars(
            select(Assignment)
            .join(scope_unit, scope_unit.id == Assignment.org_unit_id)
            .join(Membership, Membership.role == Assignment.role)
            .join(member_unit, member_unit.id == Membership.org_unit_id)
            .where(
                Membership.user_id == user.id,
                Membership.active.is_(True),
                Assignment.active.is_(True),
                subtree_condition(member_unit.path, scope_unit.path),
                grade_fits,
            )
            .distinct()
            .order_by(Assignment.due_on, Assignment.id)
        )
    )
    result = []
    for assignment in assignments:
        requirement_id = session.execute(
            select(assignment_requirement_id()).where(Assignment.id == assignment.id)
        ).scalar()
        course_ids = (
            tuple(requirement_course_ids(session, requirement_id))
            if requirement_id is not None
            else (assignment.course_id,)
        )
        done = (
            session.scalar(
                select(Certificate.id)
                .where(Certificate.user_id == user.id, _valid_certificate(course_ids, today))
                .limit(1)
            )
            is not None
        )
        result.append(DueCourse(assignment, course_ids, assignment.due_on, done))
    return result
