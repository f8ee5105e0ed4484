"""The demo's reminders: a staff course due 30 days after joining, and one sweep.

At Trường Tiểu học Tân Phong, the school's staff must take *Nhân viên trường học an toàn*
within 30 days of joining; ``nv.thtp`` joined 60 days ago and has not started, so the sweep
tells them it is overdue and, being 30 days late (past the 14 days of the default settings),
tells the school's manager ``ql.thtp``, whose home page then lists it under "Việc cần xử lý".
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms_module.learning.models import Course
from lms_module.notifications.services import SweepSummary, sweep
from lms_module.obligations.models import Assignment, DueKind
from lms_module.orgs.services import unit_by_code
from lms_module.people.models import Membership, Role, User

SCHOOL_CODE = "DEMO-TH-TP"
STAFF_COURSE = "nhan-vien-truong-hoc"
STAFF_USERNAME = "nv.thtp"
#: Days after joining the staff course is due, and how long ago the demo's staff member joined.
DUE_DAYS = 30
JOINED_DAYS_AGO = 60


def add_demo_reminders(session: Session, today: dt.date) -> SweepSummary | None:
    """Add the staff assignment (idempotent), date ``nv.thtp``'s joining, commit, and sweep
    the school for ``today`` (a second run sends nothing new)."""
    school = unit_by_code(session, SCHOOL_CODE)
    course = session.scalar(select(Course).where(Course.slug == STAFF_COURSE))
    staff = session.scalar(select(User).where(User.username == STAFF_USERNAME))
    if school is None or course is None or staff is None:
        return None
    exists = session.scalar(select(Assignment.id).where(
        Assignment.org_unit_id == school.id, Assignment.course_id == course.id,
        Assignment.role == Role.STAFF, Assignment.due_kind == DueKind.AFTER_JOINING,
    ))
    if exists is None:
        session.add(Assignment(
            course_id=course.id, org_unit_id=school.id, role=Role.STAFF,
            due_kind=DueKind.AFTER_JOINING, due_days=DUE_DAYS,
        ))
    for membership in session.scalars(select(Membership).where(
        Membership.user_id == staff.id, Membership.org_unit_id == school.id,
        Membership.role == Role.STAFF, Membership.started_on.is_(None),
    )):
        membership.started_on = today - dt.timedelta(days=JOINED_DAYS_AGO)
    session.commit()
    return sweep(session, today=today, within=school)
