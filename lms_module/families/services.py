"""Linking adults to children, the families that follow, and who may follow which child.

A **family** is what the links join: a child, every adult linked to it, every other child
linked to one of those adults, and so on (siblings linked to the same parent, two parents of
one child). :func:`link_adult` and :func:`end_link` keep ``User.family_id`` equal to these
groups, so that the coverage figures count families in SQL (``coverage.families``). A linked
adult holds a parent membership (:attr:`Role.PARENT`) at each school of their children, which
is where their certificates are issued and their coverage marks go.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from lms_module.audit.services import record_event
from lms_module.core.errors import AccessDeniedError
from lms_module.db import utcnow
from lms_module.families.models import Family, Kinship, LinkSource, ParentLetter, ParentLink
from lms_module.orgs.models import OrgKind, OrgUnit
from lms_module.orgs.services import enclosing_school
from lms_module.people.models import Membership, Role, User
from lms_module.people.services import add_membership, class_students


class NotYourChildError(AccessDeniedError):
    """A parent asked for a child they are not linked to."""

    def __init__(self) -> None:
        super().__init__(_("Anh/chị chỉ xem được thông tin của con mình."))


def current_class(
    session: Session, child: User, *, including_ended: bool = False
) -> OrgUnit | None:
    """Return the child's class of the most recent school year they are an active member of.

    :param including_ended: for a child with no active class (who left, or whose data was
        erased), the class of the latest school year they were in.
    """
    conditions = [
        Membership.user_id == child.id,
        Membership.role == Role.STUDENT,
        OrgUnit.kind == OrgKind.CLASS,
    ]
    if not including_ended:
        conditions.append(Membership.active.is_(True))
    return session.scalars(
        select(OrgUnit)
        .join(Membership, Membership.org_unit_id == OrgUnit.id)
        .where(*conditions)
        .order_by(Membership.active.desc(), OrgUnit.school_year.desc(), OrgUnit.id.desc())
        .limit(1)
    ).first()


def child_school(
    session: Session, child: User, *, including_ended: bool = False
) -> OrgUnit | None:
    """Return the school of the child's current class (see :func:`current_class`)."""
    class_unit = current_class(session, child, including_ended=including_ended)
    return enclosing_school(session, class_unit) if class_unit is not None else None


def link_adult(
    session: Session,
    adult: User,
    child: User,
    *,
    kinship: Kinship,
    source: LinkSource,
    letter: ParentLetter | None = None,
    actor_id: int | None = None,
) -> ParentLink:
    """Link ``adult`` to ``child`` (again, if an earlier link ended) and join their families.

    The adult gets a parent membership at the child's school. Audited as ``parent_linked``.
    """
    link = session.scalar(
        select(ParentLink).where(
            ParentLink.adult_user_id == adult.id, ParentLink.child_user_id == child.id
        )
    )
    if link is None:
        link = ParentLink(adult=adult, child=child, kinship=kinship, source=source,
                          letter_id=letter.id if letter is not None else None)
        session.add(link)
    else:
        link.ended_at = None
        link.ended_reason = None
        link.kinship = kinship
        link.source = source
        link.letter_id = letter.id if letter is not None else link.letter_id
    school = child_school(session, child)
    if school is not None:
        add_membership(session, adult, school, Role.PARENT)
    session.flush()
    regroup_families(session, [adult.id, child.id])
    record_event(
        session, "parent_linked", actor_id=actor_id if actor_id is not None else adult.id,
        subject_user_id=child.id, org_unit_id=school.id if school is not None else None,
        adult_id=adult.id, source=source.value,
    )
    return link


def end_link(
    session: Session, link: ParentLink, *, reason: str, actor_id: int | None
) -> None:
    """End a link (consent withdrawn, the school unlinked, the child erased); audited.

    The adult's parent membership at the child's school ends with their last link there; the
    family splits if this link was what joined it.
    """
    if link.ended_at is not None:
        return
    link.ended_at = utcnow()
    link.ended_reason = reason
    session.flush()
    _drop_parent_memberships(session, link.adult)
    regroup_families(session, [link.adult_user_id, link.child_user_id])
    record_event(
        session, "parent_unlinked", actor_id=actor_id, subject_user_id=link.child_user_id,
        adult_id=link.adult_user_id, reason=reason,
    )


def _drop_parent_memberships(session: Session, adult: User) -> None:
    """Deactivate the adult's parent memberships at schools where no child is linked now."""
    schools = {
        school.id
        for child in children_of(session, adult)
        if (school := child_school(session, child)) is not None
    }
    for membership in adult.memberships:
        if membership.role is Role.PARENT and membership.org_unit_id not in schools:
            membership.active = False


