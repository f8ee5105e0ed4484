"""Sign-in rules: password check and revocable QR login cards."""

from __future__ import annotations

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import Session

from lms_module.audit.services import record_event
from lms_module.people.models import User
from lms_module.people.services import password_matches, user_by_username

CARD_SALT = "lms-login-card"


def authenticate(session: Session, username: str, password: str, *, ip: str | None) -> User | None:
    """Return the user if the password is right, recording the attempt either way."""
    user = user_by_username(session, username)
    if user is None or not user.active or not password_matches(user, password):
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


def _card_serializer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt=CARD_SALT)


def login_card_token(user: User, secret_key: str) -> str:
    """Return the signed token printed as a QR code on the user's login card."""
    token: str = _card_serializer(secret_key).dumps([user.id, user.login_card_version])
    return token


def user_for_card_token(session: Session, token: str, secret_key: str) -> User | None:
    """Return the active user a card token belongs to, or None if forged or revoked."""
    try:
        user_id, version = _card_serializer(secret_key).loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    if not isinstance(user_id, int) or not isinstance(version, int):
        return None
    user = session.get(User, user_id)
    if user is None or not user.active or user.login_card_version != version:
        return None
    return user


def revoke_login_cards(session: Session, user: User, *, actor: User) -> None:
    """Invalidate every login card printed so far for ``user`` (a lost card, say)."""
    user.login_card_version += 1
    record_event(session, "login_cards_revoked", actor_id=actor.id, subject_user_id=user.id)
