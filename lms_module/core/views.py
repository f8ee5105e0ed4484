"""Shared pages: static assets, the bundled web font, language choice, health check."""

from __future__ import annotations

from pathlib import Path

import fontpkg_be_vietnam_pro
from flask import Blueprint, Response, abort, current_app, redirect, request, send_file, url_for
from werkzeug.wrappers import Response as BaseResponse

from lms_module.auth.access import public
from lms_module.core.urls import local_target
from lms_module.i18n import LANGUAGE_COOKIE

bp = Blueprint(
    "core",
    __name__,
    static_folder="../static",
    static_url_path="/assets",
)

#: Font files served to browsers (the package ships more weights than the pages use).
FONT_FILES = {
    "regular": "BeVietnamPro-Regular.ttf",
    "bold": "BeVietnamPro-Bold.ttf",
}
FONT_DIR = Path(fontpkg_be_vietnam_pro.__file__).parent / "files"


@bp.get("/fonts/<name>.ttf")
@public
def font(name: str) -> Response:
    """Serve the Be Vietnam Pro font from its Python package (no web font CDN)."""
    if name not in FONT_FILES:
        abort(404)
    response = send_file(FONT_DIR / FONT_FILES[name], mimetype="font/ttf", max_age=31536000)
    return response


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
