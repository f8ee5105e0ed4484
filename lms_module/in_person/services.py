"""Record sessions held in person (a class's parents' meeting, a school's staff training day)
and their attendance: attending completes the session's course, as taking it online does.

A session stands for a **course** (and so for every requirement that course satisfies). Who
may attend depends on the course's audience:

* parents (:attr:`Audience.PARENT`): the adults linked to the active students of the session's
  class, or of the school's classes of the year for a school-wide session. An adult the system
  does not know yet is added from the class's family list (:func:`add_meeting_attendee`): an
  account without any sign-in, linked to the child with :attr:`LinkSource.MEETING`;
* teachers, staff, managers: the school's members of that role in the school year (the
  population rule of the coverage figures, :func:`population_conditions`).

Each attendee gets a :class:`Completion` of the course's current version dated the session's
day (noon, local time) and marked with the session, inserted once per person and version
(ON CONFLICT DO NOTHING, as :func:`complete_course_if_done` does) and announced with the same
:data:`course_completed` signal, so that the certificate is issued the same way. An adult who
had already completed that version keeps their completion: the attendance points to it.

Every function here takes plain arguments and no request, so that the pages, the demo data
and the staff training of step 5 call the same code. Nothing is committed here: the caller
commits once, so that a refusal leaves nothing half-written.
"""

from __future__ import annotations

import datetime as dt
import secrets
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from lms_module.audit.services import record_event
from lms_module.auth.access import may_see_names, user_can
from lms_module.core.collation import person_sort_key
from lms_module.core.errors import LMSError
from lms_module.db import subtree_condition
from lms_module.families.models import Kinship, LinkSource, ParentLink
from lms_module.families.services import ClassFamily, class_families, current_class, link_adult
from lms_module.in_person.credit import MAX_PERIODS
from lms_module.in_person.models import InPersonAttendance, InPersonSession
from lms_module.learning.models import AUDIENCE_ROLES, Audience, Completion, Course
from lms_module.learning.services import record_completion
from lms_module.obligations.models import Requirement, requirement_course
from lms_module.obligations.population import population_conditions
from lms_module.orgs.models import OrgKind, OrgUnit
from lms_module.orgs.services import enclosing_school, unit_sort_key
from lms_module.people.models import Membership, Role, User
from lms_module.people.services import create_user, normalize_text
from lms_module.roster.uploads import safe_filename
from lms_module.school_years.year import SchoolYear

#: The audiences a session may be held for (students learn online, in their class).
SESSION_AUDIENCES = (Audience.PARENT, Audience.TEACHER, Audience.STAFF, Audience.MANAGER)
#: Longest place and facilitator text kept (the columns' size).
MAX_TEXT = 200
#: Longest name typed for an adult added at a meeting.
MAX_NAME = 100
#: The hour (local time) a session's completions are dated at: the day, whatever the zone.
COMPLETION_HOUR = 12
#: The signed attendance sheet's accepted kinds: content type by the file's first bytes.
SHEET_TYPES = (
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"%PDF-", "application/pdf", "pdf"),
)
#: Generated usernames of adults added at a meeting (they never sign in with them).
MEETING_USERNAME_PREFIX = "ph-"


# ------------------------------------------------------------------------------------ errors


class InPersonError(LMSError):
    """A session that cannot be recorded as given; the message says what to change."""


class NoSuchSessionError(LMSError):
    """No session has this id at this unit."""

    status_code = 404

    def __init__(self) -> None:
        super().__init__(_("Không tìm thấy buổi học này. Hãy mở lại từ danh sách buổi học."))


class StaffSessionAtClassError(InPersonError):
    """A session for teachers, staff or managers asked at a class: they are a school's."""

    def __init__(self) -> None:
        super().__init__(
            _("Buổi bồi dưỡng của giáo viên, nhân viên, cán bộ quản lý được ghi ở trang của "
              "trường, không ở trang của lớp.")
        )


class SheetError(InPersonError):
    """An attendance sheet that is not a photo or a PDF, empty, or too large."""


# --------------------------------------------------------------------------------- the clock


