"""Sign-in rules: password check, sign-out and revocable, expiring QR login cards."""

from __future__ import annotations

import datetime as dt

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import Session

from lms_module.audit.services import record_event
from lms_module.people.models import User
from lms_module.people.services import end_sessions, password_matches, user_by_username
from lms_module.school_years.year import SchoolYear

CARD_SALT = "lms-login-card"


def authenticate(session: Session, username: str, password: str, *, ip: str | None) -> User | None:
    """Return the user if the password is right, recording the attempt either way."""
    user = user_by_username(session, username)
    # The hash is checked for unknown and inactive users too: timing tells nothing.
    if not password_matches(user, password) or user is None or not user.active:
        record_event(
            session,
            "login_failed",
            subject_user_id=user.id if user else None,
            ip=ip,
            username=username[:80],
        )
        return None
    record_event(session, "login", actor_id=user.id, subject_user_id=user.id, ip=ip, via="password")
    return user


def sign_out(session: Session, user: User, *, ip: str | None) -> None:
    """End every session of ``user`` (a copied cookie stops working too) and record it."""
    end_sessions(user)
    record_event(session, "logout", actor_id=user.id, subject_user_id=user.id, ip=ip)


def _card_serializer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt=CARD_SALT)


def card_expiry(today: dt.date) -> dt.date:
    """Return the last day a card printed ``today`` works: the end of the school year."""
    return SchoolYear.containing(today).last_day


def login_card_token(user: User, secret_key: str, *, expires: dt.date) -> str:
    """Return the signed token printed as a QR code on the user's login card."""
    payload = [user.id, user.login_card_version, expires.toordinal()]
    token: str = _card_serializer(secret_key).dumps(payload)
    return token


def user_for_card_token(
    session: Session, token: str, secret_key: str, *, today: dt.date
) -> User | None:
    """Return the active user a card token belongs to; None if forged, revoked or expired."""
    try:
        payload = _card_serializer(secret_key).loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    if not isinstance(payload, list) or len(payload) != 3:
        return None  # also the cards printed before cards expired: print new ones
    if not all(isinstance(part, int) and not isinstance(part, bool) for part in payload):
        return None
    user_id, version, expires = payload
    if expires < today.toordinal() or not 0 < user_id < 2**63:
        return None
    user = session.get(User, user_id)
    if user is None or not user.active or user.login_card_version != version:
        return None
    return user


def revoke_login_cards(
    session: Session, user: User, *, actor: User, org_unit_id: int, ip: str | None
) -> None:
    """Invalidate every login card printed so far for ``user`` and end their sessions."""
    user.login_card_version += 1
    end_sessions(user)
    record_event(
        session,
        "login_cards_revoked",
        actor_id=actor.id,
        subject_user_id=user.id,
        org_unit_id=org_unit_id,
        ip=ip,
    )
