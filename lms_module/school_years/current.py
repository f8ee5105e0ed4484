"""The school year the application runs in: the ``LMS_SCHOOL_YEAR`` setting, or today's."""

from __future__ import annotations

from flask import current_app

from lms_module.i18n import local_today
from lms_module.school_years.year import SchoolYear


def current_school_year() -> SchoolYear:
    """Return ``LMS_SCHOOL_YEAR`` if set, else the school year today (``LMS_TIMEZONE``) is in.

    Needs an application context (a request or a CLI command).
    """
    return SchoolYear.current(local_today(), current_app.config.get("LMS_SCHOOL_YEAR"))