@dataclass(frozen=True)
class Clock:
    """Today, the school year and the time zone a session is checked and dated with."""

    today: dt.date
    school_year: str
    timezone: str

    @classmethod
    def of_app(cls) -> Clock:
        """Return the app's clock (``LMS_TIMEZONE``, ``LMS_SCHOOL_YEAR``), or Vietnam's
        outside an application context."""
        timezone = "Asia/Ho_Chi_Minh"
        configured: object = None
        if has_app_context():
            timezone = str(current_app.config.get("LMS_TIMEZONE", timezone))
            configured = current_app.config.get("LMS_SCHOOL_YEAR")
        today = dt.datetime.now(ZoneInfo(timezone)).date()
        return cls(today, str(SchoolYear.current(today, configured)), timezone)


# ----------------------------------------------------------------------------------- courses


@dataclass(frozen=True)
class CourseChoice:
    """A course a session may stand for, with the requirements it satisfies."""

    course: Course
    requirements: tuple[Requirement, ...]

    def label(self, language: str) -> str:
        """Return "Course (yêu cầu: requirement, ...)" as the form lists it."""
        title = self.course.title(language)
        if not self.requirements:
            return title
        names = ", ".join(r.title(language) for r in self.requirements)
        return str(_("%(course)s (yêu cầu: %(requirements)s)", course=title,
                     requirements=names))


def session_courses(session: Session, audience: Audience) -> list[CourseChoice]:
    """Return the loaded courses of ``audience``, by title, each with its requirements."""
    courses = session.scalars(
        select(Course)
        .where(Course.audience == audience, Course.current_version_id.is_not(None))
        .order_by(Course.title_vi, Course.id)
    ).all()
    found: dict[int, list[Requirement]] = {course.id: [] for course in courses}
    if found:
        for course_id, requirement in session.execute(
            select(requirement_course.c.course_id, Requirement)
            .join(Requirement, Requirement.id == requirement_course.c.requirement_id)
            .where(requirement_course.c.course_id.in_(list(found)))
            .order_by(Requirement.title_vi, Requirement.id)
        ).all():
            found[course_id].append(requirement)
    return [CourseChoice(course, tuple(found[course.id])) for course in courses]


# ----------------------------------------------------------------------------- who may attend


def session_school(session: Session, unit: OrgUnit) -> OrgUnit:
    """Return the school of a session's unit (a school, or one of its classes).

    :raises InPersonError: for a unit that is neither.
    """
    school = enclosing_school(session, unit) if unit.kind in (OrgKind.SCHOOL, OrgKind.CLASS) \
        else None
    if school is None:
        raise InPersonError(
            _("Buổi học trực tiếp được ghi ở một trường hoặc một lớp. Hãy mở trang của trường "
              "hoặc của lớp.")
        )
    return school


def parent_classes(session: Session, unit: OrgUnit, school_year: str) -> list[OrgUnit]:
    """Return the classes whose families a parents' session at ``unit`` is for: the class
    itself, or the school's classes of ``school_year`` (grade, then name)."""
    if unit.kind is OrgKind.CLASS:
        return [unit]
    classes = session.scalars(
        select(OrgUnit).where(
            OrgUnit.kind == OrgKind.CLASS,
            OrgUnit.school_year == school_year,
            subtree_condition(OrgUnit.path, unit.path),
        )
    )
    return sorted(classes, key=unit_sort_key)


#: A class and its family list, as the record form shows it.
ClassList = tuple[OrgUnit, list[ClassFamily]]


def family_list(session: Session, classes: Iterable[OrgUnit]) -> list[ClassList]:
    """Return each class with its family list (children and their linked adults)."""
    return [(class_unit, class_families(session, class_unit)) for class_unit in classes]


def school_adults(session: Session, school: OrgUnit, role: Role, school_year: str) -> list[User]:
    """Return the school's members of ``role`` counted in ``school_year`` (the population
    rule of the coverage figures), by name."""
    member_unit = aliased(OrgUnit)
    users = session.scalars(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .join(member_unit, member_unit.id == Membership.org_unit_id)
        .where(
            *population_conditions(role, school_year, member_unit, closed=False),
            subtree_condition(member_unit.path, school.path),
        )
        .distinct()
    )
    return sorted(users, key=lambda user: (person_sort_key(user.full_name), user.id))


