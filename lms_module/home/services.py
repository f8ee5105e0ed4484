"""What each role's home page shows: counts over org subtrees, computed in SQL."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from lms_module.db import subtree_condition
from lms_module.orgs.models import OrgKind, OrgUnit
from lms_module.orgs.services import unit_sort_key
from lms_module.people.models import Membership, Role


@dataclass(frozen=True)
class UnitCounts:
    """Head counts of an org unit's whole subtree."""

    unit: OrgUnit
    schools: int
    students: int
    adults: int


def subtree_counts(session: Session, units: list[OrgUnit]) -> list[UnitCounts]:
    """Count schools, active students and active school adults under each of ``units``."""
    if not units:
        return []
    top = aliased(OrgUnit)
    inner = aliased(OrgUnit)
    in_subtree = subtree_condition(inner.path, top.path)
    schools = dict(
        session.execute(
            select(top.id, func.count(inner.id))
            .join(inner, in_subtree)
            .where(top.id.in_([u.id for u in units]), inner.kind == OrgKind.SCHOOL)
            .group_by(top.id)
        ).all()
    )
    people = session.execute(
        select(top.id, Membership.role, func.count(func.distinct(Membership.user_id)))
        .join(inner, in_subtree)
        .join(Membership, Membership.org_unit_id == inner.id)
        .where(top.id.in_([u.id for u in units]), Membership.active.is_(True))
        .group_by(top.id, Membership.role)
    ).all()
    students: dict[int, int] = {}
    adults: dict[int, int] = {}
    for unit_id, role, count in people:
        if role is Role.STUDENT:
            students[unit_id] = count
        elif role in (Role.TEACHER, Role.STAFF, Role.SCHOOL_MANAGER):
            adults[unit_id] = adults.get(unit_id, 0) + count
    return [
        UnitCounts(u, schools.get(u.id, 0), students.get(u.id, 0), adults.get(u.id, 0))
        for u in units
    ]


@dataclass(frozen=True)
class ClassRow:
    """A class of a school with its number of students."""

    unit: OrgUnit
    students: int


def school_classes(session: Session, school: OrgUnit, school_year: str) -> list[ClassRow]:
    """Return the school's classes of a school year, by grade and name (Vietnamese order), with
    head counts."""
    rows = session.execute(
        select(OrgUnit, func.count(Membership.id))
        .outerjoin(
            Membership,
            (Membership.org_unit_id == OrgUnit.id)
            & (Membership.role == Role.STUDENT)
            & Membership.active.is_(True),
        )
        .where(
            OrgUnit.parent_id == school.id,
            OrgUnit.kind == OrgKind.CLASS,
            OrgUnit.school_year == school_year,
        )
        .group_by(OrgUnit.id)
    ).all()
    ordered = sorted(rows, key=lambda row: unit_sort_key(row[0]))
    return [ClassRow(unit, count) for unit, count in ordered]
