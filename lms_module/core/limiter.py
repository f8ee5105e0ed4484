"""The rate limiter every view shares, and the sign-in limits: per account, per card, per address.

A school's computer room or a class of phones often reaches the server from one address, so
sign-in is limited per account and per QR card first (failed attempts only) and per address
only generously. Counters live in ``LMS_RATELIMIT_STORAGE_URI``: Redis when several workers or
hosts serve, so that they count together.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from flask import current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

if TYPE_CHECKING:
    from flask import Response

#: The one limiter of the module (views import it from here; ``init_web`` binds it to the app).
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def address_limit() -> str:
    """Return the per-address sign-in limit (``LMS_LOGIN_RATE_LIMIT``)."""
    return str(current_app.config["LMS_LOGIN_RATE_LIMIT"])


def account_limit() -> str:
    """Return the per-account (and per-card) limit on failed sign-ins."""
    return str(current_app.config["LMS_LOGIN_ACCOUNT_RATE_LIMIT"])


def account_key() -> str:
    """Key the per-account limit on the username typed (folded as usernames are stored)."""
    typed = request.form.get("username", "")[:80].strip().lower()
    return "account:" + hashlib.sha256(typed.encode("utf-8")).hexdigest()


def card_key() -> str:
    """Key the per-card limit on the token in the URL (hashed: counters never hold tokens)."""
    token = (request.view_args or {}).get("token", "")
    return "card:" + hashlib.sha256(str(token).encode("utf-8")).hexdigest()


def sign_in_failed(response: Response) -> bool:
    """Count an attempt against the account only when it did not sign in (no redirect)."""
    return response.status_code != 302
