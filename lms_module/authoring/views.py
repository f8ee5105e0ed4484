"""The content authors' page: the loaded courses and a form to load a new version (OLX)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from flask import Blueprint, render_template
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.utils import secure_filename

from lms_module.audit.services import record_event
from lms_module.auth.access import requires
from lms_module.authoring.forms import CourseUploadForm
from lms_module.core.inputs import accepts_upload
from lms_module.core.request import client_ip, current_language, current_person
from lms_module.db import db_session
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
    session = db_session()
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
    rows = session.scalars(select(Course).order_by(Course.audience, Course.grade_min, Course.slug))
    return render_template(
        "authoring/courses.html",
        form=form,
        courses=list(rows),
        report=report,
        error=error,
        language=current_language(),
    ), status


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
