"""Parent letters: the short codes a school prints for each child's parents, and their rules.

A letter's code links up to ``max_uses`` adults (two parents, by default) to its child until
it expires (``LMS_PARENT_LETTER_DAYS`` after printing) or is revoked. Printing a class's letters
again revokes the older letters of those children, as printing QR login cards again does not
need to: a letter's code is a row, so it can be revoked one by one or all at once. Every
printing and revocation is audited.

A code is eight symbols of an alphabet without look-alikes (no 0/O, 1/I/L, 2/Z, 5/S, 8/B, 6/G,
U/V), printed in two groups of four, ``KMTR-7XA3``: 21^8, about 35 bits, so guessing one among
a province's letters takes tens of thousands of tries, which the per-address limit refuses.
"""

from __future__ import annotations

import datetime as dt
import secrets

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from lms_module.audit.services import record_event
from lms_module.core.errors import LMSError
from lms_module.db import utcnow
from lms_module.families.models import ParentLetter
from lms_module.families.services import letter_expiry
from lms_module.orgs.models import OrgUnit
from lms_module.orgs.services import enclosing_school
from lms_module.people.models import User
from lms_module.people.services import class_students

#: The symbols of a code: capitals and digits that cannot be mistaken for one another.
CODE_ALPHABET = "ACDEFHJKMNPRTVWXY3479"
CODE_LENGTH = 8


class LetterCodeError(LMSError):
    """A typed parent-letter code that cannot link anyone; the message says what to do."""


class UnknownLetterCodeError(LetterCodeError):
    """No letter has this code (a typo, or a made-up code)."""

    status_code = 404

    def __init__(self) -> None:
        super().__init__(_(
            "Mã này không đúng. Hãy gõ lại 8 ký tự in trên thư của nhà trường "
            "(ví dụ KMTR-7XA3), hoặc quét mã QR trên thư."
        ))


class ExpiredLetterError(LetterCodeError):
    """The letter's last day has passed."""

    status_code = 410

    def __init__(self, expires_on: dt.date) -> None:
        super().__init__(_(
            "Mã trên thư này đã hết hạn ngày %(date)s. Hãy xin nhà trường (giáo viên chủ nhiệm) "
            "in thư mới.", date=expires_on.strftime("%d/%m/%Y"),
        ))


class RevokedLetterError(LetterCodeError):
    """The school revoked the letter (or printed a newer one for the child)."""

    status_code = 410

    def __init__(self) -> None:
        super().__init__(_(
            "Thư này đã được nhà trường thu hồi hoặc thay bằng thư mới. Hãy dùng thư mới nhất "
            "của nhà trường, hoặc xin giáo viên chủ nhiệm in lại."
        ))


class UsedUpLetterError(LetterCodeError):
    """The letter already linked as many adults as it may."""

    status_code = 410

    def __init__(self, max_uses: int) -> None:
        super().__init__(_(
            "Mã trên thư này đã được dùng đủ %(count)s lần (cho %(count)s người lớn). Nếu cần "
            "thêm người chăm sóc, hãy xin nhà trường in thư mới.", count=max_uses,
        ))


def new_letter_code() -> str:
    """Return a new random code in its compact form (eight symbols)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def format_letter_code(code: str) -> str:
    """Group a compact code in fours for printing and reading: ``KMTR-7XA3``."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def normalize_letter_code(typed: str) -> str | None:
    """Return the compact code a person typed (case, spaces and dashes ignored), or ``None``
    when it cannot be a code (wrong length or a symbol the alphabet leaves out)."""
    compact = "".join(ch for ch in typed[:40].upper() if ch not in " -.\t")
    if len(compact) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in compact):
        return None
    return compact


