"""Requirements, targets and assignments: what is asked of whom, and who counts.

A requirement is met by a certificate of any of its courses; a target asks a unit's subtree to
have a share of an audience covered by a deadline of a school year; assignments tell each person
which courses to take now. The module also holds the two definitions every coverage figure
rests on (DESIGN.md section 5):

* **population**: active members of the audience in the scope on the reporting date. Students
  are counted in the classes of the school year (by the class's grade), adults (teachers,
  staff, school managers) at the unit of their membership for that school year. A closed
  school year (``lms rollover``) is reported as it stood at its close.
* **covered**: a member holding, on the reporting date, a certificate of any course of the
  requirement that was issued on or before that date, is not revoked, and does not expire
  before it (a certificate is valid through its ``expires_on`` day).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from lms_module.certification.models import Assignment, Certificate
from lms_module.coverage.models import CoverageTarget, Requirement, requirement_course
from lms_module.db import subtree_condition
from lms_module.errors import LMSError
from lms_module.learning.models import Audience, Course
from lms_module.orgs.models import OrgKind, OrgUnit
from lms_module.people.models import Membership, Role, User
from lms_module.school_years.closing import is_closed
from lms_module.school_years.models import YearEndMembership
from lms_module.school_years.year import SchoolYear

#: The role whose members make up each audience.
AUDIENCE_ROLES: dict[Audience, Role] = {
    Audience.STUDENT: Role.STUDENT,
    Audience.TEACHER: Role.TEACHER,
    Audience.STAFF: Role.STAFF,
    Audience.MANAGER: Role.SCHOOL_MANAGER,
}
COVERAGE_AUDIENCES = tuple(AUDIENCE_ROLES)


# ---------------------------------------------------------------------------- errors


class InvalidTargetError(LMSError):
    """A coverage target that cannot be saved as given."""


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
    year = SchoolYear.parse(school_year)
    if audience not in AUDIENCE_ROLES:
        raise InvalidTargetError("Chỉ tiêu chỉ đặt cho học sinh, giáo viên, nhân viên hoặc CBQL.")
    if not 0 < percent <= 100:
        raise InvalidTargetError("Tỉ lệ chỉ tiêu phải lớn hơn 0 và không quá 100%.")
    if not year.first_day <= deadline <= dt.date(year.end, 12, 31):
        raise InvalidTargetError(
            f"Hạn hoàn thành phải nằm trong năm học {year} "
            f"(từ 01/08/{year.start} đến 31/12/{year.end})."
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


# ---------------------------------------------------------------------------- who counts


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


# ---------------------------------------------------------------------------- assignments


def assignment_requirement_id() -> Any:
    """Return the ``requirement_id`` column :mod:`~lms_module.coverage.models` adds to
    :class:`Assignment`."""
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
