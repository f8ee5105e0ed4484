"""Wire the module into a Flask app: sign-in, CSRF, rate limits, headers, errors, blueprints."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, Response, current_app, render_template, request
from flask_babel import get_locale
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFError, generate_csrf, validate_csrf
from werkzeug.exceptions import HTTPException
from wtforms import ValidationError

from lms_module.db import close_db_session, db_session
from lms_module.errors import LMSError
from lms_module.i18n import init_i18n
from lms_module.people.models import User

#: Rate limiter for sign-in and other abuse-prone endpoints (storage: LMS_RATELIMIT_STORAGE_URI).
limiter = Limiter(key_func=get_remote_address, default_limits=[])

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def init_web(app: Flask) -> None:
    """Register everything web-facing on ``app``."""
    _init_login(app)
    init_i18n(app)
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["LMS_RATELIMIT_STORAGE_URI"])
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    limiter.init_app(app)
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    app.config.setdefault("REMEMBER_COOKIE_HTTPONLY", True)
    app.config.setdefault("REMEMBER_COOKIE_SAMESITE", "Lax")
    if app.config["LMS_SECURE_COOKIES"]:
        app.config.setdefault("SESSION_COOKIE_SECURE", True)
        app.config.setdefault("REMEMBER_COOKIE_SECURE", True)
    app.config.setdefault("MAX_CONTENT_LENGTH", app.config["LMS_MAX_UPLOAD_BYTES"] + 64 * 1024)
    app.teardown_appcontext(close_db_session)

    prefix = app.config["LMS_URL_PREFIX"].rstrip("/")
    app.register_blueprint(build_blueprint(), url_prefix=prefix or None)

    from lms_module.cli import register_cli

    register_cli(app)


def build_blueprint() -> Blueprint:
    """Return the parent blueprint ``lms`` holding every area's blueprint, listed here."""
    from lms_module.auth.views import bp as auth_bp
    from lms_module.authoring.views import bp as authoring_bp
    from lms_module.certification.views import bp as certification_bp
    from lms_module.core.views import bp as core_bp
    from lms_module.coverage.views import bp as coverage_bp
    from lms_module.home.views import bp as home_bp
    from lms_module.learning.views import bp as learning_bp
    from lms_module.roster.views import bp as roster_bp

    parent = Blueprint("lms", __name__, template_folder="templates")
    for child in (
        core_bp, auth_bp, home_bp, roster_bp, learning_bp, certification_bp, coverage_bp,
        authoring_bp,
    ):
        parent.register_blueprint(child)
    parent.before_request(_check_csrf)
    parent.after_request(_add_security_headers)
    parent.register_error_handler(LMSError, _render_lms_error)
    parent.register_error_handler(HTTPException, render_http_error)
    return parent


def _init_login(app: Flask) -> None:
    if hasattr(app, "login_manager"):
        raise RuntimeError(
            "This app already has a Flask-Login LoginManager; Safe School LMS brings its own "
            "sign-in. Mount the module in its own app (werkzeug DispatcherMiddleware) instead."
        )
    login_manager = LoginManager(app)
    login_manager.login_view = "lms.auth.login"
    login_manager.session_protection = "strong"

    def load_user(user_id: str) -> User | None:
        user = db_session().get(User, int(user_id)) if user_id.isdigit() else None
        return user if user is not None and user.active else None

    login_manager.user_loader(load_user)

    app.context_processor(_template_globals)


def _template_globals() -> dict[str, Any]:
    from lms_module.people.labels import template_labels

    return {
        "csrf_token": generate_csrf,
        "get_locale": get_locale,
        "lms_config": current_app.config,
        **template_labels(),
    }


def _check_csrf() -> None:
    """Refuse a state-changing request without a valid CSRF token (form field or header)."""
    if request.method in SAFE_METHODS:
        return
    token = request.form.get("csrf_token") or request.headers.get("X-CSRFToken")
    try:
        validate_csrf(token)
    except ValidationError as error:
        raise CSRFError(str(error)) from error


def _add_security_headers(response: Response) -> Response:
    for header, value in SECURITY_HEADERS.items():
        response.headers.setdefault(header, value)
    return response


def _render_lms_error(error: LMSError) -> tuple[str, int]:
    return render_template("lms/error.html", message=error.message), error.status_code


def render_http_error(error: HTTPException) -> tuple[str, int]:
    """Render a Vietnamese error page for HTTP errors raised in our blueprints."""
    from lms_module.core.errors import http_error_message

    code = error.code or 500
    return render_template("lms/error.html", message=http_error_message(error)), code