def search_text(text: str) -> str:
    """Return ``text`` as a roster search compares it: lower case, without tone or vowel
    marks, "đ" as "d" ("Nguyễn Thị Hạnh" → "nguyen thi hanh"), spaces collapsed."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


def matching_adults(adults: Iterable[User], query: str) -> list[User]:
    """Return the adults whose name or staff code contains ``query`` (marks and case
    ignored: "hanh" finds "Hạnh"); all of them for an empty query."""
    wanted = search_text(query)
    if not wanted:
        return list(adults)
    return [
        adult for adult in adults
        if wanted in search_text(adult.full_name) or wanted in search_text(adult.staff_code or "")
    ]


def eligible_attendees(
    session: Session, unit: OrgUnit, audience: Audience, school_year: str
) -> set[int]:
    """Return the ids of the adults who may be ticked as present at a session of ``unit``.

    :raises InPersonError: for an audience no session is held for, or a staff session at a
        class.
    """
    if audience is Audience.PARENT:
        class_ids = [c.id for c in parent_classes(session, unit, school_year)]
        if not class_ids:
            return set()
        return set(session.scalars(
            select(ParentLink.adult_user_id)
            .join(Membership, Membership.user_id == ParentLink.child_user_id)
            .join(User, User.id == ParentLink.adult_user_id)
            .where(
                ParentLink.ended_at.is_(None),
                Membership.org_unit_id.in_(class_ids),
                Membership.role == Role.STUDENT,
                Membership.active.is_(True),
                User.active.is_(True),
            )
        ))
    if audience not in SESSION_AUDIENCES:
        raise InPersonError(
            _("Buổi học trực tiếp dành cho cha mẹ, giáo viên, nhân viên hoặc cán bộ quản lý. "
              "Hãy chọn khóa học của một trong các đối tượng đó.")
        )
    if unit.kind is not OrgKind.SCHOOL:
        raise StaffSessionAtClassError()
    role = AUDIENCE_ROLES[audience]
    return {user.id for user in school_adults(session, unit, role, school_year)}


# ---------------------------------------------------------------------------------- the sheet


@dataclass(frozen=True)
class AttendanceSheet:
    """An uploaded signed attendance sheet (a photo or a scan), as received."""

    filename: str
    data: bytes


def sheet_content_type(data: bytes) -> tuple[str, str] | None:
    """Return the content type and extension the file's first bytes show, if accepted."""
    for magic, content_type, extension in SHEET_TYPES:
        if data.startswith(magic):
            return content_type, extension
    return None


