"""Configuration keys of the module, their defaults and how they are loaded.

Every key starts with ``LMS_``; environment variables of the same name override the defaults
(values are parsed as JSON when they can be, like ``Flask.config.from_prefixed_env``).
"""

from __future__ import annotations

from typing import Any

from flask import Config, Flask

DEFAULTS: dict[str, Any] = {
    #: SQLAlchemy URL of the database. ``None``: a SQLite file ``lms.sqlite3`` in the
    #: instance folder. PostgreSQL: ``postgresql+psycopg://user:password@host/dbname``.
    "LMS_DATABASE_URL": None,
    #: URL prefix the module's pages are mounted under ("" at the root, "/lms" in a host app).
    "LMS_URL_PREFIX": "",
    #: Languages offered, first is the default.
    "LMS_LANGUAGES": ["vi", "en"],
    #: Time zone in which dates are shown.
    "LMS_TIMEZONE": "Asia/Ho_Chi_Minh",
    #: Sign-in attempts allowed per client address (Flask-Limiter syntax).
    "LMS_LOGIN_RATE_LIMIT": "10 per minute; 100 per hour",
    #: Where Flask-Limiter keeps its counters: ``memory://`` for one process; use
    #: ``redis://...`` or ``memcached://...`` when several gunicorn workers or hosts serve.
    "LMS_RATELIMIT_STORAGE_URI": "memory://",
    #: Largest roster file accepted, in bytes.
    "LMS_MAX_UPLOAD_BYTES": 5 * 1024 * 1024,
    #: Largest number of rows in one roster file.
    "LMS_MAX_ROSTER_ROWS": 5000,
    #: Send session cookies over HTTPS only. Turn off only for local demos over plain HTTP.
    "LMS_SECURE_COOKIES": True,
    #: Public base URL used in QR codes (login cards, certificates); ``None``: the request's.
    "LMS_PUBLIC_BASE_URL": None,
    #: Child protection hotline shown on every student page.
    "LMS_HOTLINE": "111",
    #: Where the quick-exit button leads (a neutral page that does not reveal the visit).
    "LMS_QUICK_EXIT_URL": "https://www.google.com.vn/search?q=th%E1%BB%9Di+ti%E1%BA%BFt",
}


def apply_defaults(app: Flask) -> None:
    """Fill in missing ``LMS_*`` keys from the environment, then from :data:`DEFAULTS`."""
    from_env = Config(app.root_path)
    from_env.from_prefixed_env(prefix="LMS")
    for key, value in from_env.items():
        app.config.setdefault(f"LMS_{key}", value)
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
