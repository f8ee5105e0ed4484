"""Recording sessions held in person and their attendance: the list of a school's or class's
sessions, the form that records one from the family list or the staff roster, a session's
page, its signed sheet, and the attendance sheet to print and sign (PDF)."""

from __future__ import annotations

import datetime as dt

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
from werkzeug.wrappers import Response as BaseResponse

from lms_module.audit.services import record_event
from lms_module.auth.access import may_see_names, record_denial, requires
from lms_module.core.downloads import private_file
from lms_module.core.inputs import InvalidInputError, accepts_upload, query_int
from lms_module.core.request import client_ip, current_language, current_person
from lms_module.coverage.report import AUDIENCE_LABELS as COVERAGE_AUDIENCE_LABELS
from lms_module.db import db_session
from lms_module.families.forms import KINSHIP_LABELS
from lms_module.families.models import Kinship
from lms_module.i18n import local_today
from lms_module.in_person.credit import session_periods
from lms_module.in_person.forms import DAY_FORMATS, SessionForm
from lms_module.in_person.models import InPersonSession
from lms_module.in_person.services import (
    MAX_NAME,
    SESSION_AUDIENCES,
    SHEET_TYPES,
    AttendanceSheet,
    ClassList,
    Clock,
    InPersonError,
    add_meeting_attendee,
    attendees_of,
    check_session,
    check_terms,
    family_list,
    get_in_person_session,
    is_school_manager,
    matching_adults,
    may_download_sheet,
    may_record,
    parent_classes,
    record_session,
    school_adults,
    session_courses,
    session_school,
    sessions_at,
    sheet_of,
)
from lms_module.in_person.sheet_pdf import blank_sheet, render_attendance_sheet, session_sheet
from lms_module.learning.models import AUDIENCE_ROLES, Audience, Course
from lms_module.orgs.models import OrgKind, OrgUnit
from lms_module.people.labels import ROLE_LABELS
from lms_module.people.models import Role, User

bp = Blueprint("in_person", __name__, template_folder="templates")

#: Who a session is for, as the pages name it: the role of its audience ("Giáo viên",
#: "Cha mẹ, người chăm sóc"), falling back to the coverage report's audience name.
AUDIENCE_LABELS = {
    audience: ROLE_LABELS.get(AUDIENCE_ROLES[audience], COVERAGE_AUDIENCE_LABELS[audience])
    for audience in SESSION_AUDIENCES
}
#: Who sees the names of a session's attendees (the rule of pages with names).
NAME_ROLES = (Role.SCHOOL_MANAGER, Role.TEACHER)


def _school_or_class(unit: OrgUnit) -> None:
    if unit.kind not in (OrgKind.SCHOOL, OrgKind.CLASS):
        abort(404)


@bp.get("/units/<int:unit_id>/in-person")
@requires(
    Role.SCHOOL_MANAGER, Role.TEACHER, Role.OFFICE_REVIEWER, Role.ADMIN, unit_arg="unit_id"
)
def sessions(unit: OrgUnit) -> str:
    """List the sessions held at a school (its classes' too) or a class, with head counts."""
    _school_or_class(unit)
    session = db_session()
    return render_template(
        "in_person/sessions.html",
        unit=unit,
        school=session_school(session, unit),
        rows=sessions_at(session, unit),
        can_record=may_record(session, current_person(), unit),
        AUDIENCE_LABELS=AUDIENCE_LABELS,
        language=current_language(),
    )


def _audience(unit: OrgUnit) -> Audience:
    """The audience asked for (``?audience=``): a class's sessions are parents' meetings."""
    if unit.kind is OrgKind.CLASS:
        return Audience.PARENT
    asked = request.args.get("audience") or Audience.PARENT.value
    try:
        audience = Audience(asked)
    except ValueError:
        audience = None
    if audience not in SESSION_AUDIENCES:
        raise InvalidInputError(
            _("Đối tượng không hợp lệ. Hãy chọn cha mẹ, giáo viên, nhân viên hoặc cán bộ quản "
              "lý.")
        )
    assert audience is not None
    return audience


