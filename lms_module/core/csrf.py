"""CSRF tokens masked anew for every response, so compressing pages cannot leak them (BREACH).

Flask-WTF's token is the session's secret, signed: the secret part reads the same in every
page of a session. In a compressed page that also repeats text an attacker chose (a query
string the language switcher sends back, a search box), the page's size tells whether a guess
matches the secret, one character at a time (BREACH). So a page never holds the token as
such: :func:`masked_csrf_token` XORs it with fresh random bytes and sends both
(``base64url(mask + token ^ mask)``), as Django and Rails do; :func:`unmask` turns it back
before Flask-WTF checks it. An unmasked token is still accepted (it contains dots, which the
masked form never does).

Forms of the module derive from :class:`ModuleForm`, which renders its hidden
``csrf_token`` masked too. The web layer checks every state-changing request once, before the
view (``web._check_csrf``), and tells Flask-WTF so (``g.csrf_valid``, the flag its own
``CSRFProtect`` sets), so a form does not check the masked value a second time.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from typing import Any

from flask import g
from flask_wtf import FlaskForm
from flask_wtf.csrf import _FlaskFormCSRF, generate_csrf, validate_csrf


def mask(token: str) -> str:
    """Return ``token`` XOR-ed with a fresh random mask, mask first, as base64url."""
    data = token.encode("ascii")
    pad = secrets.token_bytes(len(data))
    return base64.urlsafe_b64encode(pad + _xor(data, pad)).decode("ascii").rstrip("=")


def _xor(data: bytes, pad: bytes) -> bytes:
    """Return ``data`` XOR ``pad`` (same length), byte by byte, as one big-integer XOR."""
    value = int.from_bytes(data, "big") ^ int.from_bytes(pad, "big")
    return value.to_bytes(len(data), "big")


def unmask(value: str) -> str:
    """Return the token inside a masked ``value`` (``value`` itself when it is not masked)."""
    if "." in value:
        return value  # a plain Flask-WTF token
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        return value
    half, odd = divmod(len(raw), 2)
    if odd or not half:
        return value
    pad, masked = raw[:half], raw[half:]
    return _xor(masked, pad).decode("latin-1")


def masked_csrf_token() -> str:
    """Return this session's CSRF token, masked for this one use (templates' ``csrf_token()``)."""
    return mask(generate_csrf())


def check_csrf_token(value: str | None) -> None:
    """Check a submitted token, masked or not; raise ``wtforms.ValidationError`` if invalid.

    On success, tells Flask-WTF's forms that this request's token is checked.
    """
    validate_csrf(unmask(value) if value else value)
    g.csrf_valid = True


class MaskedFormCSRF(_FlaskFormCSRF):  # type: ignore[misc]
    """Flask-WTF's form CSRF, rendering a masked token and checking a masked one."""

    def generate_csrf_token(self, csrf_token_field: Any) -> str:
        return mask(super().generate_csrf_token(csrf_token_field))

    def validate_csrf_token(self, form: Any, field: Any) -> None:
        if g.get("csrf_valid", False):
            return
        field.data = unmask(field.data) if isinstance(field.data, str) else field.data
        super().validate_csrf_token(form, field)


class ModuleForm(FlaskForm):  # type: ignore[misc]
    """Base of the module's Flask-WTF forms: the hidden CSRF token is masked per response."""

    class Meta(FlaskForm.Meta):  # type: ignore[misc]
        csrf_class = MaskedFormCSRF
