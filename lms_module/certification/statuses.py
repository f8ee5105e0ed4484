"""Where each person of a school stands on each course assigned to them, and BDTX periods.

Statuses, per person and assigned course: assigned (no deadline) → due (a deadline ahead) →
overdue (the deadline passed) → certified → expiring (within the window before expiry) →
expired (re-training needed). A revoked certificate counts as none.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from lms_module.certification.models import Assignment, Certificate
from lms_module.db import subtree_condition
from lms_module.learning.models import Course
from lms_module.orgs.models import OrgKind, OrgUnit
from lms_module.people.models import Membership, Role, User
from lms_module.school_years.year import SchoolYear


class TrainingStatus(enum.StrEnum):
    """Where a person stands on one assigned course."""

    ASSIGNED = "assigned"
    DUE = "due"
    OVERDUE = "overdue"
    CERTIFIED = "certified"
    EXPIRING = "expiring"
    EXPIRED = "expired"


#: The statuses a school manager must act on.
NEEDS_ACTION = (
    TrainingStatus.OVERDUE, TrainingStatus.DUE, TrainingStatus.EXPIRED, TrainingStatus.EXPIRING
)


@dataclass(frozen=True)
class PersonCourseStatus:
    """One person's standing on one assigned course."""

    user_id: int
    full_name: str
    unit_name: str  # the class for students, the school for staff
    role: Role
    course: Course
    status: TrainingStatus
    due_on: dt.date | None
    expires_on: dt.date | None


def status_for(
    *,
    today: dt.date,
    due_on: dt.date | None,
    has_certificate: bool,
    expires_on: dt.date | None,
    expiring_window_days: int,
) -> TrainingStatus:
    """Return the status from the deadline and the best unrevoked certificate, if any.

    :param expires_on: the latest expiry of the person's unrevoked certificates of the course
        (``None`` with ``has_certificate``: a certificate that never expires).
    """
    if has_certificate:
        if expires_on is None:
            return TrainingStatus.CERTIFIED
        if expires_on < today:
            return TrainingStatus.EXPIRED
        if expires_on - today <= dt.timedelta(days=expiring_window_days):
            return TrainingStatus.EXPIRING
        return TrainingStatus.CERTIFIED
    if due_on is None:
        return TrainingStatus.ASSIGNED
    return TrainingStatus.OVERDUE if due_on < today else TrainingStatus.DUE


def school_assignments(session: Session, school: OrgUnit) -> list[Assignment]:
    """Return the active assignments that reach into ``school``: above it, at it or below it."""
    return list(
        session.scalars(
            select(Assignment)
            .join(OrgUnit, OrgUnit.id == Assignment.org_unit_id)
            .where(
                Assignment.active.is_(True),
                or_(
                    Assignment.org_unit_id.in_(school.ancestor_ids),
                    subtree_condition(OrgUnit.path, school.path),
                ),
            )
            .order_by(Assignment.id)
        )
    )


def training_statuses(
    session: Session, school: OrgUnit, *, today: dt.date, expiring_window_days: int
) -> list[PersonCourseStatus]:
    """Return every (person, assigned course) status of ``school``'s active members, by name."""
    assignments = school_assignments(session, school)
    if not assignments:
        return []
    roles = {assignment.role for assignment in assignments}
    members = session.execute(
        select(User.id, User.full_name, Membership.role, OrgUnit)
        .join(Membership, Membership.user_id == User.id)
        .join(OrgUnit, OrgUnit.id == Membership.org_unit_id)
        .where(
            subtree_condition(OrgUnit.path, school.path),
            Membership.active.is_(True),
            Membership.role.in_(roles),
            User.active.is_(True),
        )
        .order_by(User.full_name, User.id)
    ).all()
    courses = {a.course_id: a.course for a in assignments}
    # (user, course) -> earliest deadline among the assignments that reach them
    required: dict[tuple[int, int], tuple[dt.date | None, str, Role, str]] = {}
    for user_id, full_name, role, unit in members:
        for assignment in assignments:
            # An assignment reaches the members of its unit's subtree (a class, a school...).
            if assignment.role is not role or not unit.path.startswith(assignment.org_unit.path):
                continue
            grade = unit.grade if unit.kind is OrgKind.CLASS else None
            if role is Role.STUDENT and not assignment.covers_grade(grade):
                continue
            key = (user_id, assignment.course_id)
            due = assignment.due_on
            if key in required:
                previous = required[key][0]
                if previous is not None and (due is None or previous <= due):
                    due = previous
            required[key] = (due, full_name, role, unit.name)
    if not required:
        return []
    best = _best_certificates(
        session, {user_id for user_id, _ in required}, {course_id for _, course_id in required}
    )
    rows = []
    for (user_id, course_id), (due_on, full_name, role, unit_name) in required.items():
        found = best.get((user_id, course_id))
        rows.append(
            PersonCourseStatus(
                user_id=user_id,
                full_name=full_name,
                unit_name=unit_name,
                role=role,
                course=courses[course_id],
                status=status_for(
                    today=today,
                    due_on=due_on,
                    has_certificate=found is not None,
                    expires_on=found[1] if found else None,
                    expiring_window_days=expiring_window_days,
                ),
                due_on=due_on,
                expires_on=found[1] if found else None,
            )
        )
    return rows


