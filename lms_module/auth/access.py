"""Role and org-scope authorization: the one check every non-public view goes through."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import abort, g, redirect, request, url_for
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from lms_module.audit.services import record_event
from lms_module.core.request import client_ip, current_person
from lms_module.db import db_session
from lms_module.orgs.models import OrgUnit
from lms_module.orgs.services import get_unit
from lms_module.people.duties import has_duty_in
from lms_module.people.models import Role, User
from lms_module.people.services import active_memberships
from lms_module.school_years.current import current_school_year

F = TypeVar("F", bound=Callable[..., Any])

#: Attribute set on view functions by :func:`requires` / :func:`public`; a test walks the URL
#: map and fails on any view that has neither.
ACCESS_ATTRIBUTE = "_lms_access"


def user_can(
    session: Session,
    user: User,
    roles: Iterable[Role],
    unit: OrgUnit | None,
    *,
    admin_counts: bool = True,
) -> bool:
    """Tell whether ``user`` holds one of ``roles`` at ``unit`` or at an ancestor of it.

    With ``unit=None`` the role anywhere is enough. An admin membership counts as every role
    within its subtree, unless ``admin_counts`` is False (pages with children's names).
    """
    if not user.is_active:
        return False
    wanted = set(roles) | ({Role.ADMIN} if admin_counts else set())
    for membership in active_memberships(session, user):
        if membership.role not in wanted:
            continue
        if unit is None or unit.path.startswith(membership.org_unit.path):
            return True
    return False


def may_see_names(
    session: Session, user: User, roles: Iterable[Role], unit: OrgUnit | None
) -> bool:
    """Tell whether ``user`` may open a page naming the people of ``unit``.

    Names are for the school's adults who need them: a listed role held at the unit or an
    ancestor (a school manager: the whole school), except that a teacher sees only the
    classes of their duties this school year, homeroom (GVCN) or taught, at a school where
    they teach (:mod:`lms_module.people.duties`). Never an admin by virtue of the admin role.
    """
    wanted = set(roles)
    if user_can(session, user, wanted - {Role.TEACHER}, unit, admin_counts=False):
        return True
    return (
        Role.TEACHER in wanted
        and unit is not None
        and has_duty_in(session, user, unit, str(current_school_year()))
    )


def has_role(session: Session, user: User, role: Role) -> bool:
    """Tell whether the user holds ``role`` (exactly, admins excluded) anywhere."""
    return any(m.role is role for m in active_memberships(session, user))


def public(view: F) -> F:
    """Mark a view as public (no sign-in); used for sign-in, verification and static files."""
    setattr(view, ACCESS_ATTRIBUTE, "public")
    return view


def requires(
    *roles: Role, unit_arg: str | None = None, personal_data: bool = False
) -> Callable[[F], F]:
    """Require sign-in and one of ``roles``, within the scope of the URL's org unit.

    :param roles: roles allowed (admin is allowed within its subtree unless ``personal_data``).
    :param unit_arg: name of the view argument holding an org unit id; the user must hold the
        role at that unit or an ancestor. The view receives the loaded unit as ``unit``.
    :param personal_data: the page shows children's names (or hands out their QR cards): only
        the listed roles may open it (a teacher: only the classes of their duties, see
        :func:`may_see_names`), never an admin by virtue of the admin role, and every refusal
        is written to the audit trail.
    """

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return redirect_to_login()
            session = db_session()
            unit: OrgUnit | None = None
            if unit_arg is not None:
                unit = get_unit(session, int(kwargs.pop(unit_arg)))
                kwargs["unit"] = unit
            user = current_person()
            allowed = (
                may_see_names(session, user, roles, unit) if personal_data
                else user_can(session, user, roles, unit)
            )
            if not allowed:
                if personal_data:
                    record_denial(session, user, unit)
                abort(403)
            return view(*args, **kwargs)

        setattr(wrapped, ACCESS_ATTRIBUTE, ("roles", tuple(roles), unit_arg, personal_data))
        return cast(F, wrapped)

    return decorator


def record_denial(session: Session, user: User, unit: OrgUnit | None) -> None:
    """Audit a refused attempt to open a page with personal data (its own commit)."""
    session.rollback()
    record_event(
        session,
        "access_denied",
        actor_id=user.id,
        org_unit_id=unit.id if unit is not None else None,
        ip=client_ip(),
        endpoint=request.endpoint,
        method=request.method,
    )
    session.commit()


def signed_in(view: F) -> F:
    """Require sign-in only (pages about oneself: home, own profile, sign-out)."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return redirect_to_login()
        return view(*args, **kwargs)

    setattr(wrapped, ACCESS_ATTRIBUTE, "signed_in")
    return cast(F, wrapped)


def is_signed_in() -> bool:
    """Tell whether a user is signed in; False when that cannot be known (database away).

    For layouts and error handlers, which must work while the database is unreachable.
    """
    if g.get("lms_database_down"):
        return False
    try:
        return bool(current_user.is_authenticated)
    except SQLAlchemyError:
        g.lms_database_down = True
        return False


def redirect_to_login() -> Any:
    """Send an anonymous visitor to the sign-in page, coming back here afterwards."""
    return redirect(url_for("lms.auth.login", next=request.full_path.rstrip("?")))
