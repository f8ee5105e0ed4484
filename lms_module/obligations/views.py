"""The assignments page: school managers (their school) and office reviewers or admins (their
subtree) assign a course or a requirement to a role, by a fixed or a relative date."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse
from wtforms import SelectChoice

from lms_module.auth.access import requires
from lms_module.core.inputs import bounded_int
from lms_module.core.request import current_language, current_person
from lms_module.db import db_session
from lms_module.i18n import local_today
from lms_module.learning.models import Course
from lms_module.obligations.assignments import (
    AssignmentError,
    AssignmentRequest,
    assign,
    assignments_within,
    deactivate,
)
from lms_module.obligations.forms import DUE_KIND_LABELS, AssignmentForm
from lms_module.obligations.models import DueKind, Requirement
from lms_module.orgs.models import OrgKind, OrgUnit
from lms_module.people.labels import ROLE_LABELS
from lms_module.people.models import Role

bp = Blueprint("obligations", __name__, template_folder="templates")

#: Who assigns: a school manager within their school, office reviewers and admins within theirs.
ASSIGNERS = (Role.SCHOOL_MANAGER, Role.OFFICE_REVIEWER, Role.ADMIN)
DAY_FORMAT = "%d/%m/%Y"


def _choices(courses: list[Course], requirements: list[Requirement]) -> list[SelectChoice]:
    language = current_language()
    return (
        [SelectChoice("", _("Chọn khóa học hoặc yêu cầu"))]
        + [SelectChoice(f"requirement:{r.id}", _("Yêu cầu: %(title)s", title=r.title(language)))
           for r in requirements]
        + [SelectChoice(f"course:{c.id}", _("Khóa học: %(title)s", title=c.title(language)))
           for c in courses]
    )


def _grade(text: str | None) -> int | None:
    if not (text or "").strip():
        return None
    grade = bounded_int(text, minimum=1, maximum=12)
    if grade is None:
        raise AssignmentError("Khối lớp phải là một số từ 1 đến 12.")
    return grade


def _request(form: AssignmentForm, courses: dict[int, Course],
             requirements: dict[int, Requirement]) -> AssignmentRequest:
    """Read the form into a request, or raise :class:`AssignmentError` saying what to fix."""
    kind, _sep, number = (form.what.data or "").partition(":")
    picked = bounded_int(number)
    course = courses.get(picked or 0) if kind == "course" else None
    requirement = requirements.get(picked or 0) if kind == "requirement" else None
    if course is None and requirement is None:
        raise AssignmentError("Hãy chọn khóa học hoặc yêu cầu cần giao.")
    try:
        role = Role(form.role.data)
        due_kind = DueKind(form.due_kind.data)
    except ValueError:
        raise AssignmentError("Hãy chọn đối tượng và loại hạn hoàn thành.") from None
    due_on: dt.date | None = None
    due_days: int | None = None
    if due_kind is DueKind.FIXED:
        try:
            due_on = dt.datetime.strptime((form.due_on.data or "").strip(), DAY_FORMAT).date()
        except ValueError:
            raise AssignmentError(
                "Hạn hoàn thành phải có dạng ngày/tháng/năm, ví dụ 31/10/2026."
            ) from None
    else:
        due_days = bounded_int(form.due_days.data, minimum=1, maximum=10_000)
        if due_days is None:
            raise AssignmentError("Hãy nhập số ngày (một số nguyên dương), ví dụ 30.")
    return AssignmentRequest(
        role=role, course=course, requirement=requirement,
        grade_min=_grade(form.grade_min.data), grade_max=_grade(form.grade_max.data),
        due_kind=due_kind, due_on=due_on, due_days=due_days,
    )


@bp.route("/units/<int:unit_id>/assignments", methods=["GET", "POST"])
@requires(*ASSIGNERS, unit_arg="unit_id")
def assignments(unit: OrgUnit) -> Any:
    """List the assignments of the unit's subtree; add one (POST)."""
    session = db_session()
    if unit.kind is OrgKind.CLASS:
        abort(404)
    courses = list(session.scalars(
        select(Course).where(Course.current_version_id.is_not(None)).order_by(Course.slug)
    ))
    requirements = list(session.scalars(select(Requirement).order_by(Requirement.title_vi)))
    form = AssignmentForm()
    form.what.choices = _choices(courses, requirements)
    error: str | None = None
    if form.validate_on_submit():
        try:
            request_ = _request(form, {c.id: c for c in courses},
                                {r.id: r for r in requirements})
            assign(session, unit, request_, actor=current_person(), today=local_today())
        except AssignmentError as failure:
            session.rollback()
            error = failure.message
        else:
            session.commit()
            flash(_("Đã giao khóa học."), "success")
            return redirect(url_for(".assignments", unit_id=unit.id))
    elif form.is_submitted():
        error = _("Phiên làm việc đã hết hạn. Hãy tải lại trang và thử lại.")
    return render_template(
        "obligations/assignments.html", unit=unit, form=form, error=error,
        rows=assignments_within(session, unit), ROLE_LABELS=ROLE_LABELS,
        DUE_KIND_LABELS=DUE_KIND_LABELS, DueKind=DueKind, language=current_language(),
    ), (400 if error else 200)


@bp.post("/units/<int:unit_id>/assignments/<int:assignment_id>/deactivate")
@requires(*ASSIGNERS, unit_arg="unit_id")
def deactivate_assignment(unit: OrgUnit, assignment_id: int) -> BaseResponse:
    """Stop an assignment of the unit's subtree (kept for the record)."""
    session = db_session()
    if not AssignmentForm().validate_on_submit():  # the CSRF token only
        abort(400)
    deactivate(session, unit, assignment_id, actor=current_person())
    session.commit()
    flash(_("Đã ngừng giao khóa học."), "success")
    return redirect(url_for(".assignments", unit_id=unit.id))
