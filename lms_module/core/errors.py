"""Errors: the domain exceptions a user can fix, and how every error reaches the visitor.

Services, models and the XBlock runtime raise :class:`LMSError` subclasses with a Vietnamese
message and an HTTP status; the web layer maps them (and HTTP and database errors) to
Vietnamese pages, or JSON for the course player's script, here and nowhere else.

Every error page renders without the database (the layout asks :func:`is_signed_in`, which
answers False when the database is away), and a page that cannot render at all falls back to
a fixed one that still shows the hotline and the quick exit.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Response, current_app, g, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException

from lms_module.db import db_session

log = logging.getLogger(__name__)

#: Seconds a client should wait before trying again while the database is unreachable.
RETRY_AFTER_SECONDS = 5


class LMSError(Exception):
    """Base of every error a user can fix; its message is Vietnamese, shown as is."""

    status_code = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class AccessDeniedError(LMSError):
    """The signed-in user lacks the role or the org scope for this action."""

    status_code = 403


def http_error_message(error: HTTPException) -> str:
    """Return a message that tells the visitor what happened and what to do."""
    if isinstance(error, CSRFError):
        return str(
            _(
                "Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ. "
                "Hãy tải lại trang và thử lại."
            )
        )
    messages = {
        400: _("Yêu cầu không hợp lệ. Hãy kiểm tra lại thông tin đã nhập."),
        403: _("Tài khoản này không được xem trang này. Nếu cần, hãy liên hệ quản trị của trường."),
        404: _("Không tìm thấy trang này. Hãy kiểm tra lại đường dẫn."),
        405: _("Thao tác này không được hỗ trợ ở đây."),
        413: _("Tệp quá lớn. Hãy chia nhỏ tệp và tải lên lại."),
        429: _("Đã thử quá nhiều lần. Hãy đợi vài phút rồi thử lại."),
    }
    return str(messages.get(error.code or 500, _("Đã có lỗi xảy ra. Hãy thử lại sau.")))


def render_lms_error(error: LMSError) -> tuple[str, int]:
    """Render a domain error's Vietnamese message with its status."""
    return render_template("lms/error.html", message=error.message), error.status_code


def render_http_error(error: HTTPException) -> Any:
    """Render a Vietnamese error page for HTTP errors (JSON for block handler calls)."""
    code = error.code or 500
    message = http_error_message(error)
    if _wants_json():
        response = jsonify({"error": message})
        response.status_code = code
        return response
    return _error_page(message, code)


def render_database_error(error: SQLAlchemyError) -> Any:
    """Answer 503 "try again in a few seconds" while the database is unreachable or busy.

    Any other database error is a bug: it becomes an ordinary 500 page, also rendered
    without touching the database.
    """
    g.lms_database_down = True
    try:
        db_session().rollback()
    except SQLAlchemyError:
        log.debug("Rollback failed on an unreachable database", exc_info=True)
    unavailable = isinstance(error, OperationalError | InterfaceError) or (
        isinstance(error, DBAPIError) and error.connection_invalidated
    )
    if not unavailable:
        log.exception("Database error", exc_info=error)
        message = _("Đã có lỗi xảy ra. Hãy thử lại sau.")
        code = 500
    else:
        log.warning("Database unavailable: %s", error.__class__.__name__)
        message = _("Hệ thống đang bận hoặc đang khởi động lại. Hãy thử lại sau ít giây.")
        code = 503
    if _wants_json():
        response = jsonify({"error": message})
        response.status_code = code
    else:
        response = _error_page(message, code)
    if code == 503:
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


#: Endpoints the course player's script calls with ``fetch``: their errors are JSON.
JSON_ENDPOINTS = frozenset({"lms.learning.handler", "lms.learning.unit_viewed"})


def _wants_json() -> bool:
    """Calls from the course player's script (block handlers, recording a unit's view) get
    JSON errors, not pages."""
    return request.endpoint in JSON_ENDPOINTS or "/handler/" in request.path


def _error_page(message: str, code: int) -> Response:
    """Render the error page; if even that fails, answer a fixed page that needs nothing."""
    try:
        return Response(render_template("lms/error.html", message=message), status=code)
    except Exception:
        log.exception("The error page itself failed; answering the fixed page")
        return Response(_fixed_error_page(message), status=code, mimetype="text/html")


def _fixed_error_page(message: str) -> str:
    hotline = escape(current_app.config["LMS_HOTLINE"])
    exit_url = escape(current_app.config["LMS_QUICK_EXIT_URL"])
    return (
        '<!doctype html><html lang="vi"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>Trường học an toàn</title></head><body>"
        f'<p><a href="tel:{hotline}">Cần giúp đỡ? Gọi {hotline} miễn phí, 24/7</a> · '
        f'<a href="{exit_url}" rel="noreferrer">Thoát nhanh</a></p>'
        f"<h1>Không thực hiện được</h1><p>{escape(message)}</p></body></html>"
    )
