"""Courses opened again: renewal before a certificate ends, re-training after a course change.

Opening a course again adds a :class:`~lms_module.learning.models.CourseAttempt` (number 2,
3...): from its ``opened_at`` the learner's progress counts afresh
(:func:`~lms_module.learning.services.current_attempt`), and completing the course records a
completion of that attempt, which issues a new certificate through the usual
``course_completed`` path. The old certificate stays in the history and ends on its own date
(expired, never revoked).

A course is opened again only by a POST (the learner's "Học lại để gia hạn", an author's
re-training rule) or by a caller such as the reminders' sweep (:func:`open_attempt`): pages
that show a course never write.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session

from lms_module.audit.services import record_event
from lms_module.certification.models import Certificate
from lms_module.core.errors import LMSError
from lms_module.db import utcnow
from lms_module.learning.models import (
    AttemptReason,
    Completion,
    Course,
    CourseAttempt,
    CourseVersion,
    RetrainingRule,
)
from lms_module.learning.services import current_attempt, lock_learner_progress
from lms_module.obligations.population import ends_on
from lms_module.people.models import User


class NothingToRenewError(LMSError):
    """The learner holds no certificate of the course that ends soon or has ended."""

    def __init__(self) -> None:
        super().__init__(
            "Chưa cần học lại khóa học này: giấy chứng nhận còn hạn, hoặc khóa học đã được mở "
            "lại. Hãy mở khóa học từ trang chủ."
        )


class RetrainingRuleError(LMSError):
    """A re-training rule that cannot be set as asked."""


def attempt_completed(session: Session, user_id: int, course_id: int, number: int) -> bool:
    """Tell whether the learner completed attempt ``number`` of the course (any version)."""
    return bool(session.scalar(select(exists().where(
        Completion.user_id == user_id,
        Completion.attempt == number,
        Completion.course_version_id.in_(
            select(CourseVersion.id).where(CourseVersion.course_id == course_id)
        ),
    ))))


def latest_certificate(session: Session, user_id: int, course_id: int) -> Certificate | None:
    """Return the learner's newest unrevoked certificate of the course, if any."""
    return session.scalars(
        select(Certificate)
        .where(Certificate.user_id == user_id, Certificate.course_id == course_id,
               Certificate.revoked_at.is_(None))
        .order_by(Certificate.issued_on.desc(), Certificate.id.desc())
        .limit(1)
    ).first()


@dataclass(frozen=True)
class RenewalOffer:
    """A certificate its holder may renew now by taking the course again."""

    certificate: Certificate
    #: The last day it counts (expiry, or the re-training deadline when earlier).
    ends_on: dt.date
    #: It has ended already (``False``: it ends within the window).
    ended: bool


def renewal_offer(
    session: Session, user: User, course: Course, *, today: dt.date, window_days: int
) -> RenewalOffer | None:
    """Return what ``user`` may renew in ``course`` now, or ``None``.

    Offered when their newest unrevoked certificate of the course ends within
    ``window_days`` (``LMS_EXPIRING_WINDOW_DAYS``) or has ended, and the attempt it was issued
    for is still the current one (once the course is opened again, there is nothing to offer).
    """
    certificate = latest_certificate(session, user.id, course.id)
    if certificate is None:
        return None
    last = ends_on(certificate)
    if last is None or (last - today).days > window_days:
        return None
    attempt = current_attempt(session, user.id, course.id)
    if certificate.completion.attempt != attempt.number:
        return None
    return RenewalOffer(certificate, last, last < today)


def renewable(
    session: Session, user: User, certificates: list[Certificate], *, today: dt.date,
    window_days: int,
) -> dict[int, Course]:
    """Return, among ``certificates`` (the user's), those they may renew now
    (:func:`renewal_offer`), by certificate id, with the course to take again."""
    found: dict[int, Course] = {}
    for course in {c.course_id: c.course for c in certificates}.values():
        if course.current_version_id is None:
            continue
        offer = renewal_offer(session, user, course, today=today, window_days=window_days)
        if offer is not None:
            found[offer.certificate.id] = course
    return found


