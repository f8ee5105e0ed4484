"""Demo certificates: a few demo people finish their courses, so the demo shows certificates."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms_module.certification.models import Certificate
from lms_module.learning.models import BlockUsage, Course
from lms_module.learning.services import (
    complete_course_if_done,
    course_progress,
    courses_for_user,
    record_block_completion,
    record_grade,
)
from lms_module.people.models import User
from lms_module.people.services import user_by_username

#: Demo accounts that finish every course written for them (a teacher, a manager, two
#: students). The other demo sign-ins (gv1.thtp, nv.thtp, hs.thtp.2, hs.lcshptdtbt.7) are left
#: untouched, to show a first visit (lms_module/demo/services.py, DEMO_ACCOUNTS).
DEMO_LEARNERS = ("gv2.thtp", "ql.thtp", "hs.thtp.4", "hs.thptlc.11")


def finish_course(session: Session, user: User, course: Course) -> None:
    """Complete every block of ``course`` with full marks as ``user`` (demo data only)."""
    blocks = session.scalars(
        select(BlockUsage).where(BlockUsage.course_version_id == course.current_version_id)
    ).all()
    for block in blocks:
        if block.has_score and block.weight > 0:
            record_grade(session, user, course, block.usage_id, 1.0, 1.0)
        if block.completion_mode == "completable":
            record_block_completion(session, user, course, block.usage_id, 1.0)
    complete_course_if_done(session, user, course)


def issue_demo_certificates(session: Session) -> list[Certificate]:
    """Let the demo learners finish their courses (idempotent); return their certificates.

    Completion goes through the learning services, so the certificates are issued the way a
    real completion issues them (the ``course_completed`` signal).
    """
    learners = [
        user for name in DEMO_LEARNERS if (user := user_by_username(session, name)) is not None
    ]
    for user in learners:
        for course in courses_for_user(session, user):
            if course_progress(session, user, course).completed_at is None:
                finish_course(session, user, course)
    session.flush()
    return list(
        session.scalars(
            select(Certificate)
            .where(Certificate.user_id.in_([user.id for user in learners]))
            .order_by(Certificate.id)
        )
    )
