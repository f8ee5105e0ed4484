"""A child's data rights: the parent's export and erasure request, the school manager's list.

A linked parent (and a manager of the child's school) opens the child's data page, downloads
the export and asks for erasure; the school's managers see the requests with the days left,
register requests received on paper, carry them out or refuse them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

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
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response as BaseResponse

from lms_module.audit.services import record_event
from lms_module.auth.access import has_role, record_denial, requires, signed_in
from lms_module.core.downloads import private_file
from lms_module.core.errors import LMSError
from lms_module.core.request import client_ip, current_language, current_person
from lms_module.core.urls import local_target, public_base_url
from lms_module.db import db_session
from lms_module.families.data_rights import (
    DONE,
    RESPONSE_DAYS,
    SECTIONS,
    DataRequestError,
    acting_as,
    check_pending,
    collect_child_data,
    complete_export_request,
    erase_child,
    export_child_data,
    file_request,
    find_school_student,
    get_child,
    handled_requests,
    is_erased,
    local_day,
    pending_requests,
    requests_of_child,
    school_of_child,
    school_request,
)
from lms_module.families.data_rights import refuse_request as refuse_data_request
from lms_module.families.models import DataRequestKind
from lms_module.families.rights_forms import PaperRequestForm, RefuseForm
from lms_module.families.services import NotYourChildError, current_class
from lms_module.i18n import local_today
from lms_module.orgs.models import OrgKind, OrgUnit
from lms_module.people.models import Role, User

bp = Blueprint("data_rights", __name__, template_folder="templates")

#: What each part of the export is, as the child's data page names it.
SECTION_LABELS = {
    "memberships": _l("Lớp, trường, năm học"),
    "teaching_assignments": _l("Lớp được phân công dạy"),
    "learner_state": _l("Trạng thái và câu trả lời trong bài học"),
    "attempts": _l("Lần làm bài và điểm"),
    "block_scores": _l("Điểm hiện tại ở mỗi bài"),
    "block_completions": _l("Phần bài đã học xong"),
    "positions": _l("Bài đang học dở"),
    "completions": _l("Khóa học đã hoàn thành"),
    "course_attempts": _l("Lần khóa học được mở lại để học lại"),
    "certificates": _l("Giấy chứng nhận"),
    "in_person_attendance": _l("Buổi học trực tiếp đã dự"),
    "notifications": _l("Lời nhắc và thông báo đã nhận"),
    "consent_records": _l("Câu trả lời về sự đồng ý của cha mẹ"),
    "parent_links": _l("Người lớn được liên kết"),
    "parent_letters": _l("Thư gửi cha mẹ đã in"),
    "data_requests": _l("Yêu cầu về dữ liệu"),
    "audit_events": _l("Nhật ký: ai đã làm gì, khi nào"),
}
KIND_LABELS = {
    DataRequestKind.ERASE: _l("Xóa dữ liệu"),
    DataRequestKind.EXPORT: _l("Xuất dữ liệu"),
}


class NotASchoolError(LMSError):
    """The manager's list of requests belongs to a school's page."""

    status_code = 404

    def __init__(self) -> None:
        super().__init__(_("Danh sách yêu cầu về dữ liệu nằm ở trang của trường. "
                           "Hãy mở từ trang trường."))


def _timezone() -> str:
    return str(current_app.config["LMS_TIMEZONE"])


def _child_for(child_id: int) -> tuple[User, Role]:
    """Return the child and the role the signed-in user acts in; refuse (audited) anyone else.

    A parent not linked to the child gets the parents' message (403), anyone else the usual
    403; an unknown id a clear 404.
    """
    session = db_session()
    user = current_person()
    child = get_child(session, child_id)
    role = acting_as(session, user, child)
    if role is None:
        record_denial(session, user, school_of_child(session, child))
        if has_role(session, user, Role.PARENT):
            raise NotYourChildError()
        abort(403)
    return child, role


# ----------------------------------------------------------------------- the child's data


@bp.get("/children/<int:child_id>/data")
@signed_in
def child_data(child_id: int) -> str:
    """Show what the system holds about the child, the download and the erasure request."""
    session = db_session()
    child, role = _child_for(child_id)
    data = collect_child_data(session, child)
    school = school_of_child(session, child)
    return render_template(
        "data_rights/child.html",
        child=child, role=role, Role=Role, school=school, class_unit=current_class(session, child),
        counts=[(SECTION_LABELS[key], len(data[key])) for key in SECTIONS if key != "account"],
        requests=requests_of_child(session, child), kinds=KIND_LABELS, DONE=DONE,
        erased=is_erased(child), days=RESPONSE_DAYS,
    )


@bp.get("/children/<int:child_id>/data.zip")
@signed_in
def export_child(child_id: int) -> Response:
    """Download everything the system holds about the child (ZIP); audited."""
    session = db_session()
    child, role = _child_for(child_id)
    data = export_child_data(
        session, child, base_url=public_base_url(),
        url_prefix=str(current_app.config["LMS_URL_PREFIX"] or ""),
        language=current_language(), timezone=_timezone(),
    )
    school = school_of_child(session, child)
    record_event(
        session, "child_data_exported", actor_id=current_person().id, subject_user_id=child.id,
        org_unit_id=school.id if school is not None else None, ip=client_ip(),
        acting_as=role.value, size=len(data),
    )
    session.commit()
    return private_file(data, filename=f"du-lieu-hoc-sinh-{child.id}.zip",
                        mimetype="application/zip")


@bp.post("/children/<int:child_id>/erasure-request")
@signed_in
def request_erasure(child_id: int) -> str | BaseResponse:
    """File a request to erase the child's data with the child's school.

    Only once confirmed: a form without ``confirmed=yes`` gets a page stating what erasure
    does, with the confirming button. A manager filing it registers a request received on
    paper.
    """
    session = db_session()
    child, _role = _child_for(child_id)
    back = local_target(request.form.get("next"))
    if is_erased(child):
        raise DataRequestError(_("Dữ liệu của em này đã được xóa."))
    if request.form.get("confirmed") != "yes":
        return render_template(
            "data_rights/request_confirm.html", child=child, back=back, days=RESPONSE_DAYS
        )
    filed, new = file_request(
        session, child, kind=DataRequestKind.ERASE, requested_by=current_person(),
        ip=client_ip(),
    )
    session.commit()
    if new:
        flash(_("Đã gửi yêu cầu xóa dữ liệu của em %(name)s. Nhà trường sẽ xử lý trong "
                "%(days)s ngày.", name=child.full_name, days=RESPONSE_DAYS), "success")
    else:
        flash(_("Yêu cầu xóa dữ liệu của em %(name)s đã được gửi ngày %(date)s; nhà trường "
                "đang xử lý.", name=child.full_name,
                date=f"{local_day(filed.requested_at, _timezone()):%d/%m/%Y}"), "success")
    return redirect(back or _child_url(child))


def _child_url(child: User) -> str:
    return url_for(".child_data", child_id=child.id)


# -------------------------------------------------------------------- the school's requests


def _school(unit: OrgUnit) -> OrgUnit:
    if unit.kind is not OrgKind.SCHOOL:
        raise NotASchoolError()
    return unit


def _requests_page(unit: OrgUnit, form: PaperRequestForm, status: int = 200) -> Any:
    session = db_session()
    today = local_today()
    pending = pending_requests(session, unit, today=today, timezone=_timezone())
    handled = handled_requests(session, unit)
    record_event(
        session, "data_requests_listed", actor_id=current_person().id, org_unit_id=unit.id,
        ip=client_ip(), pending=len(pending),
    )
    session.commit()
    return render_template(
        "data_rights/school.html", unit=unit, pending=pending, handled=handled, form=form,
        refuse_form=RefuseForm(formdata=None), kinds=KIND_LABELS, Kind=DataRequestKind,
        days=RESPONSE_DAYS, DONE=DONE,
        children={r.child_user_id: session.get(User, r.child_user_id) for r in handled},
    ), status


@bp.route("/units/<int:unit_id>/data-requests", methods=["GET", "POST"])
@requires(Role.SCHOOL_MANAGER, unit_arg="unit_id", personal_data=True)
def school_requests(unit: OrgUnit) -> Any:
    """List the school's requests about children's data, with the days left to act (GET), or
    register a request a parent made on paper or in person (POST)."""
    if request.method != "POST":
        return _requests_page(_school(unit), PaperRequestForm(local_today(), formdata=None))
    session = db_session()
    unit = _school(unit)
    today = local_today()
    form = PaperRequestForm(today)
    if not form.validate():
        return _requests_page(unit, form, 400)
    child = find_school_student(session, unit, form.student.data or "")
    received = dt.datetime.combine(form.received, dt.time(12), tzinfo=ZoneInfo(_timezone()))
    filed, new = file_request(
        session, child, kind=DataRequestKind(form.kind.data), requested_by=current_person(),
        note=form.note.data, received_at=received, ip=client_ip(),
    )
    session.commit()
    if new:
        flash(_("Đã ghi nhận yêu cầu %(kind)s của em %(name)s.",
                kind=str(KIND_LABELS[filed.kind]).lower(), name=child.full_name), "success")
    else:
        flash(_("Em %(name)s đã có yêu cầu %(kind)s đang chờ xử lý (ngày %(date)s).",
                name=child.full_name, kind=str(KIND_LABELS[filed.kind]).lower(),
                date=f"{local_day(filed.requested_at, _timezone()):%d/%m/%Y}"), "success")
    return redirect(_school_url(unit))


def _school_url(unit: OrgUnit) -> str:
    return url_for(".school_requests", unit_id=unit.id)


@bp.post("/units/<int:unit_id>/data-requests/<int:request_id>/carry-out")
@requires(Role.SCHOOL_MANAGER, unit_arg="unit_id", personal_data=True)
def carry_out(unit: OrgUnit, request_id: int) -> str | BaseResponse:
    """Carry out a request: erase the child's data (once confirmed), or mark an export done."""
    session = db_session()
    unit = _school(unit)
    data_request = school_request(session, unit, request_id)
    child = session.get_one(User, data_request.child_user_id)
    actor = current_person()
    if data_request.kind is DataRequestKind.EXPORT:
        complete_export_request(session, data_request, actor=actor, ip=client_ip())
        session.commit()
        flash(_("Đã ghi nhận: dữ liệu của em %(name)s đã được giao.", name=child.full_name),
              "success")
        return redirect(_school_url(unit))
    check_pending(data_request)
    if request.form.get("confirmed") != "yes":
        return render_template(
            "data_rights/erase_confirm.html", unit=unit, data_request=data_request, child=child
        )
    name = child.full_name
    counts = erase_child(session, child, actor=actor, request=data_request, ip=client_ip())
    session.commit()
    flash(_("Đã xóa dữ liệu của em %(name)s: %(fields)s mục trạng thái bài học, %(attempts)s "
            "lần làm bài, %(links)s liên kết với phụ huynh; %(certificates)s giấy chứng nhận "
            "chỉ còn để thống kê.", name=name, fields=counts.learner_fields,
            attempts=counts.attempts, links=counts.links_ended,
            certificates=counts.certificates_anonymised), "success")
    return redirect(_school_url(unit))


@bp.post("/units/<int:unit_id>/data-requests/<int:request_id>/refuse")
@requires(Role.SCHOOL_MANAGER, unit_arg="unit_id", personal_data=True)
def refuse(unit: OrgUnit, request_id: int) -> BaseResponse:
    """Refuse a request with a reason (shown to the parent); audited."""
    session = db_session()
    unit = _school(unit)
    data_request = school_request(session, unit, request_id)
    form = RefuseForm()
    if not form.validate():
        raise DataRequestError(str(next(iter(form.errors.values()))[0]))
    refuse_data_request(
        session, data_request, actor=current_person(), reason=form.reason.data or "",
        ip=client_ip(),
    )
    session.commit()
    flash(_("Đã từ chối yêu cầu và ghi lý do."), "success")
    return redirect(_school_url(unit))