def check_sheet(sheet: AttendanceSheet, *, max_bytes: int) -> tuple[str, str]:
    """Return the sheet's stored file name and content type (read from its bytes).

    :raises SheetError: for an empty file, one above ``max_bytes``, or one that is not a
        JPEG or PNG photo or a PDF (whatever its name says).
    """
    if not sheet.data:
        raise SheetError(_("Tệp danh sách ký tên trống. Hãy chụp hoặc quét lại rồi tải lên."))
    if len(sheet.data) > max_bytes:
        raise SheetError(
            _("Tệp danh sách ký tên quá lớn (tối đa %(size)s MB). Hãy chụp ảnh nhỏ hơn hoặc "
              "quét với độ phân giải thấp hơn.", size=max(1, max_bytes // (1024 * 1024)))
        )
    found = sheet_content_type(sheet.data)
    if found is None:
        raise SheetError(
            _("Danh sách ký tên phải là ảnh (JPEG, PNG) hoặc tệp PDF. Hãy chụp ảnh hoặc quét "
              "lại rồi tải lên.")
        )
    content_type, extension = found
    name = safe_filename(sheet.filename)
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return f"{stem[:180] or 'danh-sach'}.{extension}", content_type


# ------------------------------------------------------------------------------- recording


def add_meeting_attendee(
    session: Session,
    *,
    child: User,
    recorded_by: User,
    name: str | None = None,
    kinship: Kinship = Kinship.CAREGIVER,
) -> User:
    """Add the adult who came to a meeting for ``child`` and link them to the child.

    The adult gets an account without any sign-in (no password, a generated username), named
    as typed or "Phụ huynh của em <child's name>", and is linked with
    :attr:`LinkSource.MEETING` (which gives them a parent membership at the child's school;
    audited as ``parent_linked``). Tick them in :func:`record_session` afterwards.

    :raises InPersonError: when ``child`` is not an active student of a class.
    """
    if not child.active or current_class(session, child) is None:
        raise InPersonError(
            _("Chỉ ghi được người lớn của một học sinh đang học. Hãy tải lại trang lớp.")
        )
    typed = normalize_text(name or "")[:MAX_NAME]
    # Stored data, not page text: always Vietnamese, whatever the recorder's language.
    full_name = typed or f"Phụ huynh của em {child.full_name}"
    adult = create_user(session, username=_free_meeting_username(session), full_name=full_name)
    session.flush()
    link_adult(session, adult, child, kinship=kinship, source=LinkSource.MEETING,
               actor_id=recorded_by.id)
    return adult


def _free_meeting_username(session: Session) -> str:
    while True:
        username = f"{MEETING_USERNAME_PREFIX}{secrets.token_hex(5)}"
        if session.scalar(select(User.id).where(User.username == username)) is None:
            return username


def check_session(
    session: Session,
    *,
    unit: OrgUnit,
    course: Course,
    held_on: dt.date,
    clock: Clock,
) -> None:
    """Refuse a session that cannot be recorded, before anything is written.

    :raises InPersonError: a unit that is not a school or class, a course of students or not
        loaded, a staff course at a class, a day in the future or before last school year.
    """
    session_school(session, unit)
    if course.audience not in SESSION_AUDIENCES:
        raise InPersonError(
            _("Khóa học “%(course)s” dành cho học sinh. Buổi học trực tiếp được ghi cho cha mẹ, "
              "giáo viên, nhân viên hoặc cán bộ quản lý.", course=course.title_vi)
        )
    if course.current_version_id is None:
        raise InPersonError(
            _("Khóa học “%(course)s” chưa được nạp nội dung nên chưa ghi được buổi học.",
              course=course.title_vi)
        )
    if course.audience is not Audience.PARENT and unit.kind is not OrgKind.SCHOOL:
        raise StaffSessionAtClassError()
    if held_on > clock.today:
        raise InPersonError(
            _("Ngày %(day)s chưa đến. Chỉ ghi buổi học đã diễn ra; hãy kiểm tra lại ngày.",
              day=held_on.strftime("%d/%m/%Y"))
        )
    earliest = SchoolYear.containing(clock.today).previous.first_day
    if held_on < earliest:
        raise InPersonError(
            _("Chỉ ghi được buổi học từ ngày %(day)s (năm học trước và năm học này). Hãy kiểm "
              "tra lại ngày.", day=earliest.strftime("%d/%m/%Y"))
        )


def check_terms(course: Course, credit_periods: int | None, issue_certificates: bool) -> None:
    """Refuse a staff training's terms that cannot be recorded.

    :raises InPersonError: periods outside 0 to
        :data:`~lms_module.in_person.credit.MAX_PERIODS`, or periods or no certificate asked
        for a parents' meeting (parents earn no periods; their families count by the
        certificate).
    """
    if course.audience is Audience.PARENT:
        if credit_periods is not None or not issue_certificates:
            raise InPersonError(
                _("Số tiết bồi dưỡng và lựa chọn không cấp giấy chứng nhận chỉ dành cho buổi "
                  "tập huấn của giáo viên, nhân viên, cán bộ quản lý.")
            )
        return
    if credit_periods is not None and not 0 <= credit_periods <= MAX_PERIODS:
        raise InPersonError(
            _("Số tiết bồi dưỡng phải từ 0 đến %(max)s. Hãy sửa lại số tiết (để trống: theo "
              "khóa học).", max=MAX_PERIODS)
        )


def record_session(
    session: Session,
    *,
    unit: OrgUnit,
    course: Course,
    held_on: dt.date,
    place: str,
    facilitator: str,
    recorded_by: User,
    attendee_ids: Iterable[int],
    sheet: AttendanceSheet | None = None,
    clock: Clock | None = None,
    max_sheet_bytes: int | None = None,
    credit_periods: int | None = None,
    issue_certificates: bool = True,
) -> InPersonSession:
    """Record a session held in person at ``unit`` and complete ``course`` for who attended.

    Recording the same session again (same unit, course, day, place and facilitator: a form
    sent twice, or people ticked later) adds the new attendees to it, nobody twice. Audited:
    ``in_person_session_recorded`` (a new session), ``in_person_attendance_recorded`` (each
    new attendee, as subject). Nothing is committed.

    :param unit: a class (a class's parents' meeting) or a school.
    :param course: what the session stands for; its audience is the session's.
    :param held_on: the day it was held (not in the future).
    :param attendee_ids: the adults present, among :func:`eligible_attendees` (add the
        adults the system did not know with :func:`add_meeting_attendee` first).
    :param sheet: the signed attendance sheet, kept as a file (JPEG, PNG or PDF).
    :param clock: today, the school year and the time zone (default: the app's).
    :param max_sheet_bytes: the sheet's size limit (default: ``LMS_MAX_UPLOAD_BYTES``).
    :param credit_periods: a staff training's in-service periods (tiết BDTX) per attendee,
        0 to :data:`~lms_module.in_person.credit.MAX_PERIODS`; ``None``: the course's.
    :param issue_certificates: whether each attendee gets the course's certificate (a staff
        training may give none: the attendance still completes the course and earns the
        periods). Parents' meetings always issue it.
    :returns: the session (new, or the same one recorded before).
    :raises InPersonError: see :func:`check_session`; no attendee, or someone who is not on
        the session's list; a sheet that is not accepted (:class:`SheetError`); periods out
        of range, terms given for a parents' meeting, or terms other than those the same
        session was recorded with.
    """
    clock = clock or Clock.of_app()
    check_session(session, unit=unit, course=course, held_on=held_on, clock=clock)
    check_terms(course, credit_periods, issue_certificates)
    place = normalize_text(place)[:MAX_TEXT]
    facilitator = normalize_text(facilitator)[:MAX_TEXT]
    if not place or not facilitator:
        raise InPersonError(_("Hãy ghi địa điểm và người hướng dẫn buổi học."))
    wanted = sorted(set(attendee_ids))
    if not wanted:
        raise InPersonError(
            _("Chưa đánh dấu ai có mặt. Hãy đánh dấu những người đã tham dự buổi học.")
        )
    eligible = eligible_attendees(session, unit, course.audience, clock.school_year)
    if any(user_id not in eligible for user_id in wanted):
        raise InPersonError(
            _("Có người được đánh dấu không thuộc danh sách của buổi học này. Hãy tải lại "
              "trang và đánh dấu lại.")
        )
    stored_sheet = None
    if sheet is not None:
        limit = max_sheet_bytes if max_sheet_bytes is not None else _upload_limit()
        stored_sheet = (*check_sheet(sheet, max_bytes=limit), sheet.data)
    record = session.scalar(
        select(InPersonSession).where(
            InPersonSession.org_unit_id == unit.id,
            InPersonSession.course_id == course.id,
            InPersonSession.held_on == held_on,
            InPersonSession.place == place,
            InPersonSession.facilitator == facilitator,
        ).order_by(InPersonSession.id).limit(1)
    )
    if record is None:
        record = InPersonSession(
            org_unit_id=unit.id, course_id=course.id, audience=course.audience,
            held_on=held_on, place=place, facilitator=facilitator,
            recorded_by_id=recorded_by.id, credit_periods=credit_periods,
            issue_certificates=issue_certificates,
        )
        session.add(record)
        session.flush()
        record_event(
            session, "in_person_session_recorded", actor_id=recorded_by.id,
            org_unit_id=unit.id, session_id=record.id, course_id=course.id,
            audience=course.audience.value, held_on=held_on.isoformat(),
            attendees=len(wanted), sheet=stored_sheet is not None,
            credit_periods=credit_periods, issue_certificates=issue_certificates,
        )
    elif (record.credit_periods, record.issue_certificates) != (
        credit_periods, issue_certificates
    ):
        raise InPersonError(
            _("Buổi học này đã được ghi với số tiết và cách cấp giấy chứng nhận khác. Hãy ghi "
              "đúng như lần trước, hoặc ghi một buổi khác (địa điểm hoặc người hướng dẫn "
              "khác).")
        )
    if stored_sheet is not None and record.sheet_filename is None:
        record.sheet_filename, record.sheet_content_type, record.sheet_data = stored_sheet
    add_attendees(session, record, attendee_ids=wanted, recorded_by=recorded_by, clock=clock)
    return record


def add_attendees(
    session: Session,
    record: InPersonSession,
    *,
    attendee_ids: Iterable[int],
    recorded_by: User,
    clock: Clock | None = None,
) -> list[InPersonAttendance]:
    """Mark adults present at a recorded session: each one's completion, once.

    The caller checked that they may attend (:func:`record_session` does). Someone already
    marked at this session is skipped.

    :returns: the attendance rows added.
    """
    clock = clock or Clock.of_app()
    course = session.get_one(Course, record.course_id)
    version = course.current_version
    assert version is not None, "check_session refuses a course without a version"
    present = set(session.scalars(
        select(InPersonAttendance.user_id).where(InPersonAttendance.session_id == record.id)
    ))
    completed_at = completion_moment(record.held_on, clock.timezone)
    added = []
    for user_id in sorted(set(attendee_ids) - present):
        user = session.get_one(User, user_id)
        completion = record_completion(session, user, version, score=1.0,
                                       completed_at=completed_at, in_person_session_id=record.id)
        new = completion is not None
        if completion is not None:
            completion_id: int | None = completion.id
        else:
            completion_id = session.scalar(
                select(Completion.id).where(
                    Completion.user_id == user.id, Completion.course_version_id == version.id
                )
            )
        attendance = InPersonAttendance(
            session_id=record.id, user_id=user.id, completion_id=completion_id
        )
        session.add(attendance)
        added.append(attendance)
        record_event(
            session, "in_person_attendance_recorded", actor_id=recorded_by.id,
            subject_user_id=user.id, org_unit_id=record.org_unit_id, session_id=record.id,
            completion_id=completion_id, new_completion=new,
        )
    session.flush()
    return added


def completion_moment(held_on: dt.date, timezone: str) -> dt.datetime:
    """Return when a session's completions are dated: noon of its day in ``timezone``, in UTC
    (so that the certificate's local date is the session's day)."""
    local = dt.datetime.combine(held_on, dt.time(COMPLETION_HOUR), tzinfo=ZoneInfo(timezone))
    return local.astimezone(dt.UTC)


def _upload_limit() -> int:
    if has_app_context():
        return int(current_app.config["LMS_MAX_UPLOAD_BYTES"])
    return 5 * 1024 * 1024


# ---------------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class SessionRow:
    """A session of a list, with how many attended."""

    record: InPersonSession
    attendees: int


def sessions_at(session: Session, unit: OrgUnit) -> list[SessionRow]:
    """Return the sessions recorded at ``unit`` and in its subtree (a school's: its classes'
    too), newest first, with their attendance counts."""
    counts = (
        select(InPersonAttendance.session_id, func.count(InPersonAttendance.id).label("n"))
        .group_by(InPersonAttendance.session_id)
        .subquery()
    )
    rows = session.execute(
        select(InPersonSession, func.coalesce(counts.c.n, 0))
        .join(OrgUnit, OrgUnit.id == InPersonSession.org_unit_id)
        .outerjoin(counts, counts.c.session_id == InPersonSession.id)
        .where(subtree_condition(OrgUnit.path, unit.path))
        .order_by(InPersonSession.held_on.desc(), InPersonSession.id.desc())
    ).all()
    return [SessionRow(record, int(count)) for record, count in rows]


def get_in_person_session(session: Session, session_id: int, unit: OrgUnit) -> InPersonSession:
    """Return the session ``session_id`` recorded at ``unit``.

    :raises NoSuchSessionError: (404) when there is none there.
    """
    record = session.get(InPersonSession, session_id)
    if record is None or record.org_unit_id != unit.id:
        raise NoSuchSessionError()
    return record


@dataclass(frozen=True)
class Attendee:
    """Who attended, and for a parent the children they came for (of the session's school)."""

    user: User
    children: tuple[User, ...]
    #: Whether attending made their completion (else they had completed the course before).
    new_completion: bool


def attendees_of(session: Session, record: InPersonSession) -> list[Attendee]:
    """Return who attended ``record``, by name."""
    rows = session.execute(
        select(User, Completion.in_person_session_id)
        .join(InPersonAttendance, InPersonAttendance.user_id == User.id)
        .outerjoin(Completion, Completion.id == InPersonAttendance.completion_id)
        .where(InPersonAttendance.session_id == record.id)
    ).all()
    children: dict[int, list[User]] = {user.id: [] for user, _session_id in rows}
    if record.audience is Audience.PARENT and children:
        unit = session.get_one(OrgUnit, record.org_unit_id)
        school = session_school(session, unit)
        for link, child in session.execute(
            select(ParentLink, User)
            .join(User, User.id == ParentLink.child_user_id)
            .join(Membership, Membership.user_id == User.id)
            .join(OrgUnit, OrgUnit.id == Membership.org_unit_id)
            .where(
                ParentLink.adult_user_id.in_(list(children)),
                ParentLink.ended_at.is_(None),
                Membership.role == Role.STUDENT,
                Membership.active.is_(True),
                subtree_condition(OrgUnit.path, school.path),
            )
            .distinct()
        ).all():
            children[link.adult_user_id].append(child)
    attendees = [
        Attendee(
            user,
            tuple(sorted(children[user.id], key=lambda c: (person_sort_key(c.full_name), c.id))),
            session_id == record.id,
        )
        for user, session_id in rows
    ]
    return sorted(attendees, key=lambda a: (person_sort_key(a.user.full_name), a.user.id))


def sheet_of(session: Session, record: InPersonSession) -> tuple[str, str, bytes] | None:
    """Return the session's sheet as (file name, content type, bytes), if one was kept."""
    if record.sheet_filename is None or record.sheet_content_type is None:
        return None
    data = session.scalar(
        select(InPersonSession.sheet_data).where(InPersonSession.id == record.id)
    )
    if not data:
        return None
    return record.sheet_filename, record.sheet_content_type, data


def may_record(session: Session, user: User, unit: OrgUnit) -> bool:
    """Tell whether ``user`` may record a session at ``unit`` (the pages' rule; the service
    functions trust their caller).

    At a class: the school's managers and the class's teachers, homeroom or subject, this
    school year (:func:`may_see_names`: the family list names the children). At a school:
    its managers only. Needs an application context (the current school year).
    """
    if unit.kind is OrgKind.CLASS:
        return may_see_names(session, user, (Role.SCHOOL_MANAGER, Role.TEACHER), unit)
    return unit.kind is OrgKind.SCHOOL and is_school_manager(session, user, unit)


def is_school_manager(session: Session, user: User, unit: OrgUnit) -> bool:
    """Tell whether ``user`` manages the school of ``unit`` (an admin role does not count)."""
    return user_can(session, user, (Role.SCHOOL_MANAGER,), unit, admin_counts=False)


def may_download_sheet(session: Session, user: User, record: InPersonSession) -> bool:
    """Tell whether ``user`` may download the session's signed sheet: a manager of the
    session's school, or who recorded it (while still allowed to record there)."""
    unit = session.get_one(OrgUnit, record.org_unit_id)
    if is_school_manager(session, user, unit):
        return True
    return record.recorded_by_id == user.id and may_record(session, user, unit)
