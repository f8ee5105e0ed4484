"""Each role's home page, and the school manager's class page."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template

from lms_module.audit.services import record_event
from lms_module.auth.access import record_denial, requires, signed_in, user_can
from lms_module.core.request import client_ip, current_language, current_person
from lms_module.db import db_session
from lms_module.home.services import school_classes, subtree_counts
from lms_module.i18n import local_today
from lms_module.learning.services import course_progress, courses_for_user
from lms_module.obligations.query import training_statuses
from lms_module.orgs.models import OrgKind, OrgUnit
from lms_module.orgs.services import children, enclosing_school
from lms_module.people.models import Role
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
        unit = membership.org_unit
        section: dict[str, object] = {"role": membership.role, "unit": unit}
        if membership.role is Role.STUDENT:
            section["school"] = enclosing_school(session, unit)
        elif membership.role in (Role.TEACHER, Role.STAFF, Role.SCHOOL_MANAGER):
            school = enclosing_school(session, unit)
            section["school"] = school
            if school is not None and membership.role is not Role.STAFF:
                section["classes"] = school_classes(session, school, year)
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
    )


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
        return render_template(
            "home/school.html",
            unit=unit,
            classes=school_classes(session, unit, str(current_school_year())),
            totals=subtree_counts(session, [unit])[0],
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
    """List a class's students by name (school staff only; the view is audited)."""
    if unit.kind is not OrgKind.CLASS:
        abort(404)
    return class_detail_page(unit)


def class_detail_page(unit: OrgUnit) -> str:
    """Render a class's student list for school staff, recording the access."""
    session = db_session()
    user = current_person()
    school = enclosing_school(session, unit)

    if school is None or not user_can(
        session, user, (Role.SCHOOL_MANAGER, Role.TEACHER), unit, admin_counts=False
    ):
        # Office reviewers and admins see head counts, never children's names.
        record_denial(session, user, unit)
        abort(403)
    students = class_students(session, unit)
    record_event(
        session,
        "view_class_roster",
        actor_id=user.id,
        org_unit_id=unit.id,
        ip=client_ip(),
        count=len(students),
    )
    session.commit()
    return render_template(
        "home/class.html",
        unit=unit,
        school=school,
        students=students,
        can_manage=user_can(session, user, (Role.SCHOOL_MANAGER,), unit, admin_counts=False),
    )
