"""Certificate pages: public verification, a learner's certificates, a school's certificates."""

from __future__ import annotations

from typing import Any

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
from flask.blueprints import BlueprintSetupState
from flask_babel import gettext as _
from sqlalchemy import Select, select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as BaseResponse

from certificates.codes import InvalidCodeError, format_code
from lms_module.audit.services import record_event
from lms_module.auth.access import public, requires, signed_in
from lms_module.certification import config
from lms_module.certification.exports import in_service_workbook
from lms_module.certification.jobs import KIND as ZIP_KIND
from lms_module.certification.jobs import zip_key, zip_params
from lms_module.certification.models import Certificate
from lms_module.certification.services import (
    ANONYMISED_HOLDER,
    REISSUE_REASON,
    CertificateStatus,
    certificate_pdf,
    certificate_status,
    certificates_of,
    find_by_code,
    get_certificate,
    in_holder_order,
    issue_on_completion,
    may_manage,
    may_read,
    pdf_filename,
    reissue_certificate,
    replacement_of,
    revoke_certificate,
    unit_certificates_query,
)
from lms_module.certification.statuses import in_service_periods
from lms_module.core.collation import person_sort_key, text_sort_key
from lms_module.core.downloads import private_file
from lms_module.core.limiter import limiter
from lms_module.core.request import client_ip, current_language, current_person
from lms_module.core.urls import local_target, public_base_url
from lms_module.db import db_session
from lms_module.i18n import local_today
from lms_module.jobs.services import enqueue, start_job
from lms_module.learning.attempts import renewable
from lms_module.learning.models import Course
from lms_module.learning.services import course_completed
from lms_module.obligations.query import training_statuses
from lms_module.obligations.statuses import NEEDS_ACTION, TrainingStatus
from lms_module.orgs.models import OrgKind, OrgUnit
from lms_module.orgs.services import subtree, unit_sort_key
from lms_module.people.models import Role
from lms_module.people.services import display_name_for_public
from lms_module.school_years.current import current_school_year
from lms_module.school_years.year import SchoolYear

bp = Blueprint("certification", __name__, template_folder="templates")


@bp.record_once
def _setup(state: BlueprintSetupState) -> None:
    config.apply_defaults(state.app)
    # Issue certificates in the transaction that records a completion (blinker keeps one
    # connection per receiver, however many apps register the blueprint).
    course_completed.connect(issue_on_completion)


def _verify_rate_limit() -> str:
    return str(current_app.config["LMS_VERIFY_RATE_LIMIT"])


def _base_url() -> str:
    return public_base_url()


def _url_prefix() -> str:
    return str(current_app.config["LMS_URL_PREFIX"] or "")


def _timezone() -> str:
    return str(current_app.config["LMS_TIMEZONE"])


# ------------------------------------------------------------------------------ verification


@bp.get("/verify")
@public
@limiter.shared_limit(_verify_rate_limit, scope="certificate-verify")
def verify_form() -> str | BaseResponse:
    """Show the form to type a code; with ``?code=``, check it."""
    typed = request.args.get("code", "").strip()
    if not typed:
        return render_template("certification/verify.html", typed="", result=None, error=None)
    return _verification_page(typed)


@bp.get("/verify/<code>")
@public
@limiter.shared_limit(_verify_rate_limit, scope="certificate-verify")
def verify(code: str) -> str | BaseResponse:
    """Show whether the certificate with ``code`` (from its QR code) is valid."""
    return _verification_page(code)


def _verification_page(typed: str) -> str:
    session = db_session()
    try:
        certificate = find_by_code(session, typed[:64])
    except InvalidCodeError as error:
        return render_template(
            "certification/verify.html", typed=typed[:64], result=None,
            error=_typo_message(str(error)),
        )
    if certificate is None:
        return render_template(
            "certification/verify.html", typed=typed[:64], result=None,
            error=_("Không tìm thấy giấy chứng nhận có mã này. Hãy kiểm tra lại mã in trên "
                    "giấy chứng nhận."),
        )
    status = certificate_status(certificate, local_today())
    # Public page: validity, course, dates, issuing unit and the holder's name, masked for
    # students; never the revocation reason (it may be personal), only its date and whether
    # it was a re-issue. A revoked certificate vouches for nobody: no holder, no validity.
    # An erased child's certificate (kept for the statistics) names nobody either.
    revoked = status is CertificateStatus.REVOKED
    anonymised = certificate.holder_name == ANONYMISED_HOLDER
    holder = (
        display_name_for_public(certificate.holder_name)
        if certificate.holder_is_student else certificate.holder_name
    )
    result = {
        "status": status,
        "holder": None if revoked or anonymised else holder,
        "serial": certificate.serial,
        "code": format_code(certificate.code),
        "course_title": certificate.course_title(current_language()),
        "issued_on": certificate.issued_on,
        "expires_on": None if revoked else certificate.expires_on,
        "issuing_unit": certificate.issuing_unit_name,
        "revoked_on": certificate.revoked_at,
        "replaced": revoked and certificate.revoked_reason == REISSUE_REASON,
        # Only a student's name is shortened, and only their page says so.
        "student": certificate.holder_is_student,
    }
    return render_template(
        "certification/verify.html", typed=format_code(certificate.code), result=result,
        error=None,
    )


