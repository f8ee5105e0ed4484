"""Create people, set passwords and memberships, and answer who holds which role where."""

from __future__ import annotations

import unicodedata
from typing import Any

from sqlalchemy import bindparam, event, select
from sqlalchemy.orm import ORMExecuteState, Session, joinedload
from sqlalchemy.orm.base import NO_VALUE
from werkzeug.security import check_password_hash, generate_password_hash

from lms_module.core.collation import person_sort_key
from lms_module.core.errors import LMSError
from lms_module.db import read_rows
from lms_module.orgs.models import OrgUnit
from lms_module.people.models import Membership, Role, User

#: scrypt (Werkzeug's default KDF): memory-hard, no extra dependency.
PASSWORD_METHOD = "scrypt"  # noqa: S105 (a hash method name)
MIN_PASSWORD_LENGTH = 8


class WeakPasswordError(LMSError):
    """A password too short to protect a child's record."""


def normalize_text(value: str) -> str:
    """Return ``value`` in Unicode NFC with inner whitespace folded (how names are stored)."""
    return " ".join(unicodedata.normalize("NFC", value).split())


def create_user(
    session: Session,
    *,
    username: str,
    full_name: str,
    student_code: str | None = None,
    staff_code: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    password: str | None = None,
) -> User:
    """Create a user (no memberships yet)."""
    user = User(
        username=username.strip().lower(),
        full_name=normalize_text(full_name),
        student_code=student_code,
        staff_code=staff_code,
        email=email,
        phone=phone,
    )
    if password is not None:
        set_password(user, password)
    session.add(user)
    return user


def set_password(user: User, password: str) -> None:
    """Hash and store a new password."""
    user.password_hash = password_hash(password)


