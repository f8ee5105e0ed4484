"""Roster import pages: upload, preview, confirm or cancel, and the template to fill in."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response as BaseResponse

from lms_module.auth.access import requires, user_can
from lms_module.core.errors import AccessDeniedError, LMSError
from lms_module.core.inputs import accepts_upload
from lms_module.core.request import client_ip, current_person
from lms_module.db import db_session
from lms_module.orgs.models import OrgUnit
from lms_module.people.models import Role
from lms_module.roster.forms import RosterUploadForm
from lms_module.roster.importing import apply_roster, plan_roster
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
    return {"code_forms": accepted_code_forms, "made_codes_explained": made_codes_explained}


XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _kinds(unit: OrgUnit) -> list[RosterKind]:
    """Return the roster kinds the signed-in user may import at ``unit``."""
    kinds = [RosterKind.STUDENTS, RosterKind.STAFF]
    if user_can(db_session(), current_person(), (Role.ADMIN,), unit):
        kinds.append(RosterKind.UNITS)
    return kinds


def _plan(unit: OrgUnit, *, data: bytes, filename: str, kind: RosterKind) -> RosterPlan:
    config = current_app.config
    return plan_roster(
        db_session(),
        data=data,
        filename=filename,
        kind=kind,
        scope=unit,
        importer=current_person(),
        school_year=str(current_school_year()),
        max_bytes=config["LMS_MAX_UPLOAD_BYTES"],
        max_rows=config["LMS_MAX_ROSTER_ROWS"],
    )


@bp.route("/units/<int:unit_id>/roster", methods=["GET", "POST"])
@accepts_upload("LMS_MAX_UPLOAD_BYTES")
@requires(Role.SCHOOL_MANAGER, unit_arg="unit_id")
def upload(unit: OrgUnit) -> str | BaseResponse:
    """Show the upload form; on upload, check the file and show what an import would do."""
    form = RosterUploadForm()
    kinds = _kinds(unit)
    if form.validate_on_submit():
        kind = RosterKind(form.kind.data)
        storage = form.file.data
        filename = safe_filename(storage.filename or "")
        data = storage.stream.read(current_app.config["LMS_MAX_UPLOAD_BYTES"] + 1)
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
def preview(unit: OrgUnit, upload_id: int) -> str:
    """Show what confirming a stored upload will change, re-read from the stored file."""
    stored = pending_upload(db_session(), upload_id, unit, current_person())
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
