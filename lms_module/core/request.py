"""What a view asks of the current request: who is signed in, in which language, from where."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from flask import current_app, request
from flask_babel import get_locale
from flask_login import current_user

if TYPE_CHECKING:  # core sits below the models: it names User only for type checking
    from lms_module.people.models import User


def current_person() -> User:
    """Return the signed-in user (for views behind ``@requires`` or ``@signed_in``)."""
    return cast("User", current_user._get_current_object())


def current_language() -> str:
    """Return the page's language code ("vi" or "en"), the default one when none is chosen."""
    locale = get_locale()
    return str(locale) if locale else str(current_app.config["LMS_LANGUAGES"][0])


def client_ip() -> str | None:
    """Return the client's address as the WSGI server (or ProxyFix) reports it."""
    return request.remote_addr
