"""What attending a staff training held in person earns: the course's certificate or not, and
the in-service training periods (tiết BDTX).

The certificate's receiver (:func:`~lms_module.certification.services.issue_on_completion`)
and the BDTX count (:func:`~lms_module.certification.statuses.in_service_periods`) both ask
these two functions, so that a session's terms are read one way.
"""

from __future__ import annotations

from lms_module.in_person.models import InPersonSession
from lms_module.learning.models import Course

#: The most periods a session may give (the bound a course's ``credit_periods`` is loaded
#: with, ``learning.course_loader``).
MAX_PERIODS = 120


def session_periods(record: InPersonSession, course: Course) -> int:
    """Return the periods each attendee of ``record`` earns: the session's, else the
    course's."""
    if record.credit_periods is not None:
        return record.credit_periods
    return course.credit_periods


def issues_certificates(record: InPersonSession | None) -> bool:
    """Tell whether a completion made by attending ``record`` gets the course's certificate
    (``None``: a completion online, which always does)."""
    return record is None or record.issue_certificates
