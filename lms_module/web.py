"""Wire the module into a Flask app: settings, sign-in, CSRF, limits, headers, errors."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    request,
    session,
)
from flask_babel import get_locale
from flask_login import LoginManager
from flask_wtf.csrf import CSRFError
from sqlalchemy import bindparam, select
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException
from wtforms import ValidationError

from lms_module.auth.access import is_signed_in
from lms_module.auth.sessions import session_is_current
from lms_module.core.assets import asset_url
from lms_module.core.compression import compression
from lms_module.core.csrf import check_csrf_token, masked_csrf_token
from lms_module.core.errors import (
    LMSError,
    render_database_error,
    render_http_error,
    render_lms_error,
)
from lms_module.core.inputs import URL_CONVERTERS, limit_request_body, refuse_nul_characters
from lms_module.core.limiter import limiter
from lms_module.db import close_db_session, db_session
from lms_module.i18n import init_i18n
from lms_module.people.models import User

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
HSTS = "max-age=31536000; includeSubDomains"

#: Endpoints whose responses may be cached (static files, web fonts included, and the
#: favicon: no personal data); they set their own Cache-Control (core/assets.py: immutable
#: under a content-hashed name, revalidated under a plain one). The block files and inline
#: block resources of the course player set theirs too (private: signed-in only).
CACHEABLE_ENDPOINTS = frozenset({"lms.core.static", "lms.core.favicon", "lms.coverage.static"})



def init_web(app: Flask) -> None:
    """Register everything web-facing on ``app``."""
    _apply_flask_settings(app)
    _init_login(app)
    init_i18n(app)
    limiter.init_app(app)
    app.teardown_appcontext(close_db_session)
    app.url_map.converters.update(URL_CONVERTERS)

    prefix = app.config["LMS_URL_PREFIX"].rstrip("/")
    app.register_blueprint(build_blueprint(), url_prefix=prefix or None)
    compression.init_app(app)
    app.after_request(_compress)
    app.after_request(_add_security_headers)
    if not prefix:
        # The module owns the whole app: unmatched URLs get its page (and headers) too.
        app.register_error_handler(HTTPException, render_http_error)

    from lms_module.cli import register_cli

    register_cli(app)


def _apply_flask_settings(app: Flask) -> None:
    """Derive Flask's and the extensions' own settings from the ``LMS_`` ones.

    Flask defines its keys before any extension runs, so ``setdefault`` would never change
    them: each is assigned unless the host app changed it from Flask's default.
    """
    config = app.config
    secure = bool(config["LMS_SECURE_COOKIES"])
    derived: dict[str, Any] = {
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure,
        "PERMANENT_SESSION_LIFETIME": int(config["LMS_SESSION_MAX_HOURS"]) * 3600,
        "SESSION_REFRESH_EACH_REQUEST": False,
        "MAX_CONTENT_LENGTH": max(
            int(config["LMS_MAX_UPLOAD_BYTES"]), int(config["LMS_MAX_COURSE_BYTES"])
        ) + 64 * 1024,
    }
    base_url = config["LMS_PUBLIC_BASE_URL"]
    if base_url:
        host = urlsplit(base_url).hostname
        derived["TRUSTED_HOSTS"] = [host] if host else None
    for key, value in derived.items():
        if config[key] == Flask.default_config[key]:
            config[key] = value
    # Keys Flask does not define (Flask-Login's, Flask-Limiter's): setdefault works here.
    config.setdefault("REMEMBER_COOKIE_HTTPONLY", True)
    config.setdefault("REMEMBER_COOKIE_SAMESITE", "Lax")
    config.setdefault("REMEMBER_COOKIE_SECURE", secure)
    config.setdefault("RATELIMIT_STORAGE_URI", config["LMS_RATELIMIT_STORAGE_URI"])
    config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    # If the shared store (Redis) is down, count per process rather than refuse every sign-in.
    config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)


def build_blueprint() -> Blueprint:
    """Return the parent blueprint ``lms`` holding every area's blueprint, listed here."""
    from lms_module.auth.views import bp as auth_bp
    from lms_module.authoring.views import bp as authoring_bp
    from lms_module.certification.views import bp as certification_bp
    from lms_module.core.views import bp as core_bp
    from lms_module.coverage.views import bp as coverage_bp
    from lms_module.families.rights_views import bp as data_rights_bp
    from lms_module.families.talk_views import bp as talk_cards_bp
    from lms_module.families.views import bp as families_bp
    from lms_module.home.views import bp as home_bp
    from lms_module.in_person.views import bp as in_person_bp
    from lms_module.jobs.views import bp as jobs_bp
    from lms_module.learning.views import bp as learning_bp
    from lms_module.notifications.views import bp as notifications_bp
    from lms_module.obligations.views import bp as obligations_bp
    from lms_module.roster.views import bp as roster_bp

    parent = Blueprint("lms", __name__, template_folder="templates")
    for child in (
        core_bp, auth_bp, home_bp, roster_bp, learning_bp, certification_bp, coverage_bp,
        authoring_bp, families_bp, data_rights_bp, talk_cards_bp, in_person_bp, jobs_bp,
        notifications_bp, obligations_bp,
    ):
        parent.register_blueprint(child)
    # URL value preprocessors run before every before_request function and before the
    # children's preprocessors (which may read the body): the limit must be set first.
    parent.url_value_preprocessor(limit_request_body)
    parent.before_request(refuse_nul_characters)
    parent.before_request(_check_csrf)
    parent.register_error_handler(LMSError, render_lms_error)
    parent.register_error_handler(HTTPException, render_http_error)
    parent.register_error_handler(SQLAlchemyError, render_database_error)
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
    login_manager.user_loader(_load_user)
    app.context_processor(_template_globals)


