"""Teachers' and managers' in-service training periods (BDTX) earned from certificates and
from staff trainings held in person.

Where each person stands on what they must complete (the training statuses) is the
obligations' business: :mod:`lms_module.obligations.statuses`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from lms_module.certification.models import Certificate
from lms_module.core.collation import person_sort_key
from lms_module.db import subtree_condition
from lms_module.in_person.credit import session_periods
from lms_module.in_person.models import InPersonSession
from lms_module.learning.models import Completion, Course
from lms_module.orgs.models import OrgUnit
from lms_module.people.models import Membership, Role, User
from lms_module.school_years.year import SchoolYear

# ------------------------------------------------------------------ in-service periods (BDTX)


@dataclass(frozen=True)
class EarnedPeriods:
    """One counted training: a course completed online or attended in person."""

    title: str
    #: The day it counts on: the certificate's issue day, or the session's day.
    day: dt.date
    periods: int
    #: The certificate's serial; ``None`` for a session that issued none.
    serial: str | None = None
    #: Where the session held in person took place; ``None`` for a course taken online.
    place: str | None = None

    @property
    def in_person(self) -> bool:
        """Whether the periods come from a session held in person."""
        return self.place is not None


@dataclass
class InServiceRecord:
    """A teacher's or manager's periods (tiết) earned in one school year."""

    user_id: int
    full_name: str
    staff_code: str | None
    roles: set[Role] = field(default_factory=set)
    periods: int = 0
    courses: list[EarnedPeriods] = field(default_factory=list)
    """Each counted training, by day."""


def in_service_periods(
    session: Session, school: OrgUnit, school_year: str, *, language: str = "vi"
) -> list[InServiceRecord]:
    """Return each active teacher's and manager's periods earned in ``school_year``, by name
    (given name first, in Vietnamese order: :mod:`~lms_module.core.collation`).

    A certificate counts in the school year it was issued in, unless revoked (a re-issue
    replaces it, so a course counts once); it still counts after it expires, since the
    training was done that year. Its periods are those printed on it: the course's, or those
    of the staff training held in person that made it. A staff training that issued no
    certificate counts its attendees' completions on the session's day, with the session's
    periods (:func:`~lms_module.in_person.credit.session_periods`), unless the completion
    got a certificate some other way.
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
        .order_by(User.id)
    ).all()
    records: dict[int, InServiceRecord] = {}
    for user_id, full_name, staff_code, role in people:
        record = records.setdefault(user_id, InServiceRecord(user_id, full_name, staff_code))
        record.roles.add(role)
    if not records:
        return []
    certificates = session.execute(
        select(Certificate, InPersonSession.place)
        .join(Completion, Completion.id == Certificate.completion_id)
        .outerjoin(InPersonSession, InPersonSession.id == Completion.in_person_session_id)
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
    earned: dict[int, list[EarnedPeriods]] = defaultdict(list)
    for certificate, place in certificates:
        if certificate.completion_id in counted[certificate.user_id]:
            continue
        counted[certificate.user_id].add(certificate.completion_id)
        earned[certificate.user_id].append(EarnedPeriods(
            certificate.course_title(language), certificate.issued_on,
            certificate.credit_periods, certificate.serial, place,
        ))
    attended = session.execute(
        select(Completion.user_id, InPersonSession, Course)
        .join(InPersonSession, InPersonSession.id == Completion.in_person_session_id)
        .join(Course, Course.id == InPersonSession.course_id)
        .where(
            Completion.user_id.in_(records),
            InPersonSession.issue_certificates.is_(False),
            InPersonSession.held_on >= year.first_day,
            InPersonSession.held_on <= year.last_day,
            ~exists().where(Certificate.completion_id == Completion.id),
        )
    ).all()
    for user_id, held, course in attended:
        periods = session_periods(held, course)
        if periods > 0:
            earned[user_id].append(
                EarnedPeriods(course.title(language), held.held_on, periods, place=held.place)
            )
    for user_id, items in earned.items():
        record = records[user_id]
        record.courses = sorted(items, key=lambda item: item.day)
        record.periods = sum(item.periods for item in items)
    return sorted(records.values(), key=lambda r: (person_sort_key(r.full_name), r.user_id))
