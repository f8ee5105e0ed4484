"""What a view asks of the current request: who is signed in, in which language, from where."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from flask import Flask, current_app, request
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


def current_flask_app() -> Flask:
    """Return the app itself behind ``current_app`` (to hand to code that outlives the
    request's context: a job run in-process, a worker's app context)."""
    return cast(Flask, current_app._get_current_object())  # type: ignore[attr-defined]
