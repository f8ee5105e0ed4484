"""Teachers' class duties: which classes a teacher is homeroom teacher (GVCN) of or teaches,
per school year, and the rule of which classes that lets them see.

A duty gives sight of a class only while the teacher is an active teacher of the class's
school for that school year (:func:`duty_classes`): a teacher who left the school, or whose
account was closed, keeps no access through an old duty.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session, aliased

from lms_module.core.collation import person_sort_key
from lms_module.db import subtree_condition
from lms_module.orgs.models import OrgKind, OrgUnit
from lms_module.orgs.services import unit_sort_key
from lms_module.people.models import ClassDuty, Membership, Role, TeachingAssignment, User

#: The order duties are shown in.
DUTY_ORDER = (ClassDuty.HOMEROOM, ClassDuty.SUBJECT)


@dataclass
class DutyClass:
    """A class a teacher may see, with their duties in it."""

    unit: OrgUnit
    duties: set[ClassDuty] = field(default_factory=set)

    @property
    def homeroom(self) -> bool:
        """Whether the teacher is the class's homeroom teacher (GVCN)."""
        return ClassDuty.HOMEROOM in self.duties


def duty_classes(session: Session, user: User, school_year: str) -> list[DutyClass]:
    """Return the classes ``user`` has a duty in for ``school_year``, by grade and name.

    Only duties at a school where the user is an active teacher of that year count, and only
    while the account is active.
    """
    if not user.active:
        return []
    class_unit = aliased(OrgUnit)
    school = aliased(OrgUnit)
    rows = session.execute(
        select(class_unit, TeachingAssignment.duty)
        .join(TeachingAssignment, TeachingAssignment.class_unit_id == class_unit.id)
        .join(
            Membership,
            (Membership.user_id == TeachingAssignment.user_id)
            & (Membership.role == Role.TEACHER)
            & Membership.active.is_(True)
            & or_(Membership.school_year == school_year, Membership.school_year.is_(None)),
        )
        .join(school, school.id == Membership.org_unit_id)
        .where(
            TeachingAssignment.user_id == user.id,
            TeachingAssignment.school_year == school_year,
            class_unit.kind == OrgKind.CLASS,
            subtree_condition(class_unit.path, school.path),
        )
    ).all()
    found: dict[int, DutyClass] = {}
    for unit, duty in rows:
        found.setdefault(unit.id, DutyClass(unit)).duties.add(duty)
    return sorted(found.values(), key=lambda c: unit_sort_key(c.unit))


def has_duty_in(session: Session, user: User, unit: OrgUnit, school_year: str) -> bool:
    """Tell whether ``user`` has a duty in the class ``unit`` that lets them see it."""
    if unit.kind is not OrgKind.CLASS:
        return False
    return any(c.unit.id == unit.id for c in duty_classes(session, user, school_year))


def class_teachers(
    session: Session, class_unit: OrgUnit, school_year: str
) -> list[tuple[User, ClassDuty]]:
    """Return the teachers with a duty in a class (homeroom first, then by name)."""
    rows = session.execute(
        select(User, TeachingAssignment.duty)
        .join(TeachingAssignment, TeachingAssignment.user_id == User.id)
        .where(
            TeachingAssignment.class_unit_id == class_unit.id,
            TeachingAssignment.school_year == school_year,
            User.active.is_(True),
        )
    ).all()
    return sorted(
        ((user, duty) for user, duty in rows),
        key=lambda pair: (DUTY_ORDER.index(pair[1]), person_sort_key(pair[0].full_name),
                          pair[0].id),
    )


def school_teachers(session: Session, school: OrgUnit, school_year: str) -> list[User]:
    """Return the school's active teachers of ``school_year`` (who may be given its classes),
    by name."""
    teachers = session.scalars(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.org_unit_id == school.id,
            Membership.role == Role.TEACHER,
            Membership.active.is_(True),
            or_(Membership.school_year == school_year, Membership.school_year.is_(None)),
            User.active.is_(True),
        )
        .distinct()
    )
    return sorted(teachers, key=lambda user: (person_sort_key(user.full_name), user.id))


def set_class_teachers(
    session: Session,
    class_unit: OrgUnit,
    school_year: str,
    *,
    homeroom: User | None,
    subject: Iterable[User],
) -> None:
    """Make these the class's teachers for ``school_year``: its homeroom teacher (or none) and
    its subject teachers. Their duties in other classes are kept."""
    session.execute(
        delete(TeachingAssignment)
        .where(
            TeachingAssignment.class_unit_id == class_unit.id,
            TeachingAssignment.school_year == school_year,
        )
        .execution_options(synchronize_session=False)
    )
    wanted = [(homeroom, ClassDuty.HOMEROOM)] if homeroom is not None else []
    wanted += [(user, ClassDuty.SUBJECT) for user in {u.id: u for u in subject}.values()]
    for user, duty in wanted:
        session.add(TeachingAssignment(
            user_id=user.id, class_unit_id=class_unit.id, school_year=school_year, duty=duty
        ))
    session.flush()


def current_duties(
    session: Session, user_ids: Iterable[int], school: OrgUnit, school_year: str
) -> dict[tuple[int, ClassDuty], list[OrgUnit]]:
    """Return each user's classes per duty at ``school`` for ``school_year`` (by class)."""
    ids = sorted(set(user_ids))
    found: dict[tuple[int, ClassDuty], list[OrgUnit]] = {}
    if not ids:
        return found
    rows = session.execute(
        select(TeachingAssignment.user_id, TeachingAssignment.duty, OrgUnit)
        .join(OrgUnit, OrgUnit.id == TeachingAssignment.class_unit_id)
        .where(
            TeachingAssignment.user_id.in_(ids),
            TeachingAssignment.school_year == school_year,
            subtree_condition(OrgUnit.path, school.path),
        )
    ).all()
    for user_id, duty, unit in sorted(rows, key=lambda row: unit_sort_key(row[2])):
        found.setdefault((user_id, duty), []).append(unit)
    return found


def replace_duties(
    session: Session,
    user: User,
    school: OrgUnit,
    school_year: str,
    duty: ClassDuty,
    classes: Iterable[OrgUnit],
) -> None:
    """Make ``classes`` the user's only classes with ``duty`` at ``school`` in ``school_year``.

    Duties at other schools, of other years and of the other kind are kept.
    """
    session.flush()  # a user created in this transaction needs their id
    in_school = select(OrgUnit.id).where(subtree_condition(OrgUnit.path, school.path))
    session.execute(
        delete(TeachingAssignment)
        .where(
            TeachingAssignment.user_id == user.id,
            TeachingAssignment.school_year == school_year,
            TeachingAssignment.duty == duty,
            TeachingAssignment.class_unit_id.in_(in_school),
        )
        .execution_options(synchronize_session=False)
    )
    for unit in {unit.id: unit for unit in classes}.values():
        session.add(TeachingAssignment(
            user_id=user.id, class_unit_id=unit.id, school_year=school_year, duty=duty
        ))
    session.flush()
