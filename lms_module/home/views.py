"""Each role's home page, and the school manager's class page."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as BaseResponse

from lms_module.audit.services import record_event
from lms_module.auth.access import may_see_names, record_denial, requires, signed_in, user_can
from lms_module.core.errors import LMSError
from lms_module.core.request import client_ip, current_language, current_person
from lms_module.coverage.figures import TargetReport, target_reports
from lms_module.coverage.report import STATUS_LABELS
from lms_module.db import db_session
from lms_module.families.services import (
    children_of,
    current_class,
    has_been_linked,
)
from lms_module.home.forms import NOBODY, ClassTeachersForm
from lms_module.home.services import school_classes, subtree_counts
from lms_module.i18n import local_today
from lms_module.learning.models import Audience
from lms_module.learning.services import course_progress, courses_for_user
from lms_module.notifications.services import home_notices
from lms_module.obligations.progress import (
    NextStep,
    Progress,
    RequirementProgress,
    by_requirement,
    next_steps,
    obligation_progress,
)
from lms_module.obligations.query import training_statuses
from lms_module.obligations.targets import targets_for
from lms_module.orgs.models import OrgKind, OrgUnit
from lms_module.orgs.services import children, enclosing_school
from lms_module.people.duties import (
    class_teachers,
    duty_classes,
    school_teachers,
    set_class_teachers,
)
from lms_module.people.models import ClassDuty, Role, User
from lms_module.people.services import active_memberships, class_students
from lms_module.school_years.current import current_school_year

bp = Blueprint("home", __name__, template_folder="templates")


@bp.get("/")
@signed_in
def index() -> str:
    """Show one section per role the user holds, most specific first."""
    session = db_session()
    user = current_person()
    year = str(current_school_year())
    memberships = active_memberships(session, user)
    sections = []
    for membership in memberships:
        if membership.role is Role.PARENT:
            continue  # one section for all of a parent's children, below
        unit = membership.org_unit
        section: dict[str, object] = {"role": membership.role, "unit": unit}
        if membership.role is Role.STUDENT:
            section["school"] = enclosing_school(session, unit)
        elif membership.role in (Role.TEACHER, Role.STAFF, Role.SCHOOL_MANAGER):
            school = enclosing_school(session, unit)
            section["school"] = school
            if school is not None and membership.role is Role.SCHOOL_MANAGER:
                section["classes"] = school_classes(session, school, year)
                section["next_steps"] = _school_next_steps(session, school, year)
            elif membership.role is Role.TEACHER:
                # A teacher sees the classes of their duties (homeroom, taught), no others.
                section["duty_classes"] = [
                    c for c in duty_classes(session, user, year)
                    if school is not None and c.unit.path.startswith(school.path)
                ]
        elif membership.role in (Role.OFFICE_REVIEWER, Role.ADMIN, Role.CONTENT_AUTHOR):
            section["totals"] = subtree_counts(session, [unit])[0]
            section["children"] = subtree_counts(session, children(session, unit))
        sections.append(section)
    course_rows = [(c, course_progress(session, user, c)) for c in courses_for_user(session, user)]
    # What I must complete, by when: the same query as the school's training-status page.
    due = training_statuses(
        session, user=user, school_year=year, today=local_today(),
        expiring_window_days=int(current_app.config["LMS_EXPIRING_WINDOW_DAYS"]),
    )
    return render_template(
        "home/index.html",
        sections=sections,
        school_year=year,
        course_rows=course_rows,
        due=due,
        my_courses={course.id: course for course, _progress in course_rows},
        language=current_language(),
        parent_children=_parent_children(session, user),
        home_notices=home_notices(session, user, today=local_today()),
    )


def _parent_children(session: Session, user: User) -> list[tuple[User, OrgUnit | None,
                                                                 OrgUnit | None]] | None:
    """A parent's children with their class and school (``None``: the user is no parent)."""
    children = children_of(session, user)
    if not children and not has_been_linked(session, user):
        return None
    classes = [(child, current_class(session, child)) for child in children]
    return [(child, class_unit, enclosing_school(session, class_unit) if class_unit else None)
            for child, class_unit in classes]


@bp.get("/units/<int:unit_id>")
@requires(
    Role.OFFICE_REVIEWER, Role.SCHOOL_MANAGER, Role.TEACHER, Role.ADMIN, unit_arg="unit_id"
)
def unit_detail(unit: OrgUnit) -> str:
    """Show an org unit's children with head counts (no names above a class)."""
    session = db_session()
    if unit.kind is OrgKind.CLASS:
        return class_detail_page(unit)
    if unit.kind is OrgKind.SCHOOL:
        year = str(current_school_year())
        user = current_person()
        classes = school_classes(session, unit, year)
        manager = user_can(session, user, (Role.SCHOOL_MANAGER,), unit, admin_counts=False)
        if not user_can(session, user, (Role.OFFICE_REVIEWER, Role.SCHOOL_MANAGER), unit):
            # A teacher of the school: the classes of their duties only.
            mine = {c.unit.id for c in duty_classes(session, user, year)}
            classes = [row for row in classes if row.unit.id in mine]
        return render_template(
            "home/school.html",
            unit=unit,
            classes=classes,
            totals=subtree_counts(session, [unit])[0],
            steps=_school_next_steps(session, unit, year) if manager else None,
            can_print=manager,
        )
    return render_template(
        "home/unit.html",
        unit=unit,
        totals=subtree_counts(session, [unit])[0],
        children=subtree_counts(session, children(session, unit)),
    )


