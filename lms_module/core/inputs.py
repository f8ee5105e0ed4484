"""Parse what arrives from outside (URL parts, query strings, bodies) within safe bounds.

Every id a request carries ends up in a database query, where a number beyond 64 bits is an
``OverflowError`` (SQLite) or an out-of-range error (PostgreSQL): both a 500. The ``int`` URL
converter and the helpers here stop such values at the edge, with a message saying what to
send instead.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app, request
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict
from werkzeug.routing import BaseConverter, IntegerConverter, PathConverter, UnicodeConverter

from lms_module.core.errors import LMSError

#: Largest id a URL or a field may carry: ids are ``INTEGER`` columns, signed 32-bit on
#: PostgreSQL (a larger number there is "integer out of range"; on SQLite, beyond 64 bits, an
#: ``OverflowError``).
MAX_ID = 2**31 - 1
#: Longest integer text worth parsing (the digits of MAX_ID, a sign and some leading zeros).
MAX_INT_DIGITS = 30
#: Largest JSON body a block handler accepts (a quiz answer or a reflection is a few KiB).
MAX_JSON_BYTES = 256 * 1024
#: Deepest nesting of arrays and objects a block handler accepts.
MAX_JSON_DEPTH = 32


#: Characters no URL segment of this app holds: C0 controls and DEL (PostgreSQL text cannot
#: even store a NUL).
_CONTROLS = r"\x00-\x1f\x7f"


class BoundedIntConverter(IntegerConverter):
    """The ``int`` URL converter, limited to what a database id can hold (else: 404)."""

    def __init__(self, url_map: Any, fixed_digits: int = 0, min: int | None = None,
                 max: int | None = MAX_ID, signed: bool = False) -> None:
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class PlainStringConverter(UnicodeConverter):
    """The default (``string``) URL converter, refusing control characters (else: 404)."""

    def __init__(self, url_map: Any, minlength: int = 1, maxlength: int | None = None,
                 length: int | None = None) -> None:
        super().__init__(url_map, minlength=minlength, maxlength=maxlength, length=length)
        self.regex = self.regex.replace("[^/]", f"[^/{_CONTROLS}]", 1)


class PlainPathConverter(PathConverter):
    """The ``path`` URL converter, refusing control characters (else: 404)."""

    regex = f"[^/{_CONTROLS}][^{_CONTROLS}]*?"


#: The URL converters of the module's routes (``app.url_map.converters.update(...)`` before
#: the blueprints are registered).
URL_CONVERTERS: dict[str, type[BaseConverter]] = {
    "default": PlainStringConverter,
    "string": PlainStringConverter,
    "path": PlainPathConverter,
    "int": BoundedIntConverter,
}


class InvalidInputError(LMSError):
    """A query-string, form or body value that is not what the page expects (HTTP 400)."""

    status_code = 400


def bounded_int(text: str | None, *, minimum: int = 1, maximum: int = MAX_ID) -> int | None:
    """Return ``text`` as an integer within ``[minimum, maximum]``, else ``None``.

    Only ASCII digits with an optional sign count (no "1e3", "1.5", "١٢" or spaces inside), so
    what is accepted is what a link or a select box of this app sends.
    """
    if text is None:
        return None
    text = text.strip()
    digits = text[1:] if text[:1] in "+-" else text
    if not digits or len(digits) > MAX_INT_DIGITS or not (digits.isascii() and digits.isdigit()):
        return None
    value = int(text)
    return value if minimum <= value <= maximum else None


def _field_int(
    values: MultiDict[str, str], name: str, *, minimum: int, maximum: int
) -> int | None:
    text = values.get(name)
    if text is None or not text.strip():
        return None
    value = bounded_int(text, minimum=minimum, maximum=maximum)
    if value is None:
        raise InvalidInputError(
            _(
                "Giá trị “%(name)s” trong đường dẫn hoặc biểu mẫu không hợp lệ: cần một số từ "
                "%(minimum)s đến %(maximum)s. Hãy quay lại trang trước và chọn lại.",
                name=name, minimum=minimum, maximum=maximum,
            )
        )
    return value


def query_int(name: str, *, minimum: int = 1, maximum: int = MAX_ID) -> int | None:
    """Return the query argument ``name`` as an integer, ``None`` when absent or empty.

    :raises InvalidInputError: (HTTP 400) for anything else than a number within bounds.
    """
    return _field_int(request.args, name, minimum=minimum, maximum=maximum)


def form_int(name: str, *, minimum: int = 1, maximum: int = MAX_ID) -> int | None:
    """Return the form field ``name`` as an integer, ``None`` when absent or empty.

    :raises InvalidInputError: (HTTP 400) for anything else than a number within bounds.
    """
    return _field_int(request.form, name, minimum=minimum, maximum=maximum)


def refuse_nul_characters() -> None:
    """Refuse a request whose query string or form holds a NUL character (a before_request).

    No field of the app takes one, and PostgreSQL text cannot store it: a NUL that reaches a
    query is an error there, whatever the view meant to do with the value.

    :raises InvalidInputError: (HTTP 400).
    """
    for values in (request.args, request.form):
        for key, value in values.items(multi=True):
            if "\x00" in key or "\x00" in value:
                raise InvalidInputError(
                    _(
                        "Yêu cầu chứa ký tự không hợp lệ (ký tự rỗng NUL). Hãy nhập lại thông "
                        "tin hoặc mở lại trang từ đường dẫn của hệ thống."
                    )
                )


def json_depth_exceeds(text: str, limit: int) -> bool:
    """Tell whether arrays and objects in the JSON ``text`` nest deeper than ``limit``.

    Counted on the text, before parsing: parsing a deeply nested document recurses and can
    exhaust the stack (``RecursionError``).
    """
    depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


def _reload() -> str:
    # Translated only for an error: a valid body (every answer sent) needs no message.
    return str(_("Hãy tải lại trang và thử lại."))


def json_object_body(
    body: bytes, *, max_bytes: int = MAX_JSON_BYTES, max_depth: int = MAX_JSON_DEPTH
) -> dict[str, Any]:
    """Return the JSON object ``body`` holds, within size and nesting bounds.

    :raises InvalidInputError: (HTTP 400) for a body too large, not UTF-8 JSON, nested too deep
        or not an object (``[]``, ``"x"``, ``null``).
    """
    if len(body) > max_bytes:
        raise InvalidInputError(
            _("Dữ liệu gửi lên quá lớn (tối đa %(size)s KB).", size=max_bytes // 1024)
            + " " + _reload()
        )
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InvalidInputError(_("Dữ liệu gửi lên không phải JSON hợp lệ.") + " " + _reload()) \
            from error
    if json_depth_exceeds(text, max_depth):
        raise InvalidInputError(
            _("Dữ liệu gửi lên lồng nhau quá sâu (tối đa %(depth)s tầng).", depth=max_depth)
            + " " + _reload()
        )
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise InvalidInputError(_("Dữ liệu gửi lên không phải JSON hợp lệ.") + " " + _reload()) \
            from error
    if not isinstance(data, dict):
        raise InvalidInputError(
            _("Dữ liệu gửi lên phải là một đối tượng JSON ({...}).") + " " + _reload()
        )
    return data


F = TypeVar("F", bound=Callable[..., Any])

#: Attribute set by :func:`accepts_upload` on a view: the config key of its body limit.
BODY_LIMIT_ATTRIBUTE = "_lms_body_limit"


def accepts_upload(config_key: str) -> Callable[[F], F]:
    """Let a view take a body up to ``current_app.config[config_key]`` bytes (file uploads).

    Every other request of the module is limited to ``LMS_MAX_REQUEST_BYTES``.
    """

    def decorator(view: F) -> F:
        setattr(view, BODY_LIMIT_ATTRIBUTE, config_key)
        return view

    return decorator


def limit_request_body(endpoint: str | None, _values: dict[str, Any] | None) -> None:
    """Set this request's body limit from its view (a URL value preprocessor: it runs first)."""
    view = current_app.view_functions.get(endpoint or "")
    key = getattr(view, BODY_LIMIT_ATTRIBUTE, "LMS_MAX_REQUEST_BYTES")
    limit = int(current_app.config[key])
    if key != "LMS_MAX_REQUEST_BYTES":
        limit += 64 * 1024  # the multipart envelope and the form's other fields
    request.max_content_length = limit
