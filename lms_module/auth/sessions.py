"""Signed-in sessions that end: a fresh session at sign-in, idle and absolute limits, versions.

The session cookie (Flask's signed cookie) carries the user's session version, when the
session started and when it was last used. A session is over when the user's version moved on
(sign-out, card revocation, new password, deactivation: :func:`people.services.end_sessions`),
when it was idle too long (shorter for students, who share devices), or when it is older than
the absolute lifetime, whatever its activity.
"""

from __future__ import annotations

import time

from flask import current_app, session
from flask_login import login_user

from lms_module.people.models import User

VERSION_KEY = "lms_sv"
STARTED_KEY = "lms_started"
SEEN_KEY = "lms_seen"
IDLE_KEY = "lms_idle"

#: "Last used" is rewritten at most this often, so most requests do not resend the cookie.
SEEN_GRANULARITY_SECONDS = 60


def _now() -> int:
    return int(time.time())


def start_session(user: User, *, student: bool) -> None:
    """Sign ``user`` in on a fresh session (nothing of the anonymous one survives).

    Clearing first also drops the anonymous visitor's CSRF token, so a token seen before
    sign-in is worthless after it.
    """
    config = current_app.config
    idle_minutes = config["LMS_STUDENT_IDLE_MINUTES" if student else "LMS_IDLE_MINUTES"]
    now = _now()
    session.clear()
    login_user(user)
    session.permanent = True  # the cookie expires with PERMANENT_SESSION_LIFETIME
    session[VERSION_KEY] = user.session_version
    session[STARTED_KEY] = now
    session[SEEN_KEY] = now
    session[IDLE_KEY] = int(idle_minutes) * 60


def session_is_current(user: User) -> bool:
    """Tell whether the request's session for ``user`` is still valid; note its use if so."""
    now = _now()
    started = session.get(STARTED_KEY)
    seen = session.get(SEEN_KEY)
    idle = session.get(IDLE_KEY)
    if not all(isinstance(v, int) for v in (started, seen, idle)):
        return False
    assert isinstance(started, int) and isinstance(seen, int) and isinstance(idle, int)
    lifetime = int(current_app.config["LMS_SESSION_MAX_HOURS"]) * 3600
    if session.get(VERSION_KEY) != user.session_version:
        return False
    if now - seen > idle or now - started > lifetime:
        return False
    if now - seen >= SEEN_GRANULARITY_SECONDS:
        session[SEEN_KEY] = now
    return True