def _typo_message(message: str) -> str:
    """Return the code checker's message in the reader's language."""
    if current_language() != "en":
        return message
    if "gõ sai" in message:
        return "One character of the code is mistyped. Please check each character."
    if "ký tự" in message:
        return "A verification code has 17 characters (dashes not counted)."
    return "A verification code contains only digits and capital letters."


# ------------------------------------------------------------------------- own certificates


@bp.get("/certificates")
@signed_in
def my_certificates() -> str:
    """List the signed-in learner's certificates (revoked ones marked)."""
    session = db_session()
    user = current_person()
    today = local_today()
    certificates = certificates_of(session, user)
    rows = [(c, certificate_status(c, today)) for c in certificates]
    return render_template(
        "certification/mine.html", rows=rows, language=current_language(), Status=CertificateStatus,
        renewable=renewable(session, user, certificates, today=today,
                            window_days=int(current_app.config["LMS_EXPIRING_WINDOW_DAYS"])),
    )


@bp.get("/certificates/<int:certificate_id>.pdf")
@signed_in
def download(certificate_id: int) -> Response | tuple[str, int]:
    """Download a certificate's PDF: its holder, or a manager of the issuing school.

    A revoked certificate is refused to its holder (410, with the date and reason, and the
    new certificate when it was re-issued); a manager of the school gets a copy for the
    record, stamped "ĐÃ THU HỒI" on every page.
    """
    session = db_session()
    user = current_person()
    certificate = get_certificate(session, certificate_id)
    if not may_read(session, user, certificate):
        abort(403)
    if certificate.revoked and not may_manage(session, user, certificate):
        return render_template(
            "certification/revoked.html", certificate=certificate,
            replacement=replacement_of(session, certificate), language=current_language(),
            replaced=certificate.revoked_reason == REISSUE_REASON,
        ), 410
    if certificate.user_id != user.id:
        record_event(
            session, "certificate_downloaded", actor_id=user.id,
            subject_user_id=certificate.user_id, org_unit_id=certificate.org_unit_id,
            ip=client_ip(), certificate_id=certificate.id, revoked=certificate.revoked,
        )
        session.commit()
    pdf = certificate_pdf(
        certificate, base_url=_base_url(), url_prefix=_url_prefix(), language=current_language(),
        timezone=_timezone(),
    )
    return private_file(pdf, filename=pdf_filename(certificate), mimetype="application/pdf")


# ------------------------------------------------------------------------ school certificates


def _school_unit(unit: OrgUnit) -> OrgUnit:
    """Refuse certificate pages for classes (their school's page filters by class)."""
    if unit.kind is OrgKind.CLASS:
        abort(404)
    return unit


def _filters(session: Session, unit: OrgUnit) -> dict[str, Any]:
    """Read the class, course and status filters from the query string.

    Only values the page offers are kept (a class of the school, a course it issued, a known
    status); anything else in the query string is ignored. ``args`` holds the kept values
    under their query names, to build the page's links from.
    """
    classes = {c.id: c for c in subtree(session, unit, kinds=[OrgKind.CLASS])}
    courses = session.scalars(_issued_courses_query(unit)).all()
    class_id = request.args.get("class", type=int)
    course_id = request.args.get("course", type=int)
    status_value = request.args.get("status", "")
    status = (
        CertificateStatus(status_value)
        if status_value in {s.value for s in CertificateStatus} else None
    )
    holder_unit_id = class_id if class_id in classes else None
    if course_id not in {course.id for course in courses}:
        course_id = None
    args: dict[str, Any] = {}
    if holder_unit_id is not None:
        args["class"] = holder_unit_id
    if course_id is not None:
        args["course"] = course_id
    if status is not None:
        args["status"] = status.value
    return {
        "classes": classes,
        "courses": courses,
        "holder_unit_id": holder_unit_id,
        "course_id": course_id,
        "status": status,
        "args": args,
    }


