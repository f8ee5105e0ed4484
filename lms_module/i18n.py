"""Languages and formats: Vietnamese first, English second, dates as dd/mm/yyyy."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Flask, current_app, has_request_context, request
from flask_babel import Babel, format_date

TRANSLATIONS_DIR = str(Path(__file__).parent / "translations")
LANGUAGE_COOKIE = "lms_lang"


def select_locale() -> str:
    """Pick the language: the visitor's choice (cookie), else the browser's, else Vietnamese."""
    languages: list[str] = current_app.config["LMS_LANGUAGES"]
    if not has_request_context():  # CLI commands and jobs speak the default language
        return languages[0]
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or languages[0]


def init_i18n(app: Flask) -> None:
    """Set up Flask-Babel, or add our catalogue to the host app's own Flask-Babel."""
    if "babel" in app.extensions:
        app.extensions["babel"].translation_directories.append(TRANSLATIONS_DIR)
    else:
        Babel(
            app,
            default_locale=app.config["LMS_LANGUAGES"][0],
            default_timezone=app.config["LMS_TIMEZONE"],
            default_translation_directories=TRANSLATIONS_DIR,
            locale_selector=select_locale,
        )
    app.jinja_env.filters["vn_date"] = vn_date


def local_today() -> dt.date:
    """Return today's date in the configured time zone (Vietnam is UTC+7: the UTC date lags)."""
    return dt.datetime.now(ZoneInfo(current_app.config["LMS_TIMEZONE"])).date()


def vn_date(value: dt.date | dt.datetime | None) -> str:
    """Format a date as dd/mm/yyyy (the Vietnamese administrative format), in local time."""
    if value is None:
        return ""
    return str(format_date(value, "dd/MM/yyyy"))
