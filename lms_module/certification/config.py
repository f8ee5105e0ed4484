"""Configuration keys of the certificates area and their defaults (same ``LMS_`` prefix).

They are set with ``app.config.setdefault`` when the area's blueprint is registered, so an
app's own settings and ``LMS_*`` environment variables (read by :mod:`lms_module.config`) win.
"""

from __future__ import annotations

from typing import Any

from flask.sansio.app import App

DEFAULTS: dict[str, Any] = {
    #: Verification look-ups allowed per client address (Flask-Limiter syntax), shared by the
    #: form and the QR link: enough for a person, too few to enumerate codes.
    "LMS_VERIFY_RATE_LIMIT": "30 per minute",
    #: Days before a certificate's expiry from which its holder is listed as "expiring".
    "LMS_EXPIRING_WINDOW_DAYS": 60,
    #: In-service training periods (tiết) a teacher needs per school year (BDTX).
    "LMS_INSERVICE_PERIODS_PER_YEAR": 120,
    #: Processes that render the PDFs of a large certificate ZIP job (0: one per CPU the job
    #: may use; 1: the job's own process only). Smaller ZIPs always render in the job.
    "LMS_CERTIFICATE_RENDER_PROCESSES": 0,
}


def apply_defaults(app: App) -> None:
    """Fill in the area's missing keys from :data:`DEFAULTS`."""
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