def _filter_detail(filters: dict[str, Any]) -> dict[str, Any]:
    """Return the filters as recorded in an audit event."""
    status = filters["status"]
    return {
        "class_id": filters["holder_unit_id"],
        "course_id": filters["course_id"],
        "status": status.value if status is not None else None,
    }


@bp.get("/units/<int:unit_id>/certificates")
@requires(Role.SCHOOL_MANAGER, unit_arg="unit_id", personal_data=True)
def school_certificates(unit: OrgUnit) -> str:
    """List the certificates the school issued, filtered by class, course and status."""
    session = db_session()
    unit = _school_unit(unit)
    filters = _filters(session, unit)
    today = local_today()
    query = unit_certificates_query(
        unit, holder_unit_id=filters["holder_unit_id"], course_id=filters["course_id"],
        status=filters["status"], today=today,
    )
    certificates = list(in_holder_order(session, query, limit=1000))
    # The list names children: record who looked, from where, at which part of it.
    record_event(
        session, "certificates_listed", actor_id=current_person().id, org_unit_id=unit.id,
        ip=client_ip(), **_filter_detail(filters), shown=len(certificates),
    )
    session.commit()
    return render_template(
        "certification/school.html",
        unit=unit,
        rows=[(c, certificate_status(c, today)) for c in certificates],
        classes=sorted(filters["classes"].values(), key=unit_sort_key),
        courses=filters["courses"],
        selected=filters,
        back=url_for(".school_certificates", unit_id=unit.id, **filters["args"]),
        language=current_language(),
        Status=CertificateStatus,
        limit_reached=len(certificates) >= 1000,
    )


def _issued_courses_query(unit: OrgUnit) -> Select[Course]:
    ids = unit_certificates_query(unit).with_only_columns(Certificate.course_id).distinct()
    return select(Course).where(Course.id.in_(ids.order_by(None))).order_by(Course.title_vi)


def _managed_certificate(unit: OrgUnit, certificate_id: int) -> Certificate:
    session = db_session()
    certificate = get_certificate(session, certificate_id)
    if not certificate.org_unit.path.startswith(unit.path):
        abort(404)
    return certificate


@bp.post("/units/<int:unit_id>/certificates/<int:certificate_id>/revoke")
@requires(Role.SCHOOL_MANAGER, unit_arg="unit_id", personal_data=True)
def revoke(unit: OrgUnit, certificate_id: int) -> BaseResponse:
    """Revoke one of the school's certificates (a reason is required)."""
    session = db_session()
    certificate = _managed_certificate(unit, certificate_id)
    revoke_certificate(
        session, certificate, actor=current_person(), reason=request.form.get("reason", ""),
        ip=client_ip(),
    )
    session.commit()
    flash(_("Đã thu hồi giấy chứng nhận %(serial)s.", serial=certificate.serial), "success")
    return redirect(
        local_target(request.form.get("next"))
        or url_for(".school_certificates", unit_id=unit.id)
    )


@bp.post("/units/<int:unit_id>/certificates/<int:certificate_id>/reissue")
@requires(Role.SCHOOL_MANAGER, unit_arg="unit_id", personal_data=True)
def reissue(unit: OrgUnit, certificate_id: int) -> BaseResponse:
    """Re-issue a certificate with the holder's corrected name; the old one is revoked."""
    session = db_session()
    certificate = _managed_certificate(unit, certificate_id)
    new = reissue_certificate(
        session, certificate, actor=current_person(), today=local_today(), ip=client_ip()
    )
    session.commit()
    flash(
        _("Đã cấp lại: số mới %(serial)s thay cho %(old)s.", serial=new.serial,
          old=certificate.serial),
        "success",
    )
    return redirect(
        local_target(request.form.get("next"))
        or url_for(".school_certificates", unit_id=unit.id)
    )