def children_of(session: Session, adult: User) -> list[User]:
    """Return the active children ``adult`` is linked to now, in the order they were linked."""
    return list(session.scalars(
        select(User)
        .join(ParentLink, ParentLink.child_user_id == User.id)
        .where(ParentLink.adult_user_id == adult.id, ParentLink.ended_at.is_(None),
               User.active.is_(True))
        .order_by(ParentLink.linked_at, ParentLink.id)
    ))


def has_been_linked(session: Session, adult: User) -> bool:
    """Tell whether ``adult`` was ever linked to a child (a parent's account, even when every
    link has ended since)."""
    return session.scalar(
        select(ParentLink.id).where(ParentLink.adult_user_id == adult.id).limit(1)
    ) is not None


def links_of_child(session: Session, child: User) -> list[ParentLink]:
    """Return the standing links of a child (the adults who follow it)."""
    return list(session.scalars(
        select(ParentLink)
        .where(ParentLink.child_user_id == child.id, ParentLink.ended_at.is_(None))
        .order_by(ParentLink.linked_at, ParentLink.id)
    ))


def may_follow(session: Session, adult: User, child: User) -> bool:
    """Tell whether ``adult`` is linked to ``child`` now (the one check of a parent's pages)."""
    return adult.is_active and session.scalar(
        select(ParentLink.id).where(
            ParentLink.adult_user_id == adult.id,
            ParentLink.child_user_id == child.id,
            ParentLink.ended_at.is_(None),
        )
    ) is not None


def check_may_follow(session: Session, adult: User, child: User) -> None:
    """Refuse a parent's page about a child that is not theirs.

    :raises NotYourChildError: (403) when ``adult`` is not linked to ``child``.
    """
    if not may_follow(session, adult, child):
        raise NotYourChildError()


@dataclass(frozen=True)
class ClassFamily:
    """A child of a class and the adults linked to it (a line of the class's family list)."""

    child: User
    adults: tuple[User, ...]


def class_families(session: Session, class_unit: OrgUnit) -> list[ClassFamily]:
    """Return the class's children (Vietnamese order) with their linked adults."""
    children = class_students(session, class_unit)
    adults: dict[int, list[User]] = {child.id: [] for child in children}
    if children:
        for link, adult in session.execute(
            select(ParentLink, User)
            .join(User, User.id == ParentLink.adult_user_id)
            .where(ParentLink.child_user_id.in_(list(adults)), ParentLink.ended_at.is_(None),
                   User.active.is_(True))
            .order_by(ParentLink.linked_at, ParentLink.id)
        ).all():
            adults[link.child_user_id].append(adult)
    return [ClassFamily(child, tuple(adults[child.id])) for child in children]


def regroup_families(session: Session, user_ids: Iterable[int]) -> None:
    """Make ``family_id`` match the standing links around these people.

    Walks the links from each person to their whole group (children and adults reached through
    standing links). A group of two or more keeps the lowest family id any of them had (or gets
    a new family); a person left alone has no family.
    """
    seen: set[int] = set()
    for start in user_ids:
        if start in seen:
            continue
        group = _linked_group(session, start)
        seen |= group
        members = list(session.scalars(select(User).where(User.id.in_(sorted(group)))))
        if len(group) == 1:
            for person in members:
                person.family_id = None
            continue
        held = sorted(person.family_id for person in members if person.family_id is not None)
        if held:
            family_id = held[0]
        else:
            family = Family()
            session.add(family)
            session.flush()
            family_id = family.id
        for person in members:
            person.family_id = family_id
        session.flush()
        # Someone who was in this family but is no longer linked to it leaves it.
        for left in session.scalars(
            select(User.id).where(User.family_id == family_id, User.id.not_in(sorted(group)))
        ).all():
            if left not in seen:
                seen |= {left}
                regroup_families(session, [left])


def _linked_group(session: Session, start: int) -> set[int]:
    """Return everyone joined to ``start`` by standing links (``start`` included)."""
    group = {start}
    frontier = {start}
    while frontier:
        rows = session.execute(
            select(ParentLink.adult_user_id, ParentLink.child_user_id).where(
                ParentLink.ended_at.is_(None),
                or_(ParentLink.adult_user_id.in_(frontier),
                    ParentLink.child_user_id.in_(frontier)),
            )
        ).all()
        reached = {person for row in rows for person in row} - group
        group |= reached
        frontier = reached
    return group


def letter_expiry(today: dt.date, days: int) -> dt.date:
    """Return the last day a letter printed ``today`` can be used."""
    return today + dt.timedelta(days=days)
