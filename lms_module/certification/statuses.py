"""Teachers' and managers' in-service training periods (BDTX) earned from certificates.

Where each person stands on what they must complete (the training statuses) is the
obligations' business: :mod:`lms_module.obligations.statuses`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms_module.certification.models import Certificate
from lms_module.core.collation import person_sort_key
from lms_module.db import subtree_condition
from lms_module.orgs.models import OrgUnit
from lms_module.people.models import Membership, Role, User
from lms_module.school_years.year import SchoolYear

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
    """Return each active teacher's and manager's periods earned in ``school_year``, by name
    (given name first, in Vietnamese order: :mod:`~lms_module.core.collation`).

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
        .order_by(User.id)
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
    return sorted(records.values(), key=lambda r: (person_sort_key(r.full_name), r.user_id))
