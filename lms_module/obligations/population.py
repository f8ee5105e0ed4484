"""The two rules every obligation, status and coverage figure rests on (DESIGN.md section 5).

* **population** (:func:`population_conditions`): the active members of a role in a school
  year. Students are counted in the classes of the school year (by the class's grade),
  adults (teachers, staff, school managers) at the unit of their membership for that school
  year. A closed school year (``lms rollover``) is taken as it stood at its close.
* **covered** (:func:`valid_certificate`): holding, on the reporting date, a certificate of
  any course of the requirement that was issued on or before that date, is not revoked, and
  does not end before it (:func:`certificate_ends`: a certificate is valid through its
  ``expires_on`` day, or through its ``retrain_by`` day when a re-training rule set an
  earlier one).

Both are SQL conditions, so that the coverage rollup counts (an aggregate, at national size)
and the named lists (:mod:`~lms_module.obligations.query`) select exactly the same people.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, or_

from lms_module.certification.models import Certificate
from lms_module.learning.models import AUDIENCE_ROLES
from lms_module.orgs.models import OrgKind
from lms_module.people.models import Membership, Role, User
from lms_module.school_years.models import YearEndMembership

#: The audiences a target may have, in the order reports list them.
COVERAGE_AUDIENCES = tuple(AUDIENCE_ROLES)


def population_conditions(
    role: Role, year: str, member_unit: Any, *, closed: bool
) -> list[ColumnElement[bool]]:
    """Return the WHERE conditions selecting the members of ``role`` counted in ``year``.

    The query must select from :class:`Membership` joined to :class:`User` and, as
    ``member_unit``, to the membership's org unit (an alias of ``OrgUnit``).

    :param closed: whether ``lms rollover`` closed ``year``
        (:func:`~lms_module.school_years.closing.is_closed`): then the members are those
        remembered at the close, whatever happened to their accounts since.
    """
    conditions: list[ColumnElement[bool]] = [Membership.role == role]
    if role is Role.STUDENT:
        conditions += [member_unit.kind == OrgKind.CLASS, member_unit.school_year == year]
    if closed:
        conditions.append(
            exists().where(
                YearEndMembership.membership_id == Membership.id,
                YearEndMembership.school_year == year,
            )
        )
    else:
        conditions += [Membership.active.is_(True), User.active.is_(True)]
        if role is not Role.STUDENT:
            conditions.append(
                or_(Membership.school_year == year, Membership.school_year.is_(None))
            )
    return conditions


def held_certificate(course_ids: Sequence[int], day: Any) -> ColumnElement[bool]:
    """Conditions on :class:`Certificate` for "held on ``day``": a certificate of one of the
    courses, issued by then and not revoked (expired or not; holder not included)."""
    return and_(
        Certificate.course_id.in_(course_ids),
        Certificate.revoked_at.is_(None),
        Certificate.issued_on <= day,
    )


def certificate_ends() -> ColumnElement[Any]:
    """The last day :class:`Certificate` counts, in SQL: the earlier of ``expires_on`` and
    ``retrain_by`` (NULL: never ends). Every query that asks until when a certificate is
    valid uses this expression; :func:`ends_on` is the same rule in Python."""
    return case(
        (Certificate.retrain_by.is_(None), Certificate.expires_on),
        (Certificate.expires_on.is_(None), Certificate.retrain_by),
        (Certificate.retrain_by < Certificate.expires_on, Certificate.retrain_by),
        else_=Certificate.expires_on,
    )


def ends_on(certificate: Certificate) -> dt.date | None:
    """Return the last day ``certificate`` counts (``None``: never ends), as
    :func:`certificate_ends` computes it in SQL."""
    days = [d for d in (certificate.expires_on, certificate.retrain_by) if d is not None]
    return min(days) if days else None


def counts_on(certificate: Certificate, day: dt.date) -> bool:
    """Tell whether ``certificate`` counts on ``day`` (:func:`valid_certificate` in Python):
    not revoked, and ``day`` not after :func:`ends_on`."""
    last = ends_on(certificate)
    return certificate.revoked_at is None and (last is None or day <= last)


def valid_certificate(course_ids: Sequence[int], day: Any) -> ColumnElement[bool]:
    """Conditions on :class:`Certificate` for "counts on ``day``": held and not ended
    (neither expired nor past a re-training deadline; holder not included)."""
    ends = certificate_ends()
    return and_(held_certificate(course_ids, day), or_(ends.is_(None), ends >= day))