def _best_certificates(
    session: Session, user_ids: set[int], course_ids: set[int]
) -> dict[tuple[int, int], tuple[int, dt.date | None]]:
    """Return, per (user, course), the unrevoked certificate that lasts longest."""
    best: dict[tuple[int, int], tuple[int, dt.date | None]] = {}
    rows = session.execute(
        select(Certificate.user_id, Certificate.course_id, Certificate.id, Certificate.expires_on)
        .where(
            Certificate.user_id.in_(user_ids),
            Certificate.course_id.in_(course_ids),
            Certificate.revoked_at.is_(None),
        )
    ).all()
    for user_id, course_id, certificate_id, expires_on in rows:
        key = (user_id, course_id)
        current = best.get(key)
        if current is None or (
            current[1] is not None and (expires_on is None or expires_on > current[1])
        ):
            best[key] = (certificate_id, expires_on)
    return best


# ------------------------------------------------------------------ in-service periods (BDTX)


@dataclass
class InServiceRecord:
    """A teacher's or manager's periods (tiết) earned from certificates in one school year."""

    user_id: int
    full_name: str
    staff_code: str | None
    roles: set[Role] = field(default_factory=set)
    periods: int = 0
    courses: list[tuple[str, str, dt.date, int]] = field(default_factory=list)
    """(serial, course title, issued on, periods) of each counted certificate."""


def in_service_periods(
    session: Session, school: OrgUnit, school_year: str, *, language: str = "vi"
) -> list[InServiceRecord]:
    """Return each active teacher's and manager's periods earned in ``school_year``, by name.

    A certificate counts in the school year it was issued in, unless revoked (a re-issue
    replaces it, so a course counts once); it still counts after it expires, since the
    training was done that year.
    """
    year = SchoolYear.parse(school_year)
    people = session.execute(
        select(User.id, User.full_name, User.staff_code, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .join(OrgUnit, OrgUnit.id == Membership.org_unit_id)
        .where(
            subtree_condition(OrgUnit.path, school.path),
            Membership.active.is_(True),
            Membership.role.in_((Role.TEACHER, Role.SCHOOL_MANAGER)),
            User.active.is_(True),
        )
        .order_by(User.full_name, User.id)
    ).all()
    records: dict[int, InServiceRecord] = {}
    for user_id, full_name, staff_code, role in people:
        record = records.setdefault(user_id, InServiceRecord(user_id, full_name, staff_code))
        record.roles.add(role)
    if not records:
        return []
    certificates = session.scalars(
        select(Certificate)
        .where(
            Certificate.user_id.in_(records),
            Certificate.revoked_at.is_(None),
            Certificate.credit_periods > 0,
            Certificate.issued_on >= year.first_day,
            Certificate.issued_on <= year.last_day,
        )
        .order_by(Certificate.issued_on, Certificate.id)
    )
    counted: dict[int, set[int]] = defaultdict(set)
    for certificate in certificates:
        if certificate.completion_id in counted[certificate.user_id]:
            continue
        counted[certificate.user_id].add(certificate.completion_id)
        record = records[certificate.user_id]
        record.periods += certificate.credit_periods
        record.courses.append(
            (
                certificate.serial,
                certificate.course_title(language),
                certificate.issued_on,
                certificate.credit_periods,
            )
        )
    return list(records.values())
