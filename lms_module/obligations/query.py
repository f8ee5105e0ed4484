"""Who must complete what, by when, in a subtree: the one query behind every named list.

Two kinds of source oblige people, for a school year:

* a **coverage target** obliges every member of its audience in its unit's subtree (the
  population: students by the grade of their class of the year, teachers, staff, managers)
  to meet its requirement by its deadline;
* an active **assignment** obliges the members of its role in its unit's subtree (students
  only in its grade band), counted by the same population rule, to take its course, or to
  meet its requirement, by its date: a fixed date, or one relative to an event
  (:class:`~lms_module.obligations.models.DueKind`): N days after the person joined the unit
  (``Membership.started_on``, else the day the membership was recorded, in ``LMS_TIMEZONE``),
  or N days after the school year starts (1 August). A relative date is worked out here, per
  person, so every page and the reminders read the same one.

A target for families (audience parent) obliges a family, not a person: any adult of the
family meets it for all. It is counted by :mod:`~lms_module.coverage.families` and named family
by family on the coverage page; it is not one of the personal obligations here.

Whoever several sources oblige to the same thing keeps the earliest deadline. Each obligation
says whether the person is covered on the reporting date (the rule the coverage figures count
with) and the latest expiry of what they hold, from which :meth:`Obligation.status` follows.
The training-status page, the coverage page's list of people not covered and the learner's
home all call :func:`obligations`; the coverage rollup counts with the same population and
certificate conditions (:mod:`~lms_module.obligations.population`), so the pages agree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Date, case, exists, func, literal, or_, select, union_all
from sqlalchemy.orm import Session, aliased

from lms_module.certification.models import Certificate
from lms_module.core.collation import person_sort_key, text_sort_key
from lms_module.db import subtree_condition
from lms_module.learning.models import AUDIENCE_ROLES, Audience, Course
from lms_module.obligations.models import (
    Assignment,
    CoverageTarget,
    DueKind,
    Requirement,
    requirement_course,
)
from lms_module.obligations.population import (
    certificate_ends,
    held_certificate,
    population_conditions,
    valid_certificate,
)
from lms_module.obligations.statuses import TrainingStatus, status_for
from lms_module.orgs.models import OrgKind, OrgUnit
from lms_module.people.models import Membership, Role, User
from lms_module.school_years.closing import is_closed, reporting_date
from lms_module.school_years.year import SchoolYear

#: Stands in for "never expires" in ``max()`` over expiry dates.
FAR_FUTURE = dt.date(9999, 12, 31)
#: Sources per UNION ALL statement (SQLite allows 500 terms in a compound SELECT).
SOURCES_PER_STATEMENT = 100
#: The time zone a membership's recording time is read in when no app says (LMS_TIMEZONE).
DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"


@dataclass(frozen=True)
class Obligation:
    """One person obliged to one thing (a requirement, or a single course) in a school year."""

    user_id: int
    full_name: str
    #: Student code (mã định danh) or staff code.
    code: str | None
    role: Role
    #: The unit of the membership that obliges them: the class for students, else the school
    #: (or office).
    unit_name: str
    unit_id: int
    grade: int | None
    #: What must be met: a requirement (any of its courses will do) or, without one, a course.
    requirement: Requirement | None
    course: Course | None
    course_ids: tuple[int, ...]
    due_on: dt.date | None
    #: The reporting date the standing below is taken on (today while the year is open).
    day: dt.date
    #: Holds, on ``day``, a valid certificate of one of ``course_ids`` (the coverage rule).
    covered: bool
    #: Holds an unrevoked certificate of one of them issued by ``day`` (valid or expired).
    has_certificate: bool
    #: The latest expiry among those (``None``: never expires, or no certificate).
    expires_on: dt.date | None

    def title(self, language: str) -> str:
        """Return what must be met, in ``language`` ("en" or Vietnamese)."""
        if self.requirement is not None:
            return self.requirement.title(language)
        assert self.course is not None
        return self.course.title(language)

    def status(self, expiring_window_days: int) -> TrainingStatus:
        """Return where the person stands on ``day`` (certified or expiring iff covered)."""
        return status_for(
            today=self.day,
            due_on=self.due_on,
            has_certificate=self.has_certificate,
            expires_on=self.expires_on,
            expiring_window_days=expiring_window_days,
        )


@dataclass(frozen=True)
class _Source:
    """A target or an assignment, as far as the query needs it."""

    path: str  # the subtree it reaches (within the scope asked about)
    role: Role
    requirement_id: int | None
    course_id: int | None
    due_on: dt.date | None
    grade_min: int | None = None
    grade_max: int | None = None
    #: A relative deadline: ``due_days`` after the person joined (``due_on`` is then None).
    after_joining_days: int | None = None

    @property
    def what(self) -> tuple[str, int]:
        if self.requirement_id is not None:
            return ("requirement", self.requirement_id)
        assert self.course_id is not None
        return ("course", self.course_id)


def obligations(
    session: Session,
    *,
    school_year: str,
    today: dt.date,
    within: OrgUnit | None = None,
    user: User | None = None,
    audience: Audience | None = None,
    requirement_id: int | None = None,
    timezone: str | None = None,
) -> list[Obligation]:
    """Return who must complete what, by when, in ``within``'s subtree (or for ``user``).

    Sorted by grade (adults first), unit, name (given name first, in Vietnamese order:
    :mod:`~lms_module.core.collation`) and what is due.

    :param within: the org unit whose subtree is asked about (a school, a class...).
    :param user: only this person's obligations (all their units if ``within`` is ``None``).
    :param audience: only targets of this audience and assignments of its role.
    :param requirement_id: only obligations to meet this requirement.
    :param timezone: where a membership's recording time gives the day a person joined
        (default: the app's ``LMS_TIMEZONE``).
    """
    if within is None and user is None:
        raise ValueError("obligations() needs a unit (within) or a user")
    if timezone is None:
        timezone = _configured_timezone()
    day = reporting_date(session, school_year, today)
    closed = is_closed(session, school_year)
    sources = _sources(
        session, school_year, within=within, user=user, audience=audience,
        requirement_id=requirement_id,
    )
    if not sources:
        return []
    course_ids = _course_ids(session, sources)
    rows: list[Any] = []
    for start in range(0, len(sources), SOURCES_PER_STATEMENT):
        chunk = sources[start:start + SOURCES_PER_STATEMENT]
        selects = [
            _members(start + index, source, course_ids[source.what], school_year, day,
                     closed=closed, user=user)
            for index, source in enumerate(chunk)
        ]
        statement: Any = selects[0] if len(selects) == 1 else union_all(*selects)
        rows.extend(session.execute(statement).all())
    return _merge(session, sources, course_ids, rows, day, ZoneInfo(timezone))


def _configured_timezone() -> str:
    from flask import current_app, has_app_context

    if has_app_context():
        return str(current_app.config.get("LMS_TIMEZONE", DEFAULT_TIMEZONE))
    return DEFAULT_TIMEZONE


def _sources(
    session: Session,
    school_year: str,
    *,
    within: OrgUnit | None,
    user: User | None,
    audience: Audience | None,
    requirement_id: int | None,
) -> list[_Source]:
    """Return the targets of the year and the active assignments that reach the scope."""
    scope_unit = aliased(OrgUnit)
    if within is not None:
        # Set at the unit, above it, or inside its subtree.
        reaches: Any = or_(
            scope_unit.id.in_(within.ancestor_ids),
            subtree_condition(scope_unit.path, within.path),
        )
    else:
        assert user is not None
        above = {
            unit_id
            for path in session.scalars(
                select(OrgUnit.path)
                .join(Membership, Membership.org_unit_id == OrgUnit.id)
                .where(Membership.user_id == user.id)
            )
            for unit_id in _ids(path)
        }
        reaches = scope_unit.id.in_(above)
    target_query = (
        select(CoverageTarget, scope_unit.path)
        .join(scope_unit, scope_unit.id == CoverageTarget.org_unit_id)
        .where(reaches, CoverageTarget.school_year == school_year,
               CoverageTarget.audience != Audience.PARENT)
        .order_by(CoverageTarget.id)
    )
    assignment_query = (
        select(Assignment, scope_unit.path)
        .join(scope_unit, scope_unit.id == Assignment.org_unit_id)
        .where(reaches, Assignment.active.is_(True))
        .order_by(Assignment.id)
    )
    if audience is not None:
        target_query = target_query.where(CoverageTarget.audience == audience)
        assignment_query = assignment_query.where(Assignment.role == AUDIENCE_ROLES[audience])
    if requirement_id is not None:
        target_query = target_query.where(CoverageTarget.requirement_id == requirement_id)
        assignment_query = assignment_query.where(Assignment.requirement_id == requirement_id)
    sources = []
    for target, path in session.execute(target_query).all():
        sources.append(_Source(
            _narrower(path, within), AUDIENCE_ROLES[target.audience], target.requirement_id,
            None, target.deadline,
        ))
    for assignment, path in session.execute(assignment_query).all():
        sources.append(_Source(
            _narrower(path, within), assignment.role, assignment.requirement_id,
            assignment.course_id, assignment_due_on(assignment, school_year),
            assignment.grade_min, assignment.grade_max,
            assignment.due_days if assignment.due_kind is DueKind.AFTER_JOINING else None,
        ))
    return sources


def assignment_due_on(assignment: Assignment, school_year: str) -> dt.date | None:
    """Return the deadline of ``assignment`` in ``school_year`` when it is the same for
    everyone (fixed, or N days after the year starts); ``None`` for a deadline that depends
    on the person (after joining: :func:`obligations` works it out) or no deadline."""
    if assignment.due_kind is DueKind.AFTER_YEAR_START and assignment.due_days is not None:
        return SchoolYear.parse(school_year).first_day + dt.timedelta(days=assignment.due_days)
    if assignment.due_kind is DueKind.FIXED:
        return assignment.due_on
    return None


def joined_on(started_on: dt.date | None, recorded_at: dt.datetime, zone: ZoneInfo) -> dt.date:
    """Return the day a person joined a unit: the membership's ``started_on``, else the day it
    was recorded in ``zone`` (a naive time, as SQLite returns it, is UTC)."""
    if started_on is not None:
        return started_on
    if recorded_at.tzinfo is None:
        recorded_at = recorded_at.replace(tzinfo=dt.UTC)
    return recorded_at.astimezone(zone).date()


def _ids(path: str) -> list[int]:
    return [int(part) for part in path.strip("/").split("/") if part]


def _narrower(path: str, within: OrgUnit | None) -> str:
    """The deeper of a source's subtree and the scope's: where both apply."""
    if within is not None and within.path.startswith(path):
        return within.path
    return path


def _course_ids(
    session: Session, sources: Sequence[_Source]
) -> dict[tuple[str, int], tuple[int, ...]]:
    """Return the courses satisfying each source's "what" (``(-1,)`` for an empty set)."""
    requirement_ids = {s.requirement_id for s in sources if s.requirement_id is not None}
    found: dict[int, list[int]] = {r: [] for r in requirement_ids}
    for requirement, course in session.execute(
        select(requirement_course.c.requirement_id, requirement_course.c.course_id)
        .where(requirement_course.c.requirement_id.in_(requirement_ids))
        .order_by(requirement_course.c.course_id)
    ).all():
        found[requirement].append(course)
    ids: dict[tuple[str, int], tuple[int, ...]] = {
        ("requirement", r): tuple(courses) or (-1,) for r, courses in found.items()
    }
    for source in sources:
        if source.requirement_id is None and source.course_id is not None:
            ids[("course", source.course_id)] = (source.course_id,)
    return ids


def _members(
    index: int,
    source: _Source,
    course_ids: Sequence[int],
    year: str,
    day: dt.date,
    *,
    closed: bool,
    user: User | None,
) -> Any:
    """SELECT the people ``source`` obliges, with what they hold on ``day``."""
    member_unit = aliased(OrgUnit)
    latest_expiry = (
        select(func.max(func.coalesce(certificate_ends(), literal(FAR_FUTURE, Date))))
        .where(Certificate.user_id == Membership.user_id, held_certificate(course_ids, day))
        .correlate(Membership)
        .scalar_subquery()
    )
    covered = exists().where(
        Certificate.user_id == Membership.user_id, valid_certificate(course_ids, day)
    )
    query = (
        select(
            literal(index).label("source"),
            Membership.user_id,
            User.full_name,
            func.coalesce(User.student_code, User.staff_code).label("code"),
            Membership.role,
            member_unit.name.label("unit_name"),
            member_unit.id.label("unit_id"),
            case((member_unit.kind == OrgKind.CLASS, member_unit.grade)).label("grade"),
            latest_expiry.label("latest_expiry"),
            case((covered, 1), else_=0).label("covered"),
            Membership.started_on,
            Membership.created_at.label("recorded_at"),
        )
        .select_from(Membership)
        .join(User, User.id == Membership.user_id)
        .join(member_unit, member_unit.id == Membership.org_unit_id)
        .where(
            *population_conditions(source.role, year, member_unit, closed=closed),
            subtree_condition(member_unit.path, source.path),
        )
    )
    if source.role is Role.STUDENT and (source.grade_min or source.grade_max):
        query = query.where(
            member_unit.grade.between(source.grade_min or 1, source.grade_max or 12)
        )
    if user is not None:
        query = query.where(Membership.user_id == user.id)
    return query


def _merge(
    session: Session,
    sources: Sequence[_Source],
    course_ids: dict[tuple[str, int], tuple[int, ...]],
    rows: Iterable[Any],
    day: dt.date,
    zone: ZoneInfo,
) -> list[Obligation]:
    """One obligation per person and thing, with the earliest deadline of its sources (a
    deadline after joining counted from the person's own membership)."""
    ordered = sorted(
        rows,
        key=lambda r: (-1 if r.grade is None else r.grade, text_sort_key(r.unit_name),
                       person_sort_key(r.full_name), r.user_id, r.source),
    )
    merged: dict[tuple[int, tuple[str, int]], dict[str, Any]] = {}
    for row in ordered:
        source = sources[row.source]
        due_on = source.due_on
        if source.after_joining_days is not None:
            due_on = joined_on(row.started_on, row.recorded_at, zone) + dt.timedelta(
                days=source.after_joining_days)
        key = (row.user_id, source.what)
        found = merged.get(key)
        if found is None:
            merged[key] = {"row": row, "due_on": due_on}
        elif due_on is not None and (found["due_on"] is None or due_on < found["due_on"]):
            found["due_on"] = due_on
    requirements = _by_id(session, Requirement, {w[1] for _, w in merged if w[0] == "requirement"})
    courses = _by_id(session, Course, {w[1] for _, w in merged if w[0] == "course"})
    result = []
    for (_user_id, what), found in merged.items():
        row = found["row"]
        latest = row.latest_expiry
        result.append(Obligation(
            user_id=row.user_id,
            full_name=row.full_name,
            code=row.code,
            role=Role(row.role),
            unit_name=row.unit_name,
            unit_id=row.unit_id,
            grade=row.grade,
            requirement=requirements.get(what[1]) if what[0] == "requirement" else None,
            course=courses.get(what[1]) if what[0] == "course" else None,
            course_ids=course_ids[what],
            due_on=found["due_on"],
            day=day,
            covered=bool(row.covered),
            has_certificate=latest is not None,
            expires_on=None if latest is None or latest == FAR_FUTURE else latest,
        ))
    return result


def _by_id(session: Session, model: Any, ids: set[int]) -> dict[int, Any]:
    if not ids:
        return {}
    return {row.id: row for row in session.scalars(select(model).where(model.id.in_(ids)))}


@dataclass(frozen=True)
class ObligationStatus:
    """An obligation and where its person stands on it."""

    obligation: Obligation
    status: TrainingStatus


def training_statuses(
    session: Session,
    *,
    school_year: str,
    today: dt.date,
    expiring_window_days: int,
    within: OrgUnit | None = None,
    user: User | None = None,
) -> list[ObligationStatus]:
    """Return every obligation in ``within``'s subtree (or of ``user``) with its status (see
    :mod:`~lms_module.obligations.statuses`), in the order of :func:`obligations`."""
    return [
        ObligationStatus(obligation, obligation.status(expiring_window_days))
        for obligation in obligations(
            session, school_year=school_year, today=today, within=within, user=user
        )
    ]