@bp.get("/classes/<int:unit_id>")
@requires(Role.SCHOOL_MANAGER, Role.TEACHER, unit_arg="unit_id", personal_data=True)
def class_detail(unit: OrgUnit) -> str:
    """Show a class's progress and students by name (the school's managers and the class's
    teachers only; the view is audited)."""
    if unit.kind is not OrgKind.CLASS:
        abort(404)
    return class_detail_page(unit)


def class_detail_page(unit: OrgUnit) -> str:
    """Render a class's progress and student list for school staff, recording the access.

    The school's managers see every class; a teacher the classes of their duties this school
    year (:func:`~lms_module.auth.access.may_see_names`); nobody else sees the names.
    """
    session = db_session()
    user = current_person()
    school = enclosing_school(session, unit)

    if school is None or not may_see_names(
        session, user, (Role.SCHOOL_MANAGER, Role.TEACHER), unit
    ):
        # Office reviewers, admins and other teachers see head counts, never children's names.
        record_denial(session, user, unit)
        abort(403)
    can_manage = user_can(session, user, (Role.SCHOOL_MANAGER,), unit, admin_counts=False)
    language = current_language()
    year = unit.school_year or str(current_school_year())
    today = local_today()
    students = class_students(session, unit)
    progress = obligation_progress(session, school_year=year, today=today, within=unit)
    groups = by_requirement([row for row in progress if row.obligation.role is Role.STUDENT])
    coverage = _class_coverage(session, unit, year, today)
    record_event(
        session,
        "view_class_roster",
        actor_id=user.id,
        org_unit_id=unit.id,
        ip=client_ip(),
        count=len(students),
        seen_as="school_manager" if can_manage else "teacher",
    )
    session.commit()  # the audit event, and the coverage rollup refreshed on the way
    teachers = class_teachers(session, unit, year)
    return render_template(
        "home/class.html",
        unit=unit,
        school=school,
        students=students,
        can_manage=can_manage,
        teachers=teachers,
        teachers_form=_teachers_form(session, school, year, teachers) if can_manage else None,
        groups=[
            (group, _band_courses(group, unit, language), _coverage_of(group, coverage))
            for group in groups
        ],
        steps=next_steps(progress),
        can_print=can_manage,
        language=language,
        Progress=Progress,
        ClassDuty=ClassDuty,
        STATUS_LABELS=STATUS_LABELS,
    )


def _teachers_form(
    session: Session, school: OrgUnit, year: str, current: list[tuple[User, ClassDuty]]
) -> ClassTeachersForm:
    """The manager's form to change a class's teachers, showing the current ones."""
    homeroom = next((u.id for u, duty in current if duty is ClassDuty.HOMEROOM), NOBODY)
    return ClassTeachersForm(
        [(teacher.id, teacher.full_name) for teacher in school_teachers(session, school, year)],
        homeroom=homeroom,
        subject=[u.id for u, duty in current if duty is ClassDuty.SUBJECT],
    )


@bp.post("/classes/<int:unit_id>/teachers")
@requires(Role.SCHOOL_MANAGER, unit_arg="unit_id", personal_data=True)
def class_teachers_update(unit: OrgUnit) -> BaseResponse:
    """Let a school manager set a class's homeroom and subject teachers (no file needed)."""
    session = db_session()
    school = enclosing_school(session, unit)
    if unit.kind is not OrgKind.CLASS or school is None:
        abort(404)
    year = unit.school_year or str(current_school_year())
    teachers = {t.id: t for t in school_teachers(session, school, year)}
    form = ClassTeachersForm([(t.id, t.full_name) for t in teachers.values()])
    if not form.validate_on_submit():
        raise LMSError(_("Chưa lưu được: hãy chọn giáo viên trong danh sách của trường rồi "
                         "lưu lại."))
    homeroom = teachers.get(form.homeroom.data)
    subject = [teachers[user_id] for user_id in form.subject.data]
    set_class_teachers(session, unit, year, homeroom=homeroom, subject=subject)
    record_event(
        session, "class_teachers_set", actor_id=current_person().id, org_unit_id=unit.id,
        ip=client_ip(), school_year=year, homeroom_id=homeroom.id if homeroom else None,
        subject_ids=sorted(t.id for t in subject),
    )
    session.commit()
    flash(_("Đã lưu giáo viên của lớp %(name)s.", name=unit.name), "success")
    return redirect(url_for(".class_detail", unit_id=unit.id))


def _school_next_steps(session: Session, school: OrgUnit, year: str) -> list[NextStep]:
    """What the school should do next, from the obligations of its whole subtree."""
    return next_steps(
        obligation_progress(session, school_year=year, today=local_today(), within=school)
    )


def _class_coverage(
    session: Session, unit: OrgUnit, year: str, today: dt.date
) -> dict[int, list[TargetReport]]:
    """The class's coverage against each students' target that applies to it, by requirement
    (the coverage report's own figures)."""
    reports: dict[int, list[TargetReport]] = {}
    targets = targets_for(session, unit, year, Audience.STUDENT)
    for report in target_reports(session, targets, unit, today):
        reports.setdefault(report.target.requirement_id, []).append(report)
    return reports


def _coverage_of(
    group: RequirementProgress, coverage: dict[int, list[TargetReport]]
) -> list[TargetReport]:
    requirement = group.example.requirement
    return coverage.get(requirement.id, []) if requirement is not None else []


def _band_courses(group: RequirementProgress, unit: OrgUnit, language: str) -> list[str]:
    """The titles of the courses of the class's grade band that meet what the group must meet."""
    example = group.example
    courses = example.requirement.courses if example.requirement is not None else (
        [example.course] if example.course is not None else []
    )
    grade = unit.grade
    return [
        course.title(language) for course in courses
        if grade is None or (course.grade_min or 1) <= grade <= (course.grade_max or 12)
    ]
