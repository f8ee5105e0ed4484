"""Counting families for the parents' targets ("95% of families with children").

The rule (README, "Độ bao phủ gia đình"):

* A **family** is a group the parents' links join (:mod:`lms_module.families.services`): a child,
  the adults linked to it, the other children linked to those adults. Its key is
  ``User.family_id``, or minus the child's id for a child no adult is linked to yet (a family
  of one child: until someone links them, the system cannot know two children are siblings).
* The **population** of a unit is the distinct families with at least one child counted in its
  subtree (students by the class of the school year, the population rule of
  :mod:`~lms_module.obligations.population`): siblings count once; a family with children in
  two schools counts once in each school and once in every unit above them.
* A family is **covered** when one of its adults (an active account in the family) holds, on the
  reporting date, a valid certificate of a course of the requirement: taken online, or earned
  by attending a session held in person (``in_person``), which issues the same certificate.

The rollup stores, per class, its distinct families (:func:`family_rollup_select`) and, per
family with children in several classes, the overlap rows of :mod:`~lms_module.coverage.overlaps`
(one per pair of neighbouring classes in path order, at the pair's lowest common ancestor,
subtracting the family once; the same rule counts an adult in two schools once), read
through :func:`family_overlap_source`: summing class rows and overlap rows over any subtree
counts each of its families exactly once.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Select,
    and_,
    case,
    distinct,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.orm import Session, aliased

from lms_module.certification.models import Certificate
from lms_module.core.collation import PersonKey, person_sort_key, text_sort_key
from lms_module.coverage.overlaps import OverlapSource
from lms_module.coverage.status import RATE_WINDOW_DAYS
from lms_module.db import subtree_condition
from lms_module.learning.models import Audience
from lms_module.obligations.population import (
    certificate_ends,
    held_certificate,
    population_conditions,
    valid_certificate,
)
from lms_module.obligations.query import FAR_FUTURE
from lms_module.obligations.targets import requirement_course_ids
from lms_module.orgs.models import OrgKind, OrgUnit
from lms_module.people.models import Membership, Role, User
from lms_module.school_years.closing import is_closed

#: Families per statement when a set of families is read or rewritten (IN-list size).
CHUNK = 5000


def family_key() -> Any:
    """The SQL expression of a child's family key (see the module's rule)."""
    return func.coalesce(User.family_id, -User.id)


def _of_families(keys: Sequence[int]) -> ColumnElement[bool]:
    """Condition on a child's row for "family key in ``keys``", through the indexes on
    ``family_id`` and ``id`` (a key is a family id, or minus the id of a child without one)."""
    positive = [key for key in keys if key > 0]
    negative = [-key for key in keys if key < 0]
    return or_(User.family_id.in_(positive),
               and_(User.family_id.is_(None), User.id.in_(negative)))


def _family_status(
    session: Session, requirement_id: int, day: dt.date, only: Any = None
) -> Any:
    """One row per family holding a certificate of the requirement: the last day it stays
    covered (``family_expiry``, NULL when not covered on ``day``) and whether it was covered 28
    days earlier (``covered_then``).

    Grouped once over the adults' certificates, then joined to the children on ``family_id``
    (a correlated subquery per child took minutes on SQLite without planner statistics).

    :param only: these family ids (a list, or a SELECT of them); ``None``: every family.
    """
    course_ids = requirement_course_ids(session, requirement_id) or [-1]
    before = day - dt.timedelta(days=RATE_WINDOW_DAYS)
    adult = aliased(User)
    return (
        select(
            adult.family_id.label("family_id"),
            func.max(case((valid_certificate(course_ids, day),
                           func.coalesce(certificate_ends(), literal(FAR_FUTURE, Date)))))
            .label("family_expiry"),
            func.max(case((valid_certificate(course_ids, before), 1), else_=0))
            .label("covered_then"),
        )
        .select_from(Certificate)
        .join(adult, adult.id == Certificate.user_id)
        .where(adult.family_id.is_not(None) if only is None else adult.family_id.in_(only),
               adult.active.is_(True), held_certificate(course_ids, day))
        .group_by(adult.family_id)
        .subquery("family_status")
    )


def _members(
    session: Session,
    requirement_id: int,
    year: str,
    day: dt.date,
    *,
    unit_ids: Sequence[int] | None = None,
    within: str | None = None,
    family_keys: Sequence[int] | None = None,
    named: bool = False,
) -> Select[Any]:
    """SELECT one row per counted child: family key, class, and whether the family is covered.

    ``family_expiry`` is the last day the family stays covered (``None``: not covered on
    ``day``); ``covered_then`` is 1 when it was covered 28 days earlier (the recent rate).
    ``unit_ids``, ``within`` and ``family_keys`` narrow the children (and the families whose
    certificates are read).
    """
    member_unit = aliased(OrgUnit)
    parent = aliased(OrgUnit)
    child = aliased(User)
    only: Any = None
    if family_keys is not None:
        only = [key for key in family_keys if key > 0]
    elif unit_ids is not None:
        only = (select(child.family_id).join(Membership, Membership.user_id == child.id)
                .where(Membership.org_unit_id.in_(unit_ids), child.family_id.is_not(None)))
    elif within is not None:
        unit = aliased(OrgUnit)
        only = (select(child.family_id).join(Membership, Membership.user_id == child.id)
                .join(unit, unit.id == Membership.org_unit_id)
                .where(subtree_condition(unit.path, within), child.family_id.is_not(None)))
    status = _family_status(session, requirement_id, day, only)
    named_columns = (
        (User.id.label("child_id"), User.full_name.label("child_name"),
         member_unit.name.label("unit_name"))
        if named else ()
    )
    query = (
        select(
            family_key().label("family_key"),
            Membership.org_unit_id.label("unit_id"),
            member_unit.path.label("path"),
            func.coalesce(member_unit.school_level, parent.school_level).label("school_level"),
            member_unit.grade.label("grade"),
            status.c.family_expiry.label("family_expiry"),
            func.coalesce(status.c.covered_then, 0).label("covered_then"),
            *named_columns,
        )
        .select_from(Membership)
        .join(User, User.id == Membership.user_id)
        .join(member_unit, member_unit.id == Membership.org_unit_id)
        .outerjoin(parent, parent.id == member_unit.parent_id)
        .outerjoin(status, status.c.family_id == User.family_id)
        .where(*population_conditions(Role.STUDENT, year, member_unit,
                                      closed=is_closed(session, year)))
    )
    if unit_ids is not None:
        query = query.where(Membership.org_unit_id.in_(unit_ids))
    if within is not None:
        query = query.where(subtree_condition(member_unit.path, within))
    if family_keys is not None:
        query = query.where(_of_families(family_keys))
    return query


def family_rollup_select(
    session: Session,
    *,
    requirement_id: int,
    year: str,
    day: dt.date,
    unit_ids: Sequence[int] | None = None,
    within: str | None = None,
) -> Select[Any]:
    """Return the grouped SELECT of the class rows: each class's distinct families.

    The same columns as the other audiences' rollup rows; ``covered_before`` counts the
    families covered 28 days earlier, ``valid_until`` is the first day one of the class's
    covered families stops being covered.
    """
    rows = _members(
        session, requirement_id, year, day, unit_ids=unit_ids, within=within
    ).subquery("family_members")
    return select(
        literal(requirement_id).label("requirement_id"),
        literal(year).label("school_year"),
        rows.c.unit_id,
        rows.c.path,
        rows.c.school_level,
        rows.c.grade,
        literal(Audience.PARENT.value).label("audience"),
        func.count(distinct(rows.c.family_key)).label("population"),
        func.count(distinct(case((rows.c.family_expiry.is_not(None), rows.c.family_key))))
        .label("covered"),
        func.count(distinct(case((rows.c.covered_then == 1, rows.c.family_key))))
        .label("covered_before"),
        literal(day, Date).label("as_of"),
        func.min(rows.c.family_expiry).label("valid_until"),
    ).group_by(rows.c.unit_id, rows.c.path, rows.c.school_level, rows.c.grade)


# ---------------------------------------------------------------------------- overlap rows


def family_overlap_source(
    session: Session, *, requirement_id: int, year: str, day: dt.date
) -> OverlapSource:
    """How the overlap rows (:mod:`~lms_module.coverage.overlaps`) read the families: one row
    per counted child, keyed by family."""

    def rows(keys: Sequence[int] | None) -> Select[Any]:
        members = _members(session, requirement_id, year, day, family_keys=keys)
        if keys is None:
            every = members.subquery("family_members")
            several = (
                select(every.c.family_key)
                .group_by(every.c.family_key)
                .having(func.count(distinct(every.c.unit_id)) > 1)
            )
            members = members.where(family_key().in_(several))
        found = members.subquery("family_rows")
        return select(
            found.c.family_key.label("person_key"), found.c.unit_id, found.c.path,
            found.c.school_level, found.c.family_expiry.label("expiry"), found.c.covered_then,
        )

    def keys_in(unit_ids: Sequence[int]) -> Select[Any]:
        # The family of every child of these classes, counted or not.
        return (
            select(family_key())
            .select_from(Membership).join(User, User.id == Membership.user_id)
            .where(Membership.org_unit_id.in_(unit_ids), Membership.role == Role.STUDENT)
            .distinct()
        )

    return OverlapSource(rows, keys_in)


def _chunks(values: Iterable[int]) -> Iterable[list[int]]:
    ordered = sorted(values)
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start:start + CHUNK]


def classes_of(session: Session, unit_ids: Sequence[int]) -> list[int]:
    """Return the classes among ``unit_ids`` and the classes of the schools among them.

    A parent's certificate marks the schools where they hold a parent membership; the families
    it covers are counted in the classes of those schools.
    """
    found: set[int] = set()
    for chunk in _chunks(unit_ids):
        found |= set(session.scalars(select(OrgUnit.id).where(
            OrgUnit.kind == OrgKind.CLASS,
            or_(OrgUnit.id.in_(chunk), OrgUnit.parent_id.in_(chunk)),
        )))
    return sorted(found)


# ---------------------------------------------------------------------------- direct counts


def direct_family_counts(
    session: Session,
    *,
    requirement_id: int,
    year: str,
    day: dt.date,
    within: str,
    school_level: Any = None,
) -> tuple[int, int, int]:
    """Count the distinct families (population, covered, covered 28 days earlier) under a path
    straight from memberships, links and certificates: the reference the rollup is tested and
    benchmarked against."""
    rows = _members(session, requirement_id, year, day, within=within).subquery("family_members")
    query = select(
        func.count(distinct(rows.c.family_key)),
        func.count(distinct(case((rows.c.family_expiry.is_not(None), rows.c.family_key)))),
        func.count(distinct(case((rows.c.covered_then == 1, rows.c.family_key)))),
    )
    if school_level is not None:
        query = query.where(rows.c.school_level == school_level)
    population, covered, before = session.execute(query).one()
    return int(population), int(covered), int(before)


@dataclass(frozen=True)
class UncoveredFamily:
    """A family not yet covered, named by its children under the unit (school managers only)."""

    children: tuple[str, ...]
    unit_names: tuple[str, ...]


def uncovered_families(
    session: Session, *, requirement_id: int, year: str, day: dt.date, within: str
) -> list[UncoveredFamily]:
    """Return the families under ``within`` not covered, each with its children there (in the
    order of their first child's class and name, Vietnamese order)."""
    rows = _members(
        session, requirement_id, year, day, within=within, named=True
    ).subquery("family_members")
    grouped: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for key, name, unit_name in session.execute(
        select(rows.c.family_key, rows.c.child_name, rows.c.unit_name)
        .where(rows.c.family_expiry.is_(None))
    ).all():
        grouped[int(key)].append((unit_name, name))
    families = [sorted(children, key=_child_order) for children in grouped.values()]
    families.sort(key=lambda children: _child_order(children[0]))
    return [
        UncoveredFamily(tuple(name for _, name in children),
                        tuple(unit for unit, _ in children))
        for children in families
    ]


def _child_order(child: tuple[str, str]) -> tuple[bytes, PersonKey]:
    unit_name, name = child
    return text_sort_key(unit_name), person_sort_key(name)