def password_hash(password: str) -> str:
    """Return the stored form of a new password (salted scrypt), refusing a short one."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPasswordError(f"Mật khẩu cần ít nhất {MIN_PASSWORD_LENGTH} ký tự.")
    return generate_password_hash(password, method=PASSWORD_METHOD)


#: Checked when no user (or no password) matches, so that a wrong username takes as long as a
#: wrong password and sign-in timing does not tell which usernames exist.
_DUMMY_HASH = generate_password_hash("not-a-password-of-anyone", method=PASSWORD_METHOD)


def password_matches(user: User | None, password: str) -> bool:
    """Tell whether ``password`` is the user's password, in the same time for every user.

    False when there is no user or no password set; a hash is checked in every case.
    """
    if user is None or user.password_hash is None:
        check_password_hash(_DUMMY_HASH, password)
        return False
    return check_password_hash(user.password_hash, password)


def end_sessions(user: User) -> None:
    """End every signed-in session of ``user``: each carries the version it started with."""
    user.session_version = (user.session_version or 1) + 1


@event.listens_for(User.password_hash, "set", active_history=True)
def _password_changed(user: User, value: Any, old: Any, _initiator: Any) -> None:
    # A new password ends the sessions opened with the old one (not the first password).
    if old not in (None, NO_VALUE) and value != old:
        end_sessions(user)


@event.listens_for(User.active, "set", active_history=True)
def _deactivated(user: User, value: Any, old: Any, _initiator: Any) -> None:
    # Reactivating an account must not revive the sessions it had.
    if value is False and old is not False and old is not NO_VALUE:
        end_sessions(user)


def add_membership(
    session: Session,
    user: User,
    unit: OrgUnit,
    role: Role,
    *,
    school_year: str | None = None,
) -> Membership:
    """Give ``user`` a role at ``unit``, reusing an identical membership if it exists."""
    for membership in user.memberships:
        if (
            membership.org_unit_id == unit.id
            and membership.role is role
            and membership.school_year == school_year
        ):
            membership.active = True
            return membership
    membership = Membership(user=user, org_unit=unit, role=role, school_year=school_year)
    session.add(membership)
    return membership


#: ``Session.info`` keys of what :func:`active_memberships` and :func:`active_roles` read,
#: by user id.
_MEMBERSHIPS_READ = "lms.people.active_memberships"
_ROLES_READ = "lms.people.active_roles"
#: A user's active memberships: the one condition both readers use.
_ACTIVE_OF_USER = (Membership.user_id == bindparam("user_id"), Membership.active.is_(True))
#: Built once per process: every signed-in page asks it.
_ACTIVE_MEMBERSHIPS = (
    select(Membership)
    .where(*_ACTIVE_OF_USER)
    .options(joinedload(Membership.org_unit, innerjoin=True))
    .order_by(Membership.id)
)
_ACTIVE_ROLES = (
    select(Membership.role, OrgUnit.grade)
    .join(OrgUnit, OrgUnit.id == Membership.org_unit_id)
    .where(*_ACTIVE_OF_USER)
    .order_by(Membership.id)
)


def active_memberships(session: Session, user: User) -> list[Membership]:
    """Return the user's active memberships with their org units loaded.

    Read once per session while nothing changes: a page asks several times (may the user take
    this course, is the reader a child), and the answer is the same until the session writes.
    The rows read are forgotten at every flush, write statement and end of transaction
    (:func:`_forget_memberships_read`), and not used while the session holds unsaved changes
    (the query would flush them first).
    """
    read = session.info.get(_MEMBERSHIPS_READ)
    if read is not None and user.id in read and not _has_unsaved_changes(session):
        return list(read[user.id])
    memberships = list(session.scalars(_ACTIVE_MEMBERSHIPS, {"user_id": user.id}))
    session.info.setdefault(_MEMBERSHIPS_READ, {})[user.id] = memberships
    return list(memberships)


def active_roles(session: Session, user: User) -> list[tuple[Role, int | None]]:
    """Return the role and the org unit's grade (``None`` except for a class) of each of the
    user's active memberships, in the order of :func:`active_memberships`.

    What a learner's page needs (which courses are theirs, whether to speak to a child), read
    as plain rows: every unit page and handler call asks it, and loading the memberships as
    objects costs more than the query. Kept and forgotten like :func:`active_memberships`,
    whose rows serve when they were read already.
    """
    unsaved = _has_unsaved_changes(session)
    memberships = session.info.get(_MEMBERSHIPS_READ, {}).get(user.id)
    if memberships is not None and not unsaved:
        return [(m.role, m.org_unit.grade) for m in memberships]
    read = session.info.get(_ROLES_READ)
    if read is not None and user.id in read and not unsaved:
        return list(read[user.id])
    rows = read_rows(session, _ACTIVE_ROLES, {"user_id": user.id})
    roles = [(role, grade) for role, grade in rows]
    session.info.setdefault(_ROLES_READ, {})[user.id] = roles
    return list(roles)


def _has_unsaved_changes(session: Session) -> bool:
    return bool(session.new or session.deleted or session.dirty)


def _forget_memberships_read(session: Session, *_args: Any) -> None:
    session.info.pop(_MEMBERSHIPS_READ, None)
    session.info.pop(_ROLES_READ, None)


def _forget_memberships_on_write(state: ORMExecuteState) -> None:
    if not state.is_select:  # an UPDATE, DELETE or text statement may change memberships
        _forget_memberships_read(state.session)


event.listen(Session, "after_flush", _forget_memberships_read)
event.listen(Session, "after_transaction_end", _forget_memberships_read)
event.listen(Session, "do_orm_execute", _forget_memberships_on_write)


def user_by_username(session: Session, username: str) -> User | None:
    """Return the user with this username (case-insensitive), if any."""
    return session.scalars(
        select(User).where(User.username == username.strip().lower())
    ).one_or_none()


def display_name_for_public(full_name: str) -> str:
    """Mask a name for public pages: "Nguyễn Thị Hoa" becomes "Nguyễn T. H."."""
    parts = normalize_text(full_name).split(" ")
    if len(parts) <= 1:
        return f"{parts[0][:1]}." if parts and parts[0] else ""
    return " ".join([parts[0], *(f"{part[0]}." for part in parts[1:])])


def given_name(full_name: str) -> str:
    """Return the given name (the last word of a Vietnamese full name)."""
    parts = normalize_text(full_name).split(" ")
    return parts[-1] if parts else ""


def class_students(session: Session, class_unit: OrgUnit) -> list[User]:
    """Return the active students of a class, by name (given name first, in Vietnamese order:
    :mod:`~lms_module.core.collation`)."""
    students = session.scalars(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.org_unit_id == class_unit.id,
            Membership.role == Role.STUDENT,
            Membership.active.is_(True),
            User.active.is_(True),
        )
    )
    return sorted(students, key=lambda user: (person_sort_key(user.full_name), user.id))
