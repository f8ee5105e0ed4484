"""Where a person stands on one obligation: assigned, due, overdue, certified, expiring, expired.

Statuses: assigned (no deadline) → due (a deadline ahead) → overdue (the deadline passed) →
certified → expiring (within the window before expiry) → expired (re-training needed). A
revoked certificate counts as none. Certified and expiring are exactly "covered" in the
coverage figures (:func:`~lms_module.obligations.population.valid_certificate`).
"""

from __future__ import annotations

import datetime as dt
import enum


class TrainingStatus(enum.StrEnum):
    """Where a person stands on one obligation."""

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
#: The statuses of people who are covered (hold a valid certificate).
COVERED = (TrainingStatus.CERTIFIED, TrainingStatus.EXPIRING)


def status_for(
    *,
    today: dt.date,
    due_on: dt.date | None,
    has_certificate: bool,
    expires_on: dt.date | None,
    expiring_window_days: int,
) -> TrainingStatus:
    """Return the status from the deadline and the best unrevoked certificate, if any.

    :param expires_on: the latest expiry of the person's unrevoked certificates that satisfy
        the obligation (``None`` with ``has_certificate``: a certificate that never expires).
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
