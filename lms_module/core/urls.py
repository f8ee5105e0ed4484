"""Where the app may send a visitor, and the absolute links it prints (QR codes, certificates)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app

from lms_module.core.errors import LMSError


class PublicBaseUrlMissingError(LMSError):
    """Absolute links need ``LMS_PUBLIC_BASE_URL``: the request's Host cannot be trusted."""

    status_code = 503

    def __init__(self) -> None:
        super().__init__(
            "Máy chủ chưa được cấu hình địa chỉ công khai (LMS_PUBLIC_BASE_URL), nên chưa thể "
            "in mã QR hay đường dẫn kiểm tra. Hãy báo quản trị hệ thống."
        )


def local_target(target: str | None) -> str | None:
    """Return ``target`` if it is a path on this site, else ``None`` (no open redirect).

    Accepted: a path starting with one "/" and no scheme, host, backslash or control
    character (browsers drop tabs and newlines, so "/\\t/evil.example" would become
    "//evil.example"; a newline would also split the Location header).
    """
    if not target or len(target) > 2000:
        return None
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target) or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    if target.startswith("//"):
        return None
    return target


def public_base_url() -> str:
    """Return ``LMS_PUBLIC_BASE_URL`` without its trailing slash.

    :raises PublicBaseUrlMissingError: when it is not set.
    """
    base = current_app.config["LMS_PUBLIC_BASE_URL"]
    if not base:
        raise PublicBaseUrlMissingError()
    return str(base).rstrip("/")


def public_url(path: str) -> str:
    """Return the absolute URL of ``path`` on the configured public address."""
    return public_base_url() + path
