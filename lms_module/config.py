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
    #: Time zone in which dates are shown (and in which "today" is taken).
    "LMS_TIMEZONE": "Asia/Ho_Chi_Minh",
    #: The current school year, written ``2026-2027``. ``None``: the school year today falls
    #: in (a school year starts on 1 August).
    "LMS_SCHOOL_YEAR": None,
    #: Sign-in requests (password form and QR card) allowed per client address (Flask-Limiter
    #: syntax). Generous: a school's computer room or a class of phones shares one address.
    "LMS_LOGIN_RATE_LIMIT": "300 per minute; 3000 per hour",
    #: Failed sign-ins allowed per account (username typed) and per QR card.
    "LMS_LOGIN_ACCOUNT_RATE_LIMIT": "5 per minute; 20 per hour",
    #: Where Flask-Limiter keeps its counters: ``memory://`` counts per process (one process
    #: only); ``redis://host:6379`` (or ``redis+unix:///path/redis.sock``) when several gunicorn
    #: workers or hosts serve, so that they count together.
    "LMS_RATELIMIT_STORAGE_URI": "memory://",
    #: Largest roster file accepted, in bytes.
    "LMS_MAX_UPLOAD_BYTES": 5 * 1024 * 1024,
    #: Largest course archive (.tar.gz) an author may load, in bytes.
    "LMS_MAX_COURSE_BYTES": 50 * 1024 * 1024,
    #: Largest body of any other request (forms, block handler calls), in bytes.
    "LMS_MAX_REQUEST_BYTES": 256 * 1024,
    #: Minutes without a request after which a session ends (adults, students on shared devices).
    "LMS_IDLE_MINUTES": 30,
    "LMS_STUDENT_IDLE_MINUTES": 15,
    #: Hours after sign-in at which a session ends however active it is.
    "LMS_SESSION_MAX_HOURS": 12,
    #: Largest number of rows in one roster file.
    "LMS_MAX_ROSTER_ROWS": 5000,
    #: Largest number of rows in one roster file imported for a whole province, legacy district
    #: or commune (the Sở's export of the sector database); it is checked and imported as a job.
    "LMS_MAX_PROVINCE_ROSTER_ROWS": 300_000,
    #: Largest roster file accepted for a province, legacy district or commune, in bytes.
    "LMS_MAX_PROVINCE_UPLOAD_BYTES": 64 * 1024 * 1024,
    #: Send session cookies over HTTPS only. Turn off only for local demos over plain HTTP.
    "LMS_SECURE_COOKIES": True,
    #: Public base URL (``https://hoc.example.edu.vn``) of every absolute link the app prints:
    #: QR login cards, certificate verification. Required for those; it also sets Flask's
    #: ``TRUSTED_HOSTS`` (unless set), so a request for another Host is refused.
    "LMS_PUBLIC_BASE_URL": None,
    #: Child protection hotline shown on every student page.
    "LMS_HOTLINE": "111",
    #: Where the quick-exit button leads (a neutral page that does not reveal the visit).
    "LMS_QUICK_EXIT_URL": "https://www.google.com.vn/search?q=th%E1%BB%9Di+ti%E1%BA%BFt",
    #: Days a printed parent letter's code can be used (printing the class again, or revoking,
    #: ends it sooner).
    "LMS_PARENT_LETTER_DAYS": 60,
    #: Adults one parent letter can link to its child (two parents, by default).
    "LMS_PARENT_LETTER_USES": 2,
    #: Wrong parent-letter codes allowed per client address (Flask-Limiter syntax); a right
    #: code is not counted. Each code is also limited like a QR card (``LMS_LOGIN_ACCOUNT_
    #: RATE_LIMIT``).
    "LMS_PARENT_CODE_RATE_LIMIT": "10 per minute; 60 per hour",
    #: What a parent's withdrawal (or refusal) of consent does: ``"unlink"`` ends the link
    #: (the parent sees nothing of the child any more; the school keeps the child's school
    #: records); ``"unlink-and-erase"`` also files a request to erase the child's data with
    #: the child's school, which its managers act on.
    "LMS_CONSENT_WITHDRAWAL": "unlink",
    #: Redis of the job queue (RQ): ``redis://host:6379/0`` or ``redis+unix:///path/redis.sock``.
    #: ``None``: no queue; long work (ZIPs, imports, exports) then runs in the request itself.
    "LMS_REDIS_URL": None,
    #: Name of the RQ queue the module's jobs go to (workers listen on it).
    "LMS_QUEUE_NAME": "lms",
    #: Times RQ runs a job again after an unexpected failure (a lost worker, a database
    #: restart).
    "LMS_JOB_RETRIES": 3,
    #: Seconds RQ waits before each of those runs (the last one repeats for further runs).
    "LMS_JOB_RETRY_SECONDS": [10, 30, 120],
    #: Longest a job may run, in seconds, before its worker stops it.
    "LMS_JOB_TIMEOUT_SECONDS": 3600,
    #: Outgoing mail for notifications. ``None``: e-mail is off (in-app notices only).
    "LMS_SMTP_HOST": None,
    "LMS_SMTP_PORT": 25,
    #: ``"starttls"``, ``"ssl"`` or ``"none"`` (a relay on the same host).
    "LMS_SMTP_SECURITY": "starttls",
    "LMS_SMTP_USERNAME": None,
    "LMS_SMTP_PASSWORD": None,
    #: The sender's address, e.g. ``"Trường học an toàn <khong-tra-loi@hoc.example.edu.vn>"``.
    "LMS_MAIL_FROM": None,
}


def apply_defaults(app: Flask) -> None:
    """Fill in missing ``LMS_*`` keys from the environment, then from :data:`DEFAULTS`."""
    from_env = Config(app.root_path)
    from_env.from_prefixed_env(prefix="LMS")
    for key, value in from_env.items():
        app.config.setdefault(f"LMS_{key}", value)
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
