"""Assign a course (or a requirement) to a role of a unit's subtree, by a fixed or relative date.

The assignment is one of the sources :func:`~lms_module.obligations.query.obligations` reads;
a relative deadline (N days after the person joins, or after the school year starts) is
worked out there for each person and year.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms_module.audit.services import record_event
from lms_module.core.errors import LMSError
from lms_module.db import subtree_condition
from lms_module.learning.models import ROLE_AUDIENCES, Course
from lms_module.obligations.models import Assignment, DueKind, Requirement
from lms_module.orgs.models import OrgKind, OrgUnit
from lms_module.people.models import Role, User

#: The roles a course can be assigned to (families are counted by the parents' targets).
ASSIGNABLE_ROLES = (Role.STUDENT, Role.TEACHER, Role.STAFF, Role.SCHOOL_MANAGER)
#: The longest relative deadline, in days.
MAX_DUE_DAYS = 366


class AssignmentError(LMSError):
    """An assignment that cannot be made as asked (the message says what to change)."""


@dataclass(frozen=True)
class AssignmentRequest:
    """What a manager asks for: what must be done, by whom, by when."""

    role: Role
    course: Course | None = None
    requirement: Requirement | None = None
    grade_min: int | None = None
    grade_max: int | None = None
    due_kind: DueKind = DueKind.FIXED
    due_on: dt.date | None = None
    due_days: int | None = None


def _suggested_course(requirement: Requirement, role: Role) -> Course | None:
    audience = ROLE_AUDIENCES[role]
    fitting = [c for c in requirement.courses
               if c.audience is audience and c.current_version_id is not None]
    return min(fitting, key=lambda c: c.slug) if fitting else None


def assign(
    session: Session, unit: OrgUnit, request: AssignmentRequest, *, actor: User,
    today: dt.date,
) -> Assignment:
    """Add an active assignment at ``unit`` (the whole subtree) after checking the request.

    :raises AssignmentError: for a role, course, grade band or deadline that does not fit.
    """
    if unit.kind is OrgKind.CLASS:
        raise AssignmentError("Hãy giao khóa học cho cả trường (chọn khối lớp), không cho "
                              "từng lớp.")
    if request.role not in ASSIGNABLE_ROLES:
        raise AssignmentError("Hãy chọn đối tượng: học sinh, giáo viên, nhân viên hoặc cán "
                              "bộ quản lý.")
    course = request.course
    if request.requirement is not None:
        course = _suggested_course(request.requirement, request.role)
        if course is None:
            raise AssignmentError("Yêu cầu này không có khóa học nào dành cho đối tượng đã "
                                  "chọn. Hãy chọn yêu cầu hoặc đối tượng khác.")
    if course is None or course.current_version_id is None:
        raise AssignmentError("Hãy chọn một khóa học đã nạp.")
    if course.audience is not ROLE_AUDIENCES[request.role]:
        raise AssignmentError("Khóa học này không dành cho đối tượng đã chọn. Hãy chọn khóa "
                              "học của đối tượng đó.")
    grade_min, grade_max = request.grade_min, request.grade_max
    if request.role is not Role.STUDENT:
        grade_min = grade_max = None
    elif grade_min is not None or grade_max is not None:
        low, high = grade_min or 1, grade_max or 12
        if not 1 <= low <= high <= 12:
            raise AssignmentError("Khối lớp phải từ 1 đến 12, khối đầu không lớn hơn khối "
                                  "cuối.")
        grade_min, grade_max = low, high
    due_on, due_days = request.due_on, request.due_days
    if request.due_kind is DueKind.FIXED:
        if due_on is None:
            raise AssignmentError("Hãy nhập hạn hoàn thành (ngày/tháng/năm).")
        if due_on < today:
            raise AssignmentError("Hạn hoàn thành đã qua. Hãy chọn một ngày từ hôm nay trở đi.")
        due_days = None
    else:
        if due_days is None or not 1 <= due_days <= MAX_DUE_DAYS:
            raise AssignmentError(f"Số ngày phải từ 1 đến {MAX_DUE_DAYS}.")
        due_on = None
    assignment = Assignment(
        course_id=course.id,
        requirement_id=request.requirement.id if request.requirement is not None else None,
        org_unit_id=unit.id, role=request.role, grade_min=grade_min, grade_max=grade_max,
        due_kind=request.due_kind, due_on=due_on, due_days=due_days, active=True,
        created_by_id=actor.id,
    )
    session.add(assignment)
    session.flush()
    record_event(
        session, "assignment_added", actor_id=actor.id, org_unit_id=unit.id,
        assignment_id=assignment.id, course_id=course.id, role=request.role.value,
        due_kind=request.due_kind.value, due_on=due_on.isoformat() if due_on else None,
        due_days=due_days,
    )
    return assignment


def assignments_within(session: Session, unit: OrgUnit) -> list[Assignment]:
    """Return the assignments set at ``unit`` or inside its subtree, active ones first."""
    return list(session.scalars(
        select(Assignment)
        .join(OrgUnit, OrgUnit.id == Assignment.org_unit_id)
        .where(subtree_condition(OrgUnit.path, unit.path))
        .order_by(Assignment.active.desc(), Assignment.created_at.desc(), Assignment.id.desc())
    ))


def deactivate(session: Session, unit: OrgUnit, assignment_id: int, *, actor: User) -> Assignment:
    """Stop an assignment of ``unit``'s subtree (kept, inactive, for the record).

    :raises AssignmentError: (404) when no assignment of the subtree has this id.
    """
    assignment = session.scalars(
        select(Assignment)
        .join(OrgUnit, OrgUnit.id == Assignment.org_unit_id)
        .where(Assignment.id == assignment_id, subtree_condition(OrgUnit.path, unit.path))
    ).first()
    if assignment is None:
        error = AssignmentError("Không tìm thấy khóa học được giao này. Hãy mở lại danh sách.")
        error.status_code = 404
        raise error
    if assignment.active:
        assignment.active = False
        record_event(session, "assignment_deactivated", actor_id=actor.id,
                     org_unit_id=assignment.org_unit_id, assignment_id=assignment.id)
    return assignment