#: Built once: ``Session.get`` builds its statement again on every request.
_USER_BY_ID = select(User).where(User.id == bindparam("user_id"))


def _load_user(user_id: str) -> User | None:
    """Return the session's user while the session is valid; end it otherwise."""
    user = (
        db_session().scalar(_USER_BY_ID, {"user_id": int(user_id)})
        if user_id.isdigit()
        else None
    )
    if user is None or not user.active or not session_is_current(user):
        session.clear()
        return None
    return user


def _template_globals() -> dict[str, Any]:
    from lms_module.people.labels import template_labels

    return {
        "asset_url": asset_url,
        "csrf_token": masked_csrf_token,
        "get_locale": get_locale,
        "lms_config": current_app.config,
        "lms_signed_in": is_signed_in,
        **template_labels(),
    }


def _check_csrf() -> None:
    """Refuse a state-changing request without a valid CSRF token (form field or header).

    Pages hold the token masked anew for each response (``core/csrf.py``, against BREACH).
    """
    if request.method in SAFE_METHODS:
        return
    token = request.form.get("csrf_token") or request.headers.get("X-CSRFToken")
    try:
        check_csrf_token(token)
    except ValidationError as error:
        raise CSRFError(str(error)) from error


def _is_module_response() -> bool:
    """Tell whether the request is the module's (everything when standalone)."""
    prefix = current_app.config["LMS_URL_PREFIX"].rstrip("/")
    return not prefix or request.path == prefix or request.path.startswith(prefix + "/")


def _compress(response: Response) -> Response:
    """Compress the module's HTML, CSS, JS, JSON and SVG; a host app's routes are its own."""
    if not _is_module_response():
        return response
    return compression.compress(response)


def _add_security_headers(response: Response) -> Response:
    """Add the security headers to every response of the module, errors included."""
    if not _is_module_response():
        return response  # a host app's page: its own business
    for header, value in SECURITY_HEADERS.items():
        response.headers.setdefault(header, value)
    if current_app.config["SESSION_COOKIE_SECURE"]:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    if request.endpoint not in CACHEABLE_ENDPOINTS or response.status_code >= 400:
        # Pages and downloads may carry names: never kept by a browser or a proxy.
        response.headers.setdefault("Cache-Control", "no-store")
    return response