def print_class_letters(
    session: Session, class_unit: OrgUnit, *, actor: User, today: dt.date, days: int,
    uses: int, ip: str | None = None,
) -> list[ParentLetter]:
    """Make a new letter for every child of the class, revoking their older letters.

    :returns: the new letters, in the class list's order.
    """
    children = class_students(session, class_unit)
    school = enclosing_school(session, class_unit)
    assert school is not None, "a class belongs to a school"
    now = utcnow()
    revoked = _revoke(session, [child.id for child in children], now)
    expires = letter_expiry(today, days)
    letters = []
    for child in children:
        letter = ParentLetter(
            code=_unused_code(session), child_user_id=child.id, school_id=school.id,
            created_by_id=actor.id, expires_on=expires, uses=0, max_uses=uses,
        )
        session.add(letter)
        letters.append(letter)
    session.flush()
    record_event(
        session, "parent_letters_printed", actor_id=actor.id, org_unit_id=class_unit.id, ip=ip,
        count=len(letters), revoked=revoked, expires=expires.isoformat(),
    )
    return letters


def revoke_class_letters(
    session: Session, class_unit: OrgUnit, *, actor: User, ip: str | None = None
) -> int:
    """Revoke every standing letter of the class's children; return how many."""
    children = [child.id for child in class_students(session, class_unit)]
    count = _revoke(session, children, utcnow())
    record_event(
        session, "parent_letters_revoked", actor_id=actor.id, org_unit_id=class_unit.id, ip=ip,
        count=count,
    )
    return count


def standing_letters(session: Session, class_unit: OrgUnit, today: dt.date) -> int:
    """Return how many of the class's children hold a letter that can still be used."""
    children = [child.id for child in class_students(session, class_unit)]
    if not children:
        return 0
    return len(set(session.scalars(
        select(ParentLetter.child_user_id).where(
            ParentLetter.child_user_id.in_(children), ParentLetter.revoked_at.is_(None),
            ParentLetter.expires_on >= today, ParentLetter.uses < ParentLetter.max_uses,
        )
    )))


def _revoke(session: Session, child_ids: list[int], now: dt.datetime) -> int:
    if not child_ids:
        return 0
    result = session.execute(
        update(ParentLetter)
        .where(ParentLetter.child_user_id.in_(child_ids), ParentLetter.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session="fetch")
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _unused_code(session: Session) -> str:
    """Return a code no letter has (a clash is rare; the unique index is the last guard)."""
    while True:
        code = new_letter_code()
        if session.scalar(select(ParentLetter.id).where(ParentLetter.code == code)) is None:
            return code


def letter_for_code(session: Session, typed: str, today: dt.date) -> ParentLetter:
    """Return the letter a typed code names, if it can still link an adult.

    :raises UnknownLetterCodeError: no letter has this code (or its child has left).
    :raises RevokedLetterError: the school revoked it or printed a newer one.
    :raises ExpiredLetterError: its last day has passed.
    :raises UsedUpLetterError: it linked as many adults as it may.
    """
    code = normalize_letter_code(typed)
    letter = None if code is None else session.scalar(
        select(ParentLetter).where(ParentLetter.code == code)
    )
    if letter is None or not letter.child.active:
        raise UnknownLetterCodeError()
    check_letter(letter, today)
    return letter


def check_letter(letter: ParentLetter, today: dt.date) -> None:
    """Refuse a letter that can no longer link an adult (see :func:`letter_for_code`)."""
    if letter.revoked_at is not None:
        raise RevokedLetterError()
    if letter.expires_on < today:
        raise ExpiredLetterError(letter.expires_on)
    if letter.uses >= letter.max_uses:
        raise UsedUpLetterError(letter.max_uses)


def take_use(session: Session, letter: ParentLetter) -> None:
    """Count one more adult linked with ``letter``, atomically (two parents may be at it at
    the same moment: only ``max_uses`` of them get through).

    :raises UsedUpLetterError: when the last use was taken meanwhile.
    """
    result = session.execute(
        update(ParentLetter)
        .where(ParentLetter.id == letter.id, ParentLetter.uses < ParentLetter.max_uses)
        .values(uses=ParentLetter.uses + 1)
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        raise UsedUpLetterError(letter.max_uses)
    session.refresh(letter, ["uses"])

