"""The per-unit rollup behind every coverage figure, and how it is kept up to date.

The figures are summed from :class:`~lms_module.coverage.models.CoverageRollup`, one row per
(requirement, school year, class or school, audience), and from its per-school sums
(:class:`~lms_module.coverage.models.CoverageSchoolRollup`, rewritten with the rows they sum),
which every report at or above a school reads. Rows are recomputed on read
(:func:`ensure_rollups`) for units marked dirty (every write that changes who is covered,
whatever API it uses: see :mod:`lms_module.coverage.invalidation`, whose hook is active once
this module is imported) and for rows whose earliest counted certificate has expired;
``lms coverage-refresh`` (:func:`refresh_all`) rebuilds everything (nightly, so that the
4-week rate behind the statuses follows the calendar).
"""

from __future__ import annotations

import datetime as dt
import typing
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import (
    Date,
    Select,
    SmallInteger,
    String,
    Table,
    case,
    cast,
    delete,
    distinct,
    exists,
    func,
    insert,
    literal,
    null,
    select,
    union_all,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from lms_module.certification.models import Certificate
from lms_module.coverage.families import (
    classes_of,
    family_overlap_source,
    family_rollup_select,
)
from lms_module.coverage.invalidation import write_marks
from lms_module.coverage.models import (
    CoverageDirtyUnit,
    CoverageOverlap,
    CoverageProvinceRollup,
    CoverageRollup,
    CoverageSchoolRollup,
    RollupBuild,
    tier_unit_path,
)
from lms_module.coverage.overlaps import OverlapSource, write_overlaps
from lms_module.coverage.status import RATE_WINDOW_DAYS
from lms_module.db import child_segment, subtree_condition
from lms_module.learning.models import AUDIENCE_ROLES, Audience
from lms_module.obligations.models import CoverageTarget
from lms_module.obligations.population import (
    certificate_ends,
    population_conditions,
    valid_certificate,
)
from lms_module.obligations.targets import requirement_course_ids
from lms_module.orgs.models import OrgKind, OrgUnit
from lms_module.people.models import Membership, User
from lms_module.school_years.closing import is_closed, reporting_date

# ---------------------------------------------------------------------------- building rows

#: Stands in for "never expires" in ``min()`` over expiry dates.
FAR_FUTURE = dt.date(9999, 12, 31)


def counted_members(
    session: Session,
    *,
    requirement_id: int,
    year: str,
    audience: Audience,
    day: dt.date,
    unit_ids: Sequence[int] | None = None,
    within: str | None = None,
    user_ids: Sequence[int] | None = None,
) -> Select[Any]:
    """SELECT one row per counted membership of a person of ``audience`` (not families).

    Columns: ``person_key`` (the user id), ``unit_id``, ``path``, ``school_level``, ``grade``,
    ``first_expiry`` (the earliest end of the person's valid certificates, ``FAR_FUTURE`` for
    none; NULL when not covered) and ``covered_then`` (1 when covered 28 days earlier).
    :param unit_ids: only memberships at these units; :param within: only under this path;
    :param user_ids: only these people.
    """
    course_ids = requirement_course_ids(session, requirement_id) or [-1]
    before = day - dt.timedelta(days=RATE_WINDOW_DAYS)
    member_unit = aliased(OrgUnit)
    parent = aliased(OrgUnit)
    first_expiry = (
        select(func.min(func.coalesce(certificate_ends(), literal(FAR_FUTURE, Date))))
        .where(Certificate.user_id == Membership.user_id, valid_certificate(course_ids, day))
        .correlate(Membership)
        .scalar_subquery()
    )
    covered_then = exists().where(
        Certificate.user_id == Membership.user_id, valid_certificate(course_ids, before)
    )
    members = (
        select(
            Membership.user_id.label("person_key"),
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
        .where(*population_conditions(AUDIENCE_ROLES[audience], year, member_unit,
                                      closed=is_closed(session, year)))
    )
    if unit_ids is not None:
        members = members.where(Membership.org_unit_id.in_(unit_ids))
    if within is not None:
        members = members.where(subtree_condition(member_unit.path, within))
    if user_ids is not None:
        members = members.where(Membership.user_id.in_(user_ids))
    return members


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
    The parents' audience counts families (:mod:`~lms_module.coverage.families`).
    """
    if audience is Audience.PARENT:
        return family_rollup_select(session, requirement_id=requirement_id, year=year, day=day,
                                    unit_ids=unit_ids, within=within)
    rows = counted_members(session, requirement_id=requirement_id, year=year,
                           audience=audience, day=day, unit_ids=unit_ids,
                           within=within).subquery("members")
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


def adult_overlap_source(
    session: Session, *, requirement_id: int, year: str, audience: Audience, day: dt.date
) -> OverlapSource:
    """How the overlap rows (:mod:`~lms_module.coverage.overlaps`) read the adults of an
    audience: one row per counted membership, keyed by the person."""
    role = AUDIENCE_ROLES[audience]

    def rows(keys: Sequence[int] | None) -> Select[Any]:
        members = counted_members(session, requirement_id=requirement_id, year=year,
                                  audience=audience, day=day, user_ids=keys)
        if keys is None:
            # Everyone with memberships in two units (of any year: a superset, cheap to find).
            members = members.where(Membership.user_id.in_(
                select(Membership.user_id).where(Membership.role == role)
                .group_by(Membership.user_id)
                .having(func.count(distinct(Membership.org_unit_id)) > 1)
            ))
        found = members.subquery("adult_rows")
        return select(found.c.person_key, found.c.unit_id, found.c.path, found.c.school_level,
                      found.c.first_expiry.label("expiry"), found.c.covered_then)

    def keys_in(unit_ids: Sequence[int]) -> Select[Any]:
        return (select(Membership.user_id)
                .where(Membership.org_unit_id.in_(unit_ids), Membership.role == role)
                .distinct())

    return OverlapSource(rows, keys_in)


def _overlap_source(
    session: Session, *, requirement_id: int, year: str, audience: Audience, day: dt.date
) -> OverlapSource | None:
    """The overlap source of an audience counted in several units (students: one class)."""
    if audience is Audience.PARENT:
        return family_overlap_source(session, requirement_id=requirement_id, year=year, day=day)
    if audience is Audience.STUDENT:
        return None
    return adult_overlap_source(session, requirement_id=requirement_id, year=year,
                                audience=audience, day=day)


def _key_conditions(
    table: type[CoverageRollup] | type[CoverageSchoolRollup] | type[CoverageProvinceRollup]
    | type[CoverageOverlap],
    requirement_id: int,
    year: str,
    audience: Audience,
) -> list[Any]:
    """The rows of one (requirement, school year, audience) in a rollup or overlap table."""
    return [
        table.requirement_id == requirement_id,
        table.school_year == year,
        table.audience == audience,
    ]


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
    """Replace the rollup rows of the given units (all units: ``None``) with fresh figures.

    For the parents' audience the rows are those of the classes among the units and of the
    schools among them (where parents are members). The people (families) counted in those
    units have their overlap rows rewritten (:mod:`~lms_module.coverage.overlaps`), then the
    per-school and per-province sums holding any of those rows.
    """
    marked = unit_ids
    if audience is Audience.PARENT and unit_ids is not None:
        unit_ids = classes_of(session, unit_ids)
    scope = _key_conditions(CoverageRollup, requirement_id, year, audience)
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
    overlap_units: set[int] = set()
    people = _overlap_source(session, requirement_id=requirement_id, year=year,
                             audience=audience, day=day)
    if people is not None:
        overlap_units = write_overlaps(session, people, requirement_id=requirement_id,
                                       year=year, audience=audience, unit_ids=unit_ids)
    owners = _write_school_sums(
        session, requirement_id=requirement_id, year=year, audience=audience, unit_ids=unit_ids,
        overlap_units=overlap_units,
    )
    # A marked unit's own province row too: a move marks the province the unit left.
    _write_province_sums(session, requirement_id=requirement_id, year=year, audience=audience,
                         owners=None if owners is None else sorted({*owners, *(marked or ())}))


def _write_school_sums(
    session: Session,
    *,
    requirement_id: int,
    year: str,
    audience: Audience,
    unit_ids: Sequence[int] | None = None,
    overlap_units: set[int] | frozenset[int] = frozenset(),
) -> list[int] | None:
    """Replace the per-school sums of the schools holding ``unit_ids`` (all: ``None``) and of
    ``overlap_units`` (where overlap rows were written or removed); return those units
    (``None``: all).

    A class's rows count for its school; any other unit's rows for the unit itself; an
    overlap row for its unit (a school, or an office above several schools), subtracted. Rows
    are summed per school level of the rows summed (a school's rows all have its level).
    """
    member = aliased(OrgUnit)
    owner_id = case((member.kind == OrgKind.CLASS, member.parent_id), else_=member.id)
    scope = _key_conditions(CoverageSchoolRollup, requirement_id, year, audience)
    rows = (
        select(owner_id.label("owner_id"), CoverageRollup.school_level.label("level"),
               CoverageRollup.population, CoverageRollup.covered,
               CoverageRollup.covered_before)
        .join(member, member.id == CoverageRollup.unit_id)
        .where(*_key_conditions(CoverageRollup, requirement_id, year, audience))
    )
    overlaps = (
        select(CoverageOverlap.unit_id.label("owner_id"),
               CoverageOverlap.school_level.label("level"), literal(-1).label("population"),
               (-CoverageOverlap.covered).label("covered"),
               (-CoverageOverlap.covered_before).label("covered_before"))
        .where(*_key_conditions(CoverageOverlap, requirement_id, year, audience))
    )
    owners: list[int] | None = None
    if unit_ids is not None:
        owners = sorted(
            set(session.scalars(select(owner_id).where(member.id.in_(unit_ids))))
            | set(overlap_units)
        )
        scope.append(CoverageSchoolRollup.unit_id.in_(owners))
        rows = rows.where(
            (CoverageRollup.unit_id.in_(owners))
            | ((member.parent_id.in_(owners)) & (member.kind == OrgKind.CLASS))
        )
        overlaps = overlaps.where(CoverageOverlap.unit_id.in_(owners))
    session.execute(delete(CoverageSchoolRollup).where(*scope))
    sums = (rows if audience is Audience.STUDENT else union_all(rows, overlaps)).subquery("rows")
    owner = aliased(OrgUnit)
    session.execute(insert(CoverageSchoolRollup).from_select(
        list(SCHOOL_SUM_COLUMNS),
        select(
            literal(requirement_id), literal(year), owner.id, owner.path, sums.c.level,
            func.coalesce(sums.c.level, literal("", String(30)), type_=String(30)),
            literal(audience.value),
            func.sum(sums.c.population), func.sum(sums.c.covered),
            func.sum(sums.c.covered_before),
        )
        .join(owner, owner.id == sums.c.owner_id)
        .group_by(owner.id, owner.path, sums.c.level),
    ))
    return owners


def _write_province_sums(
    session: Session,
    *,
    requirement_id: int,
    year: str,
    audience: Audience,
    owners: Sequence[int] | None,
) -> None:
    """Replace the province-tier rows holding ``owners`` (units whose per-school sums were
    just rewritten; all: ``None``) with the sums of their per-school rows, per school level.

    A province's row sums its whole subtree; a root's row only the per-school rows at the root
    itself (:func:`~lms_module.coverage.models.tier_unit_path`), so that the tier summed over
    a root or a province equals the per-school rows summed there.
    """
    scope = _key_conditions(CoverageProvinceRollup, requirement_id, year, audience)
    school = CoverageSchoolRollup
    sums = (school.school_level, *(func.sum(column) for column in (
        school.population, school.covered, school.covered_before)))
    of_key = _key_conditions(school, requirement_id, year, audience)
    found: list[tuple[Any, ...]] = []  # (tier path, level, population, covered, before)
    if owners is None:
        session.execute(delete(CoverageProvinceRollup).where(*scope))
        dialect = session.get_bind().dialect.name
        for root in session.scalars(select(OrgUnit.path).where(OrgUnit.parent_id.is_(None))):
            segment = child_segment(school.path, root, dialect)
            found += [
                (f"{root}{row[0]}/", *row[1:])
                for row in session.execute(
                    select(segment, *sums)
                    .where(*of_key, subtree_condition(school.path, root), school.path > root)
                    .group_by(segment, school.school_level)
                )
            ]
            found += [(root, *row) for row in session.execute(
                select(*sums).where(*of_key, school.path == root)
                .group_by(school.school_level))]
    else:
        tiers: set[str] = set()
        for start in range(0, len(owners), CHUNK):
            tiers |= {tier_unit_path(path) for path in session.scalars(
                select(OrgUnit.path).where(OrgUnit.id.in_(owners[start:start + CHUNK])))}
        if not tiers:
            return
        session.execute(delete(CoverageProvinceRollup).where(
            *scope, CoverageProvinceRollup.unit_id.in_(sorted(_unit_of(t) for t in tiers))))
        for tier in sorted(tiers):
            within = (school.path == tier if tier.count("/") == 2
                      else subtree_condition(school.path, tier))
            found += [(tier, *row) for row in session.execute(
                select(*sums).where(*of_key, within).group_by(school.school_level))]
    rows = [
        {"requirement_id": requirement_id, "school_year": year,
         "unit_id": _unit_of(path), "path": path, "school_level": level,
         "level_key": level.value if level is not None else "",
         "audience": audience.value, "population": int(population), "covered": int(covered),
         "covered_before": int(before)}
        for path, level, population, covered, before in found
    ]
    table = typing.cast(Table, CoverageProvinceRollup.__table__)
    for start in range(0, len(rows), CHUNK):
        session.execute(insert(table), rows[start:start + CHUNK])


def _unit_of(path: str) -> int:
    """The id of the unit at the end of ``path``."""
    return int(path.strip("/").rsplit("/", 1)[-1])


#: Units or rows per statement (IN-list and executemany size).
CHUNK = 5000


SCHOOL_SUM_COLUMNS = (
    "requirement_id", "school_year", "unit_id", "path", "school_level", "level_key", "audience",
    "population", "covered", "covered_before",
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


# ---------------------------------------------------------------------------- keeping up to date


def refresh_all(
    session: Session,
    today: dt.date,
    on_progress: Callable[[int, int], None] | None = None,
) -> int:
    """Rebuild the rollup of every target's requirement, year and audience; return how many.

    :param on_progress: told ``(done, total)`` after each (a job's progress bar).
    """
    keys = set(
        session.execute(
            select(CoverageTarget.requirement_id, CoverageTarget.school_year,
                   CoverageTarget.audience)
        ).all()
    )
    write_marks(session)
    session.execute(delete(CoverageDirtyUnit))
    for done, (requirement_id, year, audience) in enumerate(sorted(keys), start=1):
        build_rollup(session, requirement_id, year, audience, today)
        if on_progress is not None:
            on_progress(done, len(keys))
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
    write_marks(session)  # what this transaction changed so far counts in this report
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


#: Beyond this many dirty units (a school-year rollover, a province's import), rebuilding every
#: built rollup is cheaper than the per-unit queries, whose IN lists also stay within the
#: databases' parameter limits (SQLite: 32766; the per-school sums use two lists).
FULL_REBUILD_UNITS = 10_000


def _process_dirty_units(session: Session, today: dt.date) -> None:
    dirty = list(session.scalars(
        select(CoverageDirtyUnit.unit_id).limit(FULL_REBUILD_UNITS + 1)))
    if not dirty:
        return
    everything = len(dirty) > FULL_REBUILD_UNITS

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
                unit_ids=None if everything else dirty,
            )
        done = delete(CoverageDirtyUnit)
        session.execute(done if everything else done.where(CoverageDirtyUnit.unit_id.in_(dirty)))

    _guarded(session, work)
