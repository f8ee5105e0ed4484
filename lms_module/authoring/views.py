"""The content authors' page: the loaded courses, a form to load a new version (OLX) and the
re-training rules (people certified before a date must take a course again)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.utils import secure_filename
from werkzeug.wrappers import Response as BaseResponse
from wtforms import SelectChoice

from lms_module.audit.services import record_event
from lms_module.auth.access import requires
from lms_module.authoring.forms import CourseUploadForm, RetrainingRuleForm
from lms_module.core.inputs import accepts_upload
from lms_module.core.request import client_ip, current_language, current_person
from lms_module.db import db_session
from lms_module.i18n import local_today
from lms_module.learning.attempts import (
    RetrainingRuleError,
    add_retraining_rule,
    retraining_rules,
)
from lms_module.learning.course_loader import ImportReport, load_course
from lms_module.learning.models import Course
from lms_module.people.models import Role
from lms_module.xblock_runtime.olx import OlxError

bp = Blueprint("authoring", __name__, template_folder="templates")

ARCHIVE_SUFFIXES = (".tar.gz", ".tgz")


@bp.route("/admin/courses", methods=["GET", "POST"])
@accepts_upload("LMS_MAX_COURSE_BYTES")
@requires(Role.CONTENT_AUTHOR, Role.ADMIN)
def courses() -> tuple[str, int] | str:
    """List the courses; load an uploaded OLX archive as a new version (all or nothing)."""
    form = CourseUploadForm()
    report: ImportReport | None = None
    error: str | None = None
    status = 200
    if form.validate_on_submit():
        upload = form.archive.data
        name = upload.filename or ""
        if not name.lower().endswith(ARCHIVE_SUFFIXES):
            error, status = _("Chỉ nhận khóa học đóng gói .tar.gz (OLX)."), 400
        else:
            report, error = _load_archive(upload.stream.read(), secure_filename(name))
            status = 200 if error is None else 400
    elif form.errors:
        status = 400
    return _courses_page(form=form, report=report, error=error), status


def _courses_page(
    *, form: CourseUploadForm | None = None, report: ImportReport | None = None,
    error: str | None = None, rule_form: RetrainingRuleForm | None = None,
    rule_error: str | None = None,
) -> str:
    session = db_session()
    rows = list(session.scalars(
        select(Course).order_by(Course.audience, Course.grade_min, Course.slug)
    ))
    if rule_form is None:
        rule_form = RetrainingRuleForm(formdata=None)
    rule_form.course.choices = [SelectChoice(c.id, f"{c.title(current_language())} ({c.slug})")
                                for c in rows if c.current_version_id is not None]
    return render_template(
        "authoring/courses.html",
        form=form or CourseUploadForm(formdata=None),
        courses=rows,
        report=report,
        error=error,
        rule_form=rule_form,
        rule_error=rule_error,
        rules={c.id: retraining_rules(session, c) for c in rows},
        language=current_language(),
    )


@bp.post("/admin/courses/retraining")
@requires(Role.CONTENT_AUTHOR, Role.ADMIN)
def add_retraining() -> tuple[str, int] | BaseResponse:
    """Set a re-training rule: people certified in a course before a date must take it again
    by a date (:func:`~lms_module.learning.attempts.add_retraining_rule`)."""
    session = db_session()
    form = RetrainingRuleForm()
    if not form.validate_on_submit():
        return _courses_page(rule_form=form), 400
    course = session.get(Course, form.course.data) if form.course.data else None
    if course is None or course.current_version_id is None:
        return _courses_page(rule_form=form, rule_error=_("Hãy chọn một khóa học đã nạp.")), 400
    assert form.issued_before.data is not None and form.retrain_by.data is not None
    try:
        _rule, reopened = add_retraining_rule(
            session, course, issued_before=form.issued_before.data,
            retrain_by=form.retrain_by.data, reason=form.reason.data or "",
            actor=current_person(), today=local_today(),
        )
    except RetrainingRuleError as failure:
        session.rollback()
        return _courses_page(rule_form=form, rule_error=failure.message), 400
    session.commit()
    flash(_("Đã đặt quy định học lại: %(count)s người phải học lại khóa học này.",
            count=reopened), "success")
    return redirect(url_for(".courses"))


def _load_archive(data: bytes, filename: str) -> tuple[ImportReport | None, str | None]:
    """Load the archive's course in one transaction; return the report or the error message."""
    session = db_session()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / (filename or "course.tar.gz")
        path.write_bytes(data)
        try:
            report = load_course(session, path)
        except OlxError as failure:
            session.rollback()
            return None, failure.message
    record_event(
        session,
        "course_loaded",
        actor_id=current_person().id,
        ip=client_ip(),
        course=report.course_slug,
        version=report.version,
        new_version=report.new_version,
    )
    session.commit()
    return report, None
