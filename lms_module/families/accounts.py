"""Parent accounts: made from a letter's code, with a name, a PIN or password, no e-mail.

A parent chooses a six-digit PIN (easy on a phone keypad) or a password of at least eight
characters; either is stored as a password hash and typed in the sign-in form's password
field, so parents sign in, and their sessions end, exactly as everyone else's. The system
makes the username (the given name without accents and four digits, ``hoa.4821``) and shows
it to be written down. A PIN is guessed only one try at a time: failed sign-ins are limited per
account (``LMS_LOGIN_ACCOUNT_RATE_LIMIT``).
"""

from __future__ import annotations

import itertools
import re
import secrets

from flask_babel import gettext as _
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from lms_module.audit.services import record_event
from lms_module.core.errors import LMSError
from lms_module.people.models import User
from lms_module.people.services import (
    MIN_PASSWORD_LENGTH,
    PASSWORD_METHOD,
    create_user,
    normalize_text,
    set_password,
    user_by_username,
)
from lms_module.roster.reading import fold

PIN_LENGTH = 6
MAX_NAME_LENGTH = 120
#: A Vietnamese phone number as typed: 0 and 9-10 digits, or +84 and 9-10 digits.
PHONE_PATTERN = re.compile(r"(?:0|\+84)\d{9,10}")


class ParentAccountError(LMSError):
    """A parent account cannot be made as typed; the message says what to change."""


def check_full_name(full_name: str) -> str:
    """Return the name as stored, or refuse an empty or overlong one."""
    name = normalize_text(full_name)
    if not name:
        raise ParentAccountError(_("Hãy ghi họ và tên của anh chị."))
    if len(name) > MAX_NAME_LENGTH:
        raise ParentAccountError(
            _("Họ và tên dài quá %(count)s ký tự.", count=MAX_NAME_LENGTH)
        )
    return name


def check_phone(phone: str) -> str | None:
    """Return the phone number without spaces and dots (``None`` when left empty)."""
    compact = re.sub(r"[\s.\-()]", "", phone or "")
    if not compact:
        return None
    if not PHONE_PATTERN.fullmatch(compact):
        raise ParentAccountError(_(
            "Số điện thoại chưa đúng: ghi 10 chữ số bắt đầu bằng 0 (ví dụ 0912345678), "
            "hoặc để trống."
        ))
    return compact


def is_pin(secret: str) -> bool:
    """Tell whether ``secret`` is meant as a PIN (digits only, PIN-long)."""
    return secret.isascii() and secret.isdigit() and len(secret) == PIN_LENGTH


def check_secret(secret: str) -> None:
    """Refuse a PIN anyone would guess or a password too short.

    A PIN is six digits, not all the same and not a run (123456, 987654); anything else is a
    password of at least :data:`MIN_PASSWORD_LENGTH` characters.
    """
    if is_pin(secret):
        steps = {int(b) - int(a) for a, b in itertools.pairwise(secret)}
        if steps in ({0}, {1}, {-1}):
            raise ParentAccountError(_(
                "Mã PIN này dễ đoán quá (các số giống nhau hoặc liền nhau). Hãy chọn 6 số khác."
            ))
        return
    if secret.isdigit() and len(secret) < MIN_PASSWORD_LENGTH:
        raise ParentAccountError(_("Mã PIN gồm đúng %(count)s chữ số.", count=PIN_LENGTH))
    if len(secret) < MIN_PASSWORD_LENGTH:
        raise ParentAccountError(_(
            "Hãy chọn mã PIN 6 chữ số, hoặc mật khẩu có ít nhất %(count)s ký tự.",
            count=MIN_PASSWORD_LENGTH,
        ))


def set_secret(user: User, secret: str) -> None:
    """Store a checked PIN or password as the account's password hash."""
    check_secret(secret)
    if is_pin(secret):
        user.password_hash = generate_password_hash(secret, method=PASSWORD_METHOD)
    else:
        set_password(user, secret)


def make_username(session: Session, full_name: str) -> str:
    """Return a free username: the given name without accents, a dot, four digits."""
    words = fold(full_name).split()
    stem = (words[-1] if words else "")[:20] or "phuhuynh"
    digits = 4
    for attempt in range(200):
        if attempt and attempt % 50 == 0:
            digits += 1  # a very common name: widen the number
        candidate = f"{stem}.{secrets.randbelow(10**digits):0{digits}d}"
        if user_by_username(session, candidate) is None:
            return candidate
    raise ParentAccountError(_("Chưa tạo được tên đăng nhập. Hãy thử lại."))


def create_parent_account(
    session: Session, *, full_name: str, phone: str, secret: str, ip: str | None = None
) -> User:
    """Create a parent's account (no role yet: :func:`families.services.link_adult` gives the
    parent membership with the first child); audited as ``parent_account_created``."""
    name = check_full_name(full_name)
    number = check_phone(phone)
    check_secret(secret)
    user = create_user(session, username=make_username(session, name), full_name=name,
                       phone=number)
    set_secret(user, secret)
    session.flush()
    record_event(session, "parent_account_created", actor_id=user.id, subject_user_id=user.id,
                 ip=ip, with_pin=is_pin(secret), with_phone=number is not None)
    return user
