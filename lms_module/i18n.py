"""Languages and formats: Vietnamese first, English second, dates as dd/mm/yyyy, numbers as the
page's language writes them (1.234 and 95,3% in Vietnamese; 1,234 and 95.3% in English)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.numbers import format_decimal, get_decimal_symbol
from babel.numbers import format_percent as babel_format_percent
from flask import Flask, current_app, has_app_context, has_request_context, request
from flask_babel import Babel, format_date, get_translations
from flask_babel import gettext as _
from jinja2.ext import (  # the i18n extension's own wrappers (escaping, %-formatting)
    _make_new_gettext,
    _make_new_ngettext,
    _make_new_npgettext,
    _make_new_pgettext,
)

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
    app.context_processor(page_translations)
    app.jinja_env.filters["vn_date"] = vn_date
    app.jinja_env.filters["number"] = format_number
    app.jinja_env.filters["percent"] = format_percent
    app.jinja_env.filters["class_label"] = class_label
    app.jinja_env.filters["unit_text"] = holder_unit_label


def page_translations() -> dict[str, Any]:
    """Give a template its gettext functions bound to the translations of the language it is
    rendered in, looked up once per render.

    Flask-Babel's template functions look the translations and the locale up again for every
    string (a tenth of a unit page's render time). Jinja's i18n extension takes ``gettext``
    and its kin from the template's context first, so these serve the page; macros imported
    without context keep Flask-Babel's, which give the same strings. Rendered inside
    ``force_locale`` (a message in its recipient's language), the forced language's.
    """
    translations = get_translations()
    return {
        "gettext": _make_new_gettext(translations.ugettext),
        "ngettext": _make_new_ngettext(translations.ungettext),
        "pgettext": _make_new_pgettext(translations.upgettext),
        "npgettext": _make_new_npgettext(translations.unpgettext),
    }


def local_today() -> dt.date:
    """Return today's date in the configured time zone (Vietnam is UTC+7: the UTC date lags)."""
    return dt.datetime.now(ZoneInfo(current_app.config["LMS_TIMEZONE"])).date()


def vn_date(value: dt.date | dt.datetime | None) -> str:
    """Format a date as dd/mm/yyyy (the Vietnamese administrative format), in local time."""
    if value is None:
        return ""
    return str(format_date(value, "dd/MM/yyyy"))


#: What stands for a missing figure (a rate with nobody to divide by).
NO_FIGURE = "–"


def _language(language: str | None) -> str:
    """The language to format in: the one given, else the page's (the default outside one)."""
    if language:
        return language
    if not has_app_context():
        return "vi"
    from lms_module.core.request import current_language

    return current_language()


def _pattern(decimals: int, *, grouping: bool, optional: bool = False) -> str:
    whole = "#,##0" if grouping else "0"
    return whole + ("." + ("#" if optional else "0") * decimals if decimals else "")


def format_number(
    value: float | None, language: str | None = None, *, decimals: int = 0
) -> str:
    """Return ``value`` as ``language`` writes it: "1.234" and "95,3" in Vietnamese, "1,234" and
    "95.3" in English; "–" for ``None``.

    :param language: "vi" or "en"; the page's language when not given (templates, views).
    :param decimals: digits after the decimal mark, always shown.
    """
    if value is None:
        return NO_FIGURE
    return str(format_decimal(value, _pattern(decimals, grouping=True),
                              locale=_language(language)))


def format_percent(
    value: float | None, language: str | None = None, *, decimals: int = 1,
    optional_decimals: bool = False,
) -> str:
    """Return a percentage (95.3 means 95.3%) as "95,3%" in Vietnamese or "95.3%" in English;
    "–" for ``None`` (nobody to divide by).

    :param optional_decimals: drop zero decimals ("95%" for a target of 95, "97,5%" for 97.5).
    """
    if value is None:
        return NO_FIGURE
    pattern = _pattern(decimals, grouping=True, optional=optional_decimals) + "%"
    return str(babel_format_percent(value / 100, pattern, locale=_language(language)))


def format_target(value: float, language: str | None = None) -> str:
    """Return a target percentage without zero decimals: "95%", "97,5%"."""
    return format_percent(value, language, optional_decimals=True)


# ------------------------------------------------------------------------------ CSV

#: The CSV rule, one for every CSV export: numbers use the language's decimal mark and no
#: thousands separator; the field separator is ";" where the decimal mark is "," (Vietnamese),
#: else "," (English). Files are UTF-8 with a byte-order mark.
CSV_SEPARATORS = {",": ";", ".": ","}


def csv_delimiter(language: str) -> str:
    """Return the CSV field separator for ``language``: ";" for Vietnamese, "," for English."""
    return CSV_SEPARATORS.get(str(get_decimal_symbol(language)), ",")


def csv_number(value: float | None, language: str, *, decimals: int = 0) -> str:
    """Return a number for a CSV cell: the language's decimal mark, no thousands separator
    ("1234,5" in Vietnamese, "1234.5" in English); empty for ``None``."""
    if value is None:
        return ""
    return str(format_decimal(value, _pattern(decimals, grouping=False), locale=language))


# ------------------------------------------------------------------------------ labels


def class_label(name: str) -> str:
    """Return a class as the page's language names it: "Lớp 2A" / "Class 2A".

    Class units are named "2A" or, from some rosters, "Lớp 2A"; either gives one label.
    """
    return str(_("Lớp %(name)s", name=_bare_class(name)))


def _bare_class(name: str) -> str:
    return name[4:].lstrip() if name[:4].casefold() == "lớp " else name


def holder_unit_label(text: str) -> str:
    """Return a certificate's printed holder unit ("Lớp 2A, Trường Tiểu học ...") in the page's
    language: the class word is translated, the school's proper name stays as it is.

    The certificate keeps the Vietnamese text it was printed with; only pages translate it.
    """
    if text[:4].casefold() != "lớp " or ", " not in text:
        return text
    class_name, school = text.split(", ", 1)
    return str(_("Lớp %(cls)s, %(school)s", cls=_bare_class(class_name), school=school))
