"""Vietnamese messages for HTTP errors."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException


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
        403: _("Bạn không có quyền xem trang này. Nếu cần, hãy liên hệ quản trị của trường."),
        404: _("Không tìm thấy trang này. Hãy kiểm tra lại đường dẫn."),
        405: _("Thao tác này không được hỗ trợ ở đây."),
        413: _("Tệp quá lớn. Hãy chia nhỏ tệp và tải lên lại."),
        429: _("Bạn đã thử quá nhiều lần. Hãy đợi vài phút rồi thử lại."),
    }
    return str(messages.get(error.code or 500, _("Đã có lỗi xảy ra. Hãy thử lại sau.")))