@bp.route("/units/<int:unit_id>/certificates.zip", methods=["GET", "POST"])
@requires(Role.SCHOOL_MANAGER, unit_arg="unit_id", personal_data=True)
def school_zip(unit: OrgUnit) -> str | BaseResponse:
    """Start the ZIP of the school's (or one class's) certificates as a job; a GET shows the
    button that starts it (a link never starts work).

    The job (:mod:`lms_module.certification.jobs`) writes the ZIP into its file and its page
    shows the progress bar, then the download. Revoked certificates are left out unless the
    "revoked" filter asks for them; then they come as record copies stamped "ĐÃ THU HỒI",
    named ``da-thu-hoi_...``. Filters come in the query string, as on the list.
    """
    session = db_session()
    unit = _school_unit(unit)
    filters = _filters(session, unit)
    if request.method != "POST":
        return render_template(
            "certification/zip.html", unit=unit, selected=filters,
            class_unit=filters["classes"].get(filters["holder_unit_id"]),
            course=next((c for c in filters["courses"] if c.id == filters["course_id"]), None),
            back=url_for(".school_certificates", unit_id=unit.id, **filters["args"]),
            Status=CertificateStatus, language=current_language(),
        )
    user = current_person()
    record_event(
        session, "certificates_downloaded", actor_id=user.id, org_unit_id=unit.id,
        ip=client_ip(), **_filter_detail(filters),
    )
    name = f"chung-nhan-{unit.code}"
    if filters["holder_unit_id"]:
        name += f"-{filters['classes'][filters['holder_unit_id']].code}"
    params = zip_params(
        unit, filename=f"{name}.zip", holder_unit_id=filters["holder_unit_id"],
        course_id=filters["course_id"], status=filters["status"],
        include_revoked=filters["status"] is CertificateStatus.REVOKED,
        language=current_language(),
    )
    job = start_job(
        session, kind=ZIP_KIND, params=params, user=user, unit=unit,
        key=f"{zip_key(params)}:{user.id}",
    )
    session.commit()
    enqueue(job)
    return redirect(url_for("lms.jobs.show", job_id=job.id))


# ------------------------------------------------------------------ statuses and BDTX periods


@bp.get("/units/<int:unit_id>/training-status")
@requires(Role.SCHOOL_MANAGER, unit_arg="unit_id", personal_data=True)
def training_status(unit: OrgUnit) -> str:
    """List who at the school is overdue, due, expired or expiring on what they must complete
    (the school's and its parents' targets, and the courses assigned)."""
    session = db_session()
    unit = _school_unit(unit)
    record_event(
        session, "training_status_viewed", actor_id=current_person().id, org_unit_id=unit.id,
        ip=client_ip(),
    )
    session.commit()
    year = str(current_school_year())
    rows = training_statuses(
        session, within=unit, school_year=year, today=local_today(),
        expiring_window_days=int(current_app.config["LMS_EXPIRING_WINDOW_DAYS"]),
    )
    counts = {status: 0 for status in TrainingStatus}
    for row in rows:
        counts[row.status] += 1
    order = {status: index for index, status in enumerate(NEEDS_ACTION)}
    listed = sorted(
        (row for row in rows if row.status in order),
        key=lambda row: (order[row.status], text_sort_key(row.obligation.unit_name),
                         person_sort_key(row.obligation.full_name), row.obligation.user_id),
    )
    return render_template(
        "certification/training_status.html", unit=unit, rows=listed, counts=counts,
        Status=TrainingStatus, language=current_language(), school_year=year,
        window=current_app.config["LMS_EXPIRING_WINDOW_DAYS"],
    )


def _school_year() -> str:
    """Return ``?year=`` (current school year when absent); 400 for a malformed year."""
    year = request.args.get("year", "").strip()
    if not year:
        return str(current_school_year())
    return str(SchoolYear.parse(year))  # SchoolYearError: 400 saying how to write the year


@bp.get("/units/<int:unit_id>/in-service")
@requires(Role.SCHOOL_MANAGER, unit_arg="unit_id", personal_data=True)
def in_service(unit: OrgUnit) -> str:
    """Show each teacher's in-service periods (tiết) earned from certificates this year."""
    session = db_session()
    unit = _school_unit(unit)
    year = _school_year()
    records = in_service_periods(session, unit, year, language=current_language())
    record_event(
        session, "in_service_viewed", actor_id=current_person().id, org_unit_id=unit.id,
        ip=client_ip(), school_year=year,
    )
    session.commit()
    return render_template(
        "certification/in_service.html", unit=unit, records=records, school_year=year,
        required=int(current_app.config["LMS_INSERVICE_PERIODS_PER_YEAR"]),
    )


@bp.get("/units/<int:unit_id>/in-service.xlsx")
@requires(Role.SCHOOL_MANAGER, unit_arg="unit_id", personal_data=True)
def in_service_xlsx(unit: OrgUnit) -> Response:
    """Export the in-service periods to Excel for the school's BDTX report."""
    session = db_session()
    unit = _school_unit(unit)
    year = _school_year()
    required = int(current_app.config["LMS_INSERVICE_PERIODS_PER_YEAR"])
    records = in_service_periods(session, unit, year)
    record_event(
        session, "in_service_exported", actor_id=current_person().id, org_unit_id=unit.id,
        ip=client_ip(), school_year=year,
    )
    session.commit()
    data = in_service_workbook(unit.name, year, required, records)
    return private_file(
        data, filename=f"bdtx-{unit.code}-{year}.xlsx",
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