def _shown_classes(unit: OrgUnit, audience: Audience, year: str) -> tuple[list[OrgUnit],
                                                                           list[OrgUnit]]:
    """The classes of a parents' session and the ones whose families the page lists
    (``?class=``: one of them; none given: all)."""
    if audience is not Audience.PARENT:
        return [], []
    classes = parent_classes(db_session(), unit, year)
    chosen = query_int("class")
    if chosen is None or unit.kind is OrgKind.CLASS:
        return classes, classes
    shown = [c for c in classes if c.id == chosen]
    if not shown:
        raise InvalidInputError(_("Lớp đã chọn không thuộc trường này. Hãy chọn lại lớp."))
    return classes, shown


@bp.route("/units/<int:unit_id>/in-person/new", methods=["GET", "POST"])
@accepts_upload("LMS_MAX_UPLOAD_BYTES")
@requires(Role.SCHOOL_MANAGER, Role.TEACHER, unit_arg="unit_id", personal_data=True)
def record(unit: OrgUnit) -> str | BaseResponse | tuple[str, int]:
    """Record a session: the course it stands for, when, where, by whom, and who came, ticked
    from the family list (a class's parents) or the school's staff list. One transaction:
    refused as a whole, with the reason, or recorded as a whole."""
    _school_or_class(unit)
    session = db_session()
    user = current_person()
    if not may_record(session, user, unit):
        # A teacher at the school's page, or of another class: the list names children.
        record_denial(session, user, unit)
        abort(403)
    clock = Clock.of_app()
    language = current_language()
    audience = _audience(unit)
    classes, shown = _shown_classes(unit, audience, clock.school_year)
    families = family_list(session, shown)
    search = (request.args.get("q") or "").strip()[:MAX_NAME]
    roster = [] if audience is Audience.PARENT else school_adults(
        session, unit, AUDIENCE_ROLES[audience], clock.school_year
    )
    adults = matching_adults(roster, search)
    choices = session_courses(session, audience)
    courses = {choice.course.id: choice.course for choice in choices}
    form = SessionForm([(choice.course.id, _course_label(choice.label(language), choice.course))
                        for choice in choices])
    problem: str | None = None
    if form.validate_on_submit():
        try:
            record_id = _record(unit, form, courses[form.course.data], families, clock)
        except InPersonError as error:
            session.rollback()
            problem = error.message
        else:
            return redirect(url_for(".detail", unit_id=unit.id, session_id=record_id))
    elif form.is_submitted():
        problem = _("Chưa ghi được: hãy sửa các mục được đánh dấu.")
    else:
        record_event(
            session, "view_in_person_list", actor_id=user.id, org_unit_id=unit.id,
            ip=client_ip(), audience=audience.value,
            count=sum(len(rows) for _class, rows in families) or len(adults),
        )
        session.commit()
    page = render_template(
        "in_person/record.html",
        unit=unit,
        school=session_school(session, unit),
        form=form,
        problem=problem,
        audience=audience,
        audiences=SESSION_AUDIENCES,
        classes=classes,
        chosen_class=query_int("class") if unit.kind is OrgKind.SCHOOL else None,
        families=families,
        adults=adults,
        ticked=set(form.attendee.data or []),
        search=search,
        roster_size=len(roster),
        staff=audience is not Audience.PARENT,
        present=set(form.present_child.data or []),
        KINSHIP_LABELS=KINSHIP_LABELS,
        AUDIENCE_LABELS=AUDIENCE_LABELS,
        MAX_NAME=MAX_NAME,
        today=clock.today,
        max_mb=max(1, int(current_app.config["LMS_MAX_UPLOAD_BYTES"]) // (1024 * 1024)),
        has_courses=bool(choices),
    )
    return (page, 400) if problem else page


def _record(
    unit: OrgUnit,
    form: SessionForm,
    course: Course,
    families: list[ClassList],
    clock: Clock,
) -> int:
    """Write the session from a valid form; raise :class:`InPersonError` to refuse it."""
    session = db_session()
    user = current_person()
    held_on = form.held_on.data
    assert held_on is not None  # the form validated it
    check_session(session, unit=unit, course=course, held_on=held_on, clock=clock)
    children: dict[int, User] = {
        family.child.id: family.child for _class, rows in families for family in rows
    }
    attendee_ids: list[int] = [i for i in form.attendee.data or [] if i is not None]
    for child_id in form.present_child.data or []:
        child = children.get(child_id) if child_id is not None else None
        if child is None:
            raise InPersonError(
                _("Có học sinh được đánh dấu không thuộc danh sách lớp. Hãy tải lại trang và "
                  "đánh dấu lại.")
            )
        adult = add_meeting_attendee(
            session, child=child, recorded_by=user,
            name=(request.form.get(f"adult_name_{child.id}") or "")[:MAX_NAME],
            kinship=_kinship(request.form.get(f"kinship_{child.id}")),
        )
        attendee_ids.append(adult.id)
    sheet = None
    storage = form.sheet.data
    if storage is not None and getattr(storage, "filename", None):
        limit = int(current_app.config["LMS_MAX_UPLOAD_BYTES"])
        sheet = AttendanceSheet(storage.filename or "", storage.stream.read(limit + 1))
    staff = course.audience is not Audience.PARENT
    record = record_session(
        session, unit=unit, course=course, held_on=held_on, place=form.place.data or "",
        facilitator=form.facilitator.data or "", recorded_by=user, attendee_ids=attendee_ids,
        sheet=sheet, clock=clock, credit_periods=form.periods() if staff else None,
        issue_certificates=not (staff and form.no_certificates.data),
    )
    count = len(attendees_of(session, record))
    session.commit()
    flash(
        _("Đã ghi buổi học ngày %(day)s: %(count)s người có mặt.",
          day=record.held_on.strftime("%d/%m/%Y"), count=count),
        "success",
    )
    return record.id


def _course_label(label: str, course: Course) -> str:
    """A staff course's choice with its periods: "Course (yêu cầu: ...) · 10 tiết"."""
    if course.audience is Audience.PARENT:
        return label
    return str(_("%(course)s · %(periods)s tiết", course=label, periods=course.credit_periods))


def _kinship(value: str | None) -> Kinship:
    try:
        return Kinship(value or Kinship.CAREGIVER.value)
    except ValueError:
        return Kinship.CAREGIVER


@bp.get("/units/<int:unit_id>/in-person/<int:session_id>")
@requires(
    Role.SCHOOL_MANAGER, Role.TEACHER, Role.OFFICE_REVIEWER, Role.ADMIN, unit_arg="unit_id"
)
def detail(unit: OrgUnit, session_id: int) -> str:
    """Show a session and who attended: names for the school's managers and the class's
    teachers (audited), the head count for everyone else allowed here."""
    session = db_session()
    user = current_person()
    record: InPersonSession = get_in_person_session(session, session_id, unit)
    attendees = attendees_of(session, record)
    names = may_see_names(session, user, NAME_ROLES, unit)
    if names:
        record_event(
            session, "view_in_person_attendance", actor_id=user.id, org_unit_id=unit.id,
            ip=client_ip(), session_id=record.id, count=len(attendees),
        )
        session.commit()
    recorder = session.get(User, record.recorded_by_id) if record.recorded_by_id else None
    course = session.get_one(Course, record.course_id)
    return render_template(
        "in_person/detail.html",
        unit=unit,
        record=record,
        attendees=attendees,
        names=names,
        recorder=recorder if names else None,
        can_download=record.sheet_filename is not None
        and may_download_sheet(session, user, record),
        can_print=may_record(session, user, unit),
        periods=session_periods(record, course),
        AUDIENCE_LABELS=AUDIENCE_LABELS,
        language=current_language(),
    )


@bp.get("/units/<int:unit_id>/in-person/<int:session_id>/sheet")
@requires(Role.SCHOOL_MANAGER, Role.TEACHER, unit_arg="unit_id", personal_data=True)
def sheet(unit: OrgUnit, session_id: int) -> Response:
    """Download a session's signed attendance sheet: its school's managers and who recorded
    it; audited."""
    session = db_session()
    user = current_person()
    record = get_in_person_session(session, session_id, unit)
    if not may_download_sheet(session, user, record):
        record_denial(session, user, unit)
        abort(403)
    kept = sheet_of(session, record)
    if kept is None:
        abort(404)
    _filename, content_type, data = kept
    record_event(
        session, "in_person_sheet_downloaded", actor_id=user.id, org_unit_id=unit.id,
        ip=client_ip(), session_id=record.id, manager=is_school_manager(session, user, unit),
    )
    session.commit()
    # A name of our own: the uploaded one is shown on the page, never put in a header.
    extension = next(ext for _magic, kind, ext in SHEET_TYPES if kind == content_type)
    return private_file(data, filename=f"danh-sach-ky-ten-{record.id}.{extension}",
                        mimetype=content_type)


# ------------------------------------------------------------------- the sheet to print and sign


def _printable_by_recorder(unit: OrgUnit) -> None:
    """Refuse (403, audited) whoever may not record a session at ``unit``: the sheet names
    everyone on the roster."""
    session = db_session()
    user = current_person()
    if not may_record(session, user, unit):
        record_denial(session, user, unit)
        abort(403)


def _sheet_response(data: bytes, name: str) -> Response:
    return private_file(data, filename=f"{name}.pdf", mimetype="application/pdf")


@bp.get("/units/<int:unit_id>/in-person/<int:session_id>/attendance-sheet.pdf")
@requires(Role.SCHOOL_MANAGER, Role.TEACHER, unit_arg="unit_id", personal_data=True)
def attendance_sheet(unit: OrgUnit, session_id: int) -> Response:
    """Print a recorded session's attendance sheet: who attended, with room to sign, in the
    school's name. Whoever may record at the unit; audited."""
    _school_or_class(unit)
    _printable_by_recorder(unit)
    session = db_session()
    record = get_in_person_session(session, session_id, unit)
    content = session_sheet(session, record, language=current_language())
    record_event(
        session, "in_person_attendance_sheet_printed", actor_id=current_person().id,
        org_unit_id=unit.id, ip=client_ip(), session_id=record.id, count=len(content.lines),
    )
    session.commit()
    return _sheet_response(render_attendance_sheet(content), f"danh-sach-ky-ten-{record.id}")


@bp.get("/units/<int:unit_id>/in-person/attendance-sheet.pdf")
@requires(Role.SCHOOL_MANAGER, unit_arg="unit_id", personal_data=True)
def blank_attendance_sheet(unit: OrgUnit) -> Response:
    """Print the sheet to sign at a staff training before it is recorded: everyone of the
    course's audience at the school this year (``?course=``; ``held_on``, ``place``,
    ``facilitator``, ``credit_periods`` printed when given, dots otherwise). The school's
    managers; audited."""
    if unit.kind is not OrgKind.SCHOOL:
        abort(404)
    _printable_by_recorder(unit)
    session = db_session()
    course_id = query_int("course")
    course = session.get(Course, course_id) if course_id is not None else None
    if course is None or course.audience not in SESSION_AUDIENCES \
            or course.audience is Audience.PARENT or course.current_version_id is None:
        raise InvalidInputError(
            _("Hãy chọn khóa học của buổi tập huấn (giáo viên, nhân viên hoặc cán bộ quản lý) "
              "rồi in danh sách.")
        )
    periods = _query_periods()
    try:
        check_terms(course, periods, True)
    except InPersonError as error:
        raise InvalidInputError(error.message) from error
    content = blank_sheet(
        session, school=unit, course=course, school_year=Clock.of_app().school_year,
        today=local_today(), language=current_language(), held_on=_query_day(),
        venue=(request.args.get("place") or "").strip()[:200],
        facilitator=(request.args.get("facilitator") or "").strip()[:200],
        credit_periods=periods,
    )
    record_event(
        session, "in_person_attendance_sheet_printed", actor_id=current_person().id,
        org_unit_id=unit.id, ip=client_ip(), course_id=course.id, count=len(content.lines),
        blank=True,
    )
    session.commit()
    return _sheet_response(render_attendance_sheet(content), f"danh-sach-ky-ten-khoa-{course.id}")


def _query_day() -> dt.date | None:
    """``?held_on=`` as the form takes it (2026-11-20 or 20/11/2026); empty: none."""
    text = (request.args.get("held_on") or "").strip()
    if not text:
        return None
    for day_format in DAY_FORMATS:
        try:
            return dt.datetime.strptime(text, day_format).date()
        except ValueError:
            continue
    raise InvalidInputError(
        _("Hãy chọn ngày diễn ra buổi học (ngày/tháng/năm, ví dụ 20/11/2026).")
    )


def _query_periods() -> int | None:
    """``?credit_periods=``: a whole number, or empty (the course's)."""
    text = (request.args.get("credit_periods") or "").strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit()):
        raise InvalidInputError(
            _("Số tiết bồi dưỡng phải là một số nguyên, ví dụ 8 (để trống: theo khóa học).")
        )
    return int(text)
