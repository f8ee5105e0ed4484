"""Close a school year and open the next: promote students, carry staff, targets, assignments.

Nothing is deleted: last year's memberships are deactivated and listed in
:class:`~lms_module.school_years.models.YearEndMembership`, so last year's coverage report
still counts exactly the people who were there when the year closed.

:func:`rollover` runs the steps below in order, in the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, delete, exists, func, insert, literal, or_, select, update
from sqlalchemy.orm import Session

from lms_module.coverage.models import (
    CoverageOverlap,
    CoverageProvinceRollup,
    CoverageRollup,
    CoverageSchoolRollup,
    RollupBuild,
)
from lms_module.db import utcnow
from lms_module.i18n import local_today
from lms_module.obligations.models import Assignment, CoverageTarget
from lms_module.orgs.levels import school_grades
from lms_module.orgs.models import OrgKind, OrgUnit
from lms_module.orgs.services import create_unit
from lms_module.people.models import ADULT_ROLES, Membership, Role, User
from lms_module.school_years.models import SchoolYearClosing, YearEndMembership
from lms_module.school_years.year import SchoolYear, SchoolYearError


@dataclass(frozen=True)
class RolloverResult:
    """What a rollover did."""

    promoted: int
    left_school: int
    classes_created: int
    adults_carried: int
    targets_copied: int
    assignments_copied: int


@dataclass(frozen=True)
class Promotion:
    """What promoting the classes did."""

    promoted: int
    left_school: int
    classes_created: int


def rollover(
    session: Session, from_year: str, to_year: str, today: dt.date | None = None
) -> RolloverResult:
    """Close ``from_year`` and start ``to_year`` (see the module docstring).

    :raises SchoolYearError: a malformed year, ``to_year`` not the year after ``from_year``,
        or ``from_year`` already closed.
    """
    closing = SchoolYear.parse(from_year)
    if str(closing.next) != to_year:
        raise SchoolYearError(f"Năm học sau {closing} là {closing.next}.")
    if session.scalar(
        select(SchoolYearClosing.id).where(SchoolYearClosing.school_year == str(closing))
    ):
        raise SchoolYearError(f"Năm học {closing} đã được kết chuyển rồi.")
    today = today or local_today()
    remember_who_was_there(session, closing)
    promotion = promote_classes(session, closing)
    adults = carry_staff_over(session, closing)
    end_last_years_memberships(session, closing)
    targets_copied = copy_targets(session, closing)
    assignments_copied = copy_dated_assignments(session, closing)
    close_year(session, closing, promotion, today)
    return RolloverResult(promotion.promoted, promotion.left_school, promotion.classes_created,
                          adults, targets_copied, assignments_copied)


def remember_who_was_there(session: Session, year: SchoolYear) -> None:
    """List the memberships active at the close in :class:`YearEndMembership`.

    Students in the year's classes and adults of the year; active accounts only: a
    deactivated account is neither counted nor carried forward.
    """
    klass = OrgUnit.__table__.alias("klass")
    in_year = or_(
        and_(
            Membership.role == Role.STUDENT,
            exists().where(klass.c.id == Membership.org_unit_id,
                           klass.c.school_year == str(year), klass.c.kind == OrgKind.CLASS.value),
        ),
        and_(Membership.role.in_(ADULT_ROLES), Membership.school_year == str(year)),
    )
    session.execute(
        insert(YearEndMembership).from_select(
            ["membership_id", "school_year"],
            select(Membership.id, literal(str(year)))
            .join(User, User.id == Membership.user_id)
            .where(Membership.active.is_(True), User.active.is_(True), in_year),
        )
    )


def promote_classes(session: Session, year: SchoolYear) -> Promotion:
    """Move each class's remembered students into next year's class of the same letter.

    Students of a school's last grade leave the school instead: the last of the grades the
    school may hold (:func:`lms_module.orgs.levels.school_grades`, the same rule the roster
    import checks classes with), so grade 9 leaves a "Tiểu học và THCS" school.
    """
    now = utcnow()
    next_year = str(year.next)
    promoted = left = created = 0
    classes = list(session.scalars(
        select(OrgUnit)
        .where(OrgUnit.kind == OrgKind.CLASS, OrgUnit.school_year == str(year))
        .order_by(OrgUnit.path)
    ))
    schools = {
        s.id: s
        for s in session.scalars(
            select(OrgUnit).where(OrgUnit.id.in_({c.parent_id for c in classes}))
        )
    }
    for old_class in classes:
        school = schools.get(old_class.parent_id or 0)
        grade = old_class.grade or 0
        members = (
            select(Membership.user_id)
            .join(YearEndMembership, YearEndMembership.membership_id == Membership.id)
            .where(Membership.org_unit_id == old_class.id, Membership.role == Role.STUDENT)
        )
        count = session.scalar(select(func.count()).select_from(members.subquery())) or 0
        if school is None or not (grades := school_grades(school)) or grade >= grades[-1]:
            left += count
            continue
        name = _next_class_name(old_class.name, grade)
        new_class = session.scalar(
            select(OrgUnit).where(
                OrgUnit.parent_id == school.id, OrgUnit.kind == OrgKind.CLASS,
                OrgUnit.school_year == next_year, OrgUnit.name == name,
            )
        )
        if new_class is None:
            new_class = create_unit(
                session, kind=OrgKind.CLASS,
                code=f"{school.code}-{year.next.start}-{name}"[:40],
                name=name, parent=school, grade=grade + 1, school_year=next_year,
            )
            created += 1
        session.execute(
            insert(Membership).from_select(
                ["user_id", "org_unit_id", "role", "school_year", "active", "created_at"],
                select(Membership.user_id, literal(new_class.id), literal(Role.STUDENT.value),
                       literal(next_year), literal(True), literal(now))
                .select_from(Membership)
                .join(YearEndMembership, YearEndMembership.membership_id == Membership.id)
                .where(Membership.org_unit_id == old_class.id, Membership.role == Role.STUDENT),
            )
        )
        promoted += count
    return Promotion(promoted, left, created)


def _next_class_name(name: str, grade: int) -> str:
    """"2A" in grade 2 becomes "3A"; a name without the grade gets the new grade in front."""
    suffix = name[len(str(grade)):] if name.startswith(str(grade)) else name
    return f"{grade + 1}{suffix}"


def carry_staff_over(session: Session, year: SchoolYear) -> int:
    """Give every remembered adult the same unit and role next year; return how many."""
    adults = session.scalar(
        select(func.count()).select_from(YearEndMembership).join(
            Membership, Membership.id == YearEndMembership.membership_id
        ).where(YearEndMembership.school_year == str(year), Membership.role.in_(ADULT_ROLES))
    ) or 0
    session.execute(
        insert(Membership).from_select(
            ["user_id", "org_unit_id", "role", "school_year", "active", "created_at"],
            select(Membership.user_id, Membership.org_unit_id, Membership.role,
                   literal(str(year.next)), literal(True), literal(utcnow()))
            .join(YearEndMembership, YearEndMembership.membership_id == Membership.id)
            .where(Membership.role.in_(ADULT_ROLES), YearEndMembership.school_year == str(year)),
        )
    )
    return int(adults)


def end_last_years_memberships(session: Session, year: SchoolYear) -> None:
    """Deactivate the remembered memberships (kept, not deleted)."""
    session.execute(
        update(Membership)
        .where(Membership.id.in_(select(YearEndMembership.membership_id)
                                 .where(YearEndMembership.school_year == str(year))))
        .values(active=False)
        .execution_options(synchronize_session=False)
    )


def copy_targets(session: Session, year: SchoolYear) -> int:
    """Copy the year's targets to the next year, deadlines one year later; return how many.

    A target the next year already has (same unit, audience and requirement) is kept as is.
    """
    copied = 0
    for target in list(session.scalars(
        select(CoverageTarget).where(CoverageTarget.school_year == str(year))
    )):
        exists_already = session.scalar(select(CoverageTarget.id).where(
            CoverageTarget.org_unit_id == target.org_unit_id,
            CoverageTarget.audience == target.audience,
            CoverageTarget.requirement_id == target.requirement_id,
            CoverageTarget.school_year == str(year.next),
        ))
        if exists_already is None:
            session.add(CoverageTarget(
                org_unit_id=target.org_unit_id, audience=target.audience,
                requirement_id=target.requirement_id, percent=target.percent,
                school_year=str(year.next), deadline=_one_year_later(target.deadline),
                source=target.source, created_by_id=target.created_by_id,
            ))
            copied += 1
    return copied


def copy_dated_assignments(session: Session, year: SchoolYear) -> int:
    """Replace each active assignment due in the year by one due a year later; return how many.

    Assignments without a fixed deadline stay as they are: they hold every year, and a
    relative deadline (after joining, after the year starts) is worked out for each year by
    :func:`~lms_module.obligations.query.obligations`.
    """
    copied = 0
    for assignment in list(session.scalars(
        select(Assignment).where(Assignment.active.is_(True), Assignment.due_on.is_not(None))
    )):
        if assignment.due_on is None or assignment.due_on not in year:
            continue
        session.add(Assignment(
            course_id=assignment.course_id, requirement_id=assignment.requirement_id,
            org_unit_id=assignment.org_unit_id, role=assignment.role,
            grade_min=assignment.grade_min, grade_max=assignment.grade_max,
            due_on=_one_year_later(assignment.due_on), due_kind=assignment.due_kind,
            due_days=assignment.due_days, created_by_id=assignment.created_by_id,
        ))
        assignment.active = False
        copied += 1
    return copied


def close_year(session: Session, year: SchoolYear, promotion: Promotion, today: dt.date) -> None:
    """Record the closing and freeze the year's report at it (today, or the year's reporting
    end if that came first); its rollup is rebuilt on the next read."""
    session.add(SchoolYearClosing(
        school_year=str(year), next_year=str(year.next),
        report_date=min(today, year.reporting_end), promoted=promotion.promoted,
        left_school=promotion.left_school,
    ))
    session.execute(delete(CoverageRollup).where(CoverageRollup.school_year == str(year)))
    for table in (CoverageSchoolRollup, CoverageProvinceRollup, CoverageOverlap):
        session.execute(delete(table).where(table.school_year == str(year)))
    session.execute(delete(RollupBuild).where(RollupBuild.school_year == str(year)))
    session.flush()


def _one_year_later(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)
