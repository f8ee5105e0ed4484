"""The content authors' page: the loaded courses, a form to load a new version (OLX) and the
re-training rules (people certified before a date must take a course again)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.utils import secure_filename
from werkzeug.wrappers import Response as BaseResponse
from wtforms import SelectChoice

from lms_module.audit.services import record_event
from lms_module.auth.access import requires
from lms_module.authoring.forms import CourseUploadForm, PublishForm, RetrainingRuleForm
from lms_module.core.inputs import accepts_upload
from lms_module.core.request import client_ip, current_language, current_person
from lms_module.coverage.report import AUDIENCE_LABELS
from lms_module.db import db_session
from lms_module.i18n import local_today
from lms_module.learning.attempts import (
    RetrainingRuleError,
    add_retraining_rule,
    retraining_rules,
)
from lms_module.learning.course_loader import ImportReport, latest_version, load_course
from lms_module.learning.models import Audience, Course
from lms_module.learning.publishing import Audiences, PublishError, is_draft, publish_course
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
        audience_labels=AUDIENCE_LABELS,
        publish_url=next((url_for(".publish", course_id=c.id) for c in rows
                          if report is not None and not report.published
                          and c.slug == report.course_slug), None),
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


@bp.route("/admin/courses/<int:course_id>/publish", methods=["GET", "POST"])
@requires(Role.CONTENT_AUTHOR, Role.ADMIN)
def publish(course_id: int) -> tuple[str, int] | BaseResponse:
    """Show a draft course's import report; choose who it is for and publish it."""
    session = db_session()
    course = session.get(Course, course_id)
    if course is None:
        abort(404)
    version = latest_version(session, course)
    form = PublishForm() if request.method == "POST" else PublishForm(formdata=None)
    error: str | None = None
    if request.method == "POST" and is_draft(course) and version is not None:
        if form.validate_on_submit():
            try:
                published = publish_course(session, course, Audiences(
                    Audience(form.audience.data), form.grade_min.data, form.grade_max.data
                ))
            except PublishError as failure:
                session.rollback()
                error = failure.message
            else:
                record_event(
                    session, "course_published", actor_id=current_person().id, ip=client_ip(),
                    course=course.slug, version=published.number,
                    audience=course.audience.value, grade_min=course.grade_min,
                    grade_max=course.grade_max,
                )
                session.commit()
                flash(_("Đã công bố khóa học %(title)s.", title=course.title(current_language())),
                      "success")
                return redirect(url_for(".courses"))
        status = 400
    else:
        status = 200 if request.method != "POST" else 409
    return render_template(
        "authoring/publish.html", course=course, version=version, form=form, error=error,
        draft=is_draft(course), report=ImportReport.from_stored(version.report)
        if version is not None else None, language=current_language(),
        audience_labels=AUDIENCE_LABELS,
    ), status
