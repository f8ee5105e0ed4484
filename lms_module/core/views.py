"""Shared pages: static files (web fonts included), favicon, language choice, health check."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app, redirect, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from lms_module.auth.access import public
from lms_module.core.assets import StaticFiles
from lms_module.core.urls import local_target
from lms_module.i18n import LANGUAGE_COOKIE

bp = Blueprint("core", __name__)

#: The module's css, js, web fonts (WOFF2 subsets, see core/fonts.py) and favicon.
STATIC_FILES = StaticFiles(Path(__file__).resolve().parent.parent / "static")
bp.url_defaults(STATIC_FILES.url_defaults)


@bp.get("/assets/<path:filename>")
@public
def static(filename: str) -> BaseResponse:
    """Serve a static file; ``url_for`` names it by content hash (cached for a year)."""
    return STATIC_FILES.response(filename)


@bp.get("/favicon.ico")
@public
def favicon() -> BaseResponse:
    """Serve the icon where browsers and tools look for it without a page's ``<link>``."""
    return STATIC_FILES.response("favicon.ico")


@bp.post("/language")
@public
def set_language() -> BaseResponse:
    """Remember the visitor's language choice in a cookie and go back."""
    language = request.form.get("language", "")
    target = local_target(request.form.get("next")) or url_for("lms.home.index")
    response = redirect(target)
    if language in current_app.config["LMS_LANGUAGES"]:
        response.set_cookie(
            LANGUAGE_COOKIE, language, max_age=365 * 86400, samesite="Lax", httponly=True
        )
    return response


@bp.get("/healthz")
@public
def health() -> tuple[str, int]:
    """Answer load balancers."""
    return "ok", 200