def open_attempt(
    session: Session,
    user: User,
    course: Course,
    *,
    reason: AttemptReason,
    certificate: Certificate | None = None,
    actor: User | None = None,
    now: dt.datetime | None = None,
) -> CourseAttempt | None:
    """Open ``course`` again for ``user`` as a new attempt, unless their current attempt is
    still unfinished (then nothing changes: calling twice opens once).

    Safe for a sweep to call for everyone it finds (reminders, a re-training rule): it takes
    the learner's progress lock, so two callers at once add one row.

    :param certificate: the certificate being renewed or replaced, kept on the attempt.
    :returns: the new attempt, or ``None`` when the current attempt is not completed yet.
    """
    lock_learner_progress(session, user, course)
    attempt = current_attempt(session, user.id, course.id)
    if not attempt_completed(session, user.id, course.id, attempt.number):
        return None
    opened = CourseAttempt(
        user_id=user.id,
        course_id=course.id,
        number=attempt.number + 1,
        reason=reason,
        certificate_id=certificate.id if certificate is not None else None,
        opened_at=now or utcnow(),
    )
    session.add(opened)
    session.flush()
    record_event(
        session, "course_reopened", actor_id=actor.id if actor else None,
        subject_user_id=user.id, course_id=course.id, attempt=opened.number,
        reason=str(reason), certificate_id=opened.certificate_id,
    )
    return opened


def renew(session: Session, user: User, course: Course, *, today: dt.date,
          window_days: int) -> CourseAttempt:
    """Open ``course`` again for ``user`` to renew their certificate ("Học lại để gia hạn").

    :raises NothingToRenewError: when :func:`renewal_offer` offers nothing.
    """
    offer = renewal_offer(session, user, course, today=today, window_days=window_days)
    if offer is None:
        raise NothingToRenewError()
    opened = open_attempt(session, user, course, reason=AttemptReason.RENEWAL,
                          certificate=offer.certificate, actor=user)
    if opened is None:
        raise NothingToRenewError()
    return opened


# ------------------------------------------------------------------------------ re-training


def add_retraining_rule(
    session: Session,
    course: Course,
    *,
    issued_before: dt.date,
    retrain_by: dt.date,
    reason: str,
    actor: User,
    today: dt.date,
) -> tuple[RetrainingRule, int]:
    """Require everyone certified in ``course`` before ``issued_before`` to take it again by
    ``retrain_by``; people certified since keep their certificates as they are.

    Sets ``retrain_by`` on the unrevoked certificates issued before the date (an earlier
    deadline already set stays), which the validity rule reads everywhere
    (:func:`~lms_module.obligations.population.certificate_ends`); the UPDATE marks the
    holders' coverage for recomputation (:mod:`~lms_module.coverage.invalidation`). Each holder
    whose newest certificate is affected sees the course opened again (reason retraining).

    :returns: the rule and how many people must take the course again.
    :raises RetrainingRuleError: for dates that make no sense.
    """
    reason = reason.strip()
    if issued_before > today + dt.timedelta(days=1):
        raise RetrainingRuleError(
            "Ngày “cấp trước ngày” không được sau ngày mai: chỉ giấy chứng nhận đã cấp mới "
            "phải học lại."
        )
    if retrain_by < today:
        raise RetrainingRuleError("Hạn học lại đã qua. Hãy chọn hạn từ hôm nay trở đi.")
    if len(reason) > 500:
        raise RetrainingRuleError("Lý do dài quá 500 ký tự. Hãy viết ngắn hơn.")
    rule = RetrainingRule(
        course_id=course.id, course_version_id=course.current_version_id,
        issued_before=issued_before, retrain_by=retrain_by, reason=reason,
        created_by_id=actor.id,
    )
    session.add(rule)
    affected = (
        Certificate.course_id == course.id,
        Certificate.issued_on < issued_before,
        Certificate.revoked_at.is_(None),
    )
    session.execute(
        update(Certificate)
        .where(*affected, Certificate.retrain_by.is_(None) | (Certificate.retrain_by > retrain_by))
        .values(retrain_by=retrain_by)
        .execution_options(synchronize_session="fetch")
    )
    holders = session.scalars(
        select(Certificate.user_id).where(*affected).distinct().order_by(Certificate.user_id)
    ).all()
    reopened = 0
    for user_id in holders:
        certificate = latest_certificate(session, user_id, course.id)
        if certificate is None or certificate.retrain_by is None:
            continue  # certified again since the date: theirs stands
        user = session.get_one(User, user_id)
        if open_attempt(session, user, course, reason=AttemptReason.RETRAINING,
                        certificate=certificate, actor=actor) is not None:
            reopened += 1
    session.flush()
    record_event(
        session, "retraining_rule_added", actor_id=actor.id, course_id=course.id,
        rule_id=rule.id, issued_before=issued_before.isoformat(),
        retrain_by=retrain_by.isoformat(), reopened=reopened,
    )
    return rule, reopened


def retraining_rules(session: Session, course: Course) -> list[RetrainingRule]:
    """Return the course's re-training rules, newest first."""
    return list(session.scalars(
        select(RetrainingRule).where(RetrainingRule.course_id == course.id)
        .order_by(RetrainingRule.created_at.desc(), RetrainingRule.id.desc())
    ))
