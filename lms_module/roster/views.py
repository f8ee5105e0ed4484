"""Roster import pages: upload, preview, confirm or cancel, and the template to fill in."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response as BaseResponse

from lms_module.auth.access import requires, user_can
from lms_module.core.errors import AccessDeniedError, LMSError
from lms_module.core.inputs import accepts_upload
from lms_module.core.request import client_ip, current_language, current_person
from lms_module.db import db_session
from lms_module.jobs.models import Job, JobStatus
from lms_module.jobs.services import enqueue, get_job, start_job
from lms_module.orgs.models import OrgUnit
from lms_module.people.models import Role
from lms_module.roster.forms import RosterUploadForm
from lms_module.roster.importing import apply_roster, imports_as_job, plan_roster, roster_limits
from lms_module.roster.jobs import PlanPreview
from lms_module.roster.models import RosterKind, RosterUpload, UploadStatus
from lms_module.roster.plan import RosterPlan
from lms_module.roster.student_codes import accepted_code_forms, made_codes_explained
from lms_module.roster.template import template_workbook
from lms_module.roster.uploads import close_upload, pending_upload, safe_filename, store_upload
from lms_module.school_years.current import current_school_year

bp = Blueprint("roster", __name__, template_folder="templates")


@bp.context_processor
def _code_help() -> dict[str, object]:
    """The accepted student codes and what happens without codes, for the upload and preview."""
    return {"code_forms": accepted_code_forms, "made_codes_explained": made_codes_explained,
            "roster_limits_for": lambda unit: roster_limits(unit, current_app.config)}


XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _kinds(unit: OrgUnit) -> list[RosterKind]:
    """Return the roster kinds the signed-in user may import at ``unit``."""
    kinds = [RosterKind.STUDENTS, RosterKind.STAFF]
    if user_can(db_session(), current_person(), (Role.ADMIN,), unit):
        kinds.append(RosterKind.UNITS)
    return kinds


def _plan(unit: OrgUnit, *, data: bytes, filename: str, kind: RosterKind) -> RosterPlan:
    max_bytes, max_rows = roster_limits(unit, current_app.config)
    return plan_roster(
        db_session(),
        data=data,
        filename=filename,
        kind=kind,
        scope=unit,
        importer=current_person(),
        school_year=str(current_school_year()),
        max_bytes=max_bytes,
        max_rows=max_rows,
    )


def _start(unit: OrgUnit, kind: str, upload_id: int) -> BaseResponse:
    """Start a roster job on a stored upload and send the person to its progress page."""
    session = db_session()
    job = start_job(
        session, kind=kind, user=current_person(), unit=unit, key=f"{kind}:{upload_id}",
        params={"upload_id": upload_id, "school_year": str(current_school_year()),
                "language": current_language()},
    )
    session.commit()
    enqueue(job)
    return redirect(url_for("lms.jobs.show", job_id=job.id))


# The body may be as large as a province's file; a school's larger than its own limit gets 413.
@bp.route("/units/<int:unit_id>/roster", methods=["GET", "POST"])
@accepts_upload("LMS_MAX_PROVINCE_UPLOAD_BYTES")
@requires(Role.SCHOOL_MANAGER, unit_arg="unit_id")
def upload(unit: OrgUnit) -> str | BaseResponse:
    """Show the upload form; on upload, check the file and show what an import would do.

    A province's, district's or commune's file is kept and checked by a job (its page shows the
    progress, then the preview); a school's is checked here.
    """
    max_bytes, _max_rows = roster_limits(unit, current_app.config)
    if request.method == "POST" and (request.content_length or 0) > max_bytes + 64 * 1024:
        abort(413)
    form = RosterUploadForm()
    kinds = _kinds(unit)
    if form.validate_on_submit():
        kind = RosterKind(form.kind.data)
        storage = form.file.data
        filename = safe_filename(storage.filename or "")
        data = storage.stream.read(max_bytes + 1)
        if imports_as_job(unit) and len(data) <= max_bytes and data.strip():
            session = db_session()
            stored = store_upload(session, uploader=current_person(), unit=unit, kind=kind,
                                  filename=filename, data=data)
            session.commit()
            return _start(unit, "roster.preview", stored.id)
        plan = _plan(unit, data=data, filename=filename, kind=kind)
        if plan.ok:
            session = db_session()
            stored = store_upload(
                session,
                uploader=current_person(),
                unit=unit,
                kind=kind,
                filename=filename,
                data=data,
            )
            session.commit()
            return redirect(url_for(".preview", unit_id=unit.id, upload_id=stored.id))
        return render_template(
            "roster/preview.html", unit=unit, plan=plan, upload=None, filename=filename,
            form=form, kinds=kinds,
        )
    return render_template("roster/upload.html", unit=unit, form=form, kinds=kinds)


@bp.get("/units/<int:unit_id>/roster/<int:upload_id>")
@requires(Role.SCHOOL_MANAGER, unit_arg="unit_id")
def preview(unit: OrgUnit, upload_id: int) -> str | BaseResponse:
    """Show what confirming a stored upload will change, re-read from the stored file (a
    province's: from its finished preview job, started if there is none)."""
    session = db_session()
    stored = pending_upload(session, upload_id, unit, current_person())
    plan: RosterPlan | PlanPreview
    if imports_as_job(unit):
        job = session.scalars(
            select(Job).where(Job.key == f"roster.preview:{upload_id}",
                              Job.requested_by_id == current_person().id,
                              Job.status == JobStatus.DONE)
            .order_by(Job.id.desc())
        ).first()
        if job is None:
            return _start(unit, "roster.preview", upload_id)
        plan = PlanPreview(job.summary)
    else:
        plan = _plan(unit, data=stored.content, filename=stored.filename, kind=stored.kind)
    return render_template(
        "roster/preview.html", unit=unit, plan=plan, upload=stored, filename=stored.filename,
        form=RosterUploadForm(formdata=None), kinds=_kinds(unit),
    )


@bp.post("/units/<int:unit_id>/roster/<int:upload_id>/confirm")
@requires(Role.SCHOOL_MANAGER, unit_arg="unit_id")
def confirm(unit: OrgUnit, upload_id: int) -> str | BaseResponse:
    """Import a stored upload in one transaction: everything or, on any problem, nothing."""
    session = db_session()
    stored = pending_upload(session, upload_id, unit, current_person())
    if imports_as_job(unit):
        return _start(unit, "roster.import", upload_id)
    plan = _plan(unit, data=stored.content, filename=stored.filename, kind=stored.kind)
    if not plan.ok:  # the database changed since the preview
        return render_template(
            "roster/preview.html", unit=unit, plan=plan, upload=None, filename=stored.filename,
            form=RosterUploadForm(formdata=None), kinds=_kinds(unit),
        )
    try:
        result = apply_roster(
            session, plan, actor_id=current_person().id, ip=client_ip(), filename=stored.filename,
            sha256=stored.sha256,
        )
        close_upload(stored, UploadStatus.IMPORTED)
        session.commit()
    except IntegrityError as error:
        session.rollback()
        raise LMSError(
            _("Dữ liệu vừa được thay đổi ở nơi khác trong lúc nhập nên chưa nhập được gì. Hãy "
              "tải tệp lên lại.")
        ) from error
    counts = result.counts
    flash(
        _(
            "Đã nhập xong: %(new)s thêm mới, %(updated)s cập nhật, %(unchanged)s không đổi.",
            new=counts["new"], updated=counts["updated"], unchanged=counts["unchanged"],
        ),
        "success",
    )
    return redirect(url_for("lms.home.unit_detail", unit_id=unit.id))


@bp.get("/units/<int:unit_id>/roster/imported/<int:job_id>")
@requires(Role.SCHOOL_MANAGER, unit_arg="unit_id")
def imported(unit: OrgUnit, job_id: int) -> str:
    """Show what a finished import job wrote."""
    job = get_job(db_session(), job_id, current_person())
    if (job.kind, job.org_unit_id, job.status) != ("roster.import", unit.id, JobStatus.DONE):
        abort(404)
    return render_template("roster/imported.html", unit=unit, job=job, counts=job.summary)


@bp.post("/units/<int:unit_id>/roster/<int:upload_id>/cancel")
@requires(Role.SCHOOL_MANAGER, unit_arg="unit_id")
def cancel(unit: OrgUnit, upload_id: int) -> BaseResponse:
    """Give up a stored upload and erase its content."""
    session = db_session()
    stored: RosterUpload = pending_upload(session, upload_id, unit, current_person())
    close_upload(stored, UploadStatus.CANCELLED)
    session.commit()
    flash(_("Đã hủy, không có dữ liệu nào được nhập."), "success")
    return redirect(url_for(".upload", unit_id=unit.id))


@bp.get("/units/<int:unit_id>/roster/template.xlsx")
@requires(Role.SCHOOL_MANAGER, unit_arg="unit_id")
def template(unit: OrgUnit) -> Response:
    """Download an empty roster (.xlsx) with the Vietnamese headers for ``?kind=``."""
    try:
        kind = RosterKind(request.args.get("kind", RosterKind.STUDENTS.value))
    except ValueError:
        kind = RosterKind.STUDENTS
    if kind not in _kinds(unit):
        raise AccessDeniedError(_("Chỉ quản trị viên mới được nhập danh sách đơn vị."))
    names = {
        RosterKind.STUDENTS: "mau-danh-sach-hoc-sinh.xlsx",
        RosterKind.STAFF: "mau-danh-sach-can-bo.xlsx",
        RosterKind.UNITS: "mau-danh-sach-don-vi.xlsx",
    }
    return Response(
        template_workbook(kind, unit),
        mimetype=XLSX_MIMETYPE,
        headers={"Content-Disposition": f'attachment; filename="{names[kind]}"'},
    )
