"""A child's data rights: the export, the requests to the school, and erasure.

Law 91/2025/QH15 and Decree 356/2025/NĐ-CP give a child's legal representative the child's
data rights (FACTS.md). Here:

* :func:`export_child_data` writes everything the system holds about a child into one ZIP (a
  JSON file, a README in Vietnamese, the certificates' PDFs). Every table that refers to a
  user is either exported (:data:`EXPORTED`) or listed with the reason it is not about the
  child (:data:`NOT_ABOUT_THE_CHILD`); a test fails on a table in neither list.
* Requests (:class:`~lms_module.families.models.DataRequest`) are filed by a linked parent or
  registered by a school manager from paper, and listed for the child's school with the days
  left of :data:`RESPONSE_DAYS`; the manager carries one out or refuses it with a reason.
* :func:`erase_child` anonymises the child in one transaction: the account keeps no name,
  code or way to sign in, learner state goes, links end, memberships end; completions and
  certificates stay as statistics only (the holder's name replaced).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import secrets
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from enum import Enum
from functools import partial
from typing import Any, cast
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import Table, delete, func, or_, select
from sqlalchemy.orm import Session

from certificates.bulk import Entry, write_zip
from certificates.codes import format_code
from lms_module import models as every_model  # noqa: F401 (user_references reads all tables)
from lms_module.audit.models import AuditEvent
from lms_module.audit.services import record_event
from lms_module.auth.access import user_can
from lms_module.certification.models import Certificate
from lms_module.certification.services import anonymise_holder, certificate_pdf, pdf_filename
from lms_module.core.errors import LMSError
from lms_module.db import Base, utcnow
from lms_module.families.models import (
    ConsentRecord,
    DataRequest,
    DataRequestKind,
    ParentLetter,
    ParentLink,
)
from lms_module.families.services import child_school, end_link, links_of_child, may_follow
from lms_module.in_person.models import InPersonAttendance, InPersonSession
from lms_module.learning.models import (
    Attempt,
    BlockCompletion,
    BlockScore,
    Completion,
    Course,
    CourseAttempt,
    CourseVersion,
    LearnerFieldValue,
    LearnerPosition,
)
from lms_module.notifications.models import Notification
from lms_module.orgs.models import OrgKind, OrgUnit
from lms_module.orgs.services import enclosing_school
from lms_module.people.models import Membership, Role, TeachingAssignment, User
from lms_module.people.services import end_sessions
from lms_module.roster.student_codes import normalize_student_code

#: Days a school has to act on a request: Decree 356/2025/NĐ-CP asks for a withdrawal of
#: consent to be handled within 15 days (FACTS.md); every request here gets the same days.
RESPONSE_DAYS = 15
#: The name an erased child's account keeps.
ERASED_NAME = "Học sinh đã xóa dữ liệu"
#: How an erased child's username starts (the rest is random: nobody can sign in with it).
ERASED_USERNAME_PREFIX = "da-xoa-"
#: The reason links end with when the child is erased (``ParentLink.ended_reason``).
LINK_END_REASON = "child_erased"
#: What a request becomes (``DataRequest.outcome``).
DONE = "done"
REFUSED = "refused"
#: Longest note a manager writes on a paper request, and longest refusal reason; together
#: they fit the request's note (500 characters).
NOTE_LENGTH = 200
REASON_LENGTH = 250

#: Columns that refer to a user and hold data about that user: exported, section by section
#: (the key of the export's JSON file).
EXPORTED: dict[tuple[str, str], str] = {
    ("lms_membership", "user_id"): "memberships",
    ("lms_teaching_assignment", "user_id"): "teaching_assignments",
    ("lms_xblock_learner_field", "user_id"): "learner_state",
    ("lms_attempt", "user_id"): "attempts",
    ("lms_block_score", "user_id"): "block_scores",
    ("lms_block_completion", "user_id"): "block_completions",
    ("lms_learner_position", "user_id"): "positions",
    ("lms_completion", "user_id"): "completions",
    ("lms_course_attempt", "user_id"): "course_attempts",
    ("lms_certificate", "user_id"): "certificates",
    ("lms_in_person_attendance", "user_id"): "in_person_attendance",
    ("lms_notification", "user_id"): "notifications",
    ("lms_consent_record", "child_user_id"): "consent_records",
    ("lms_parent_link", "child_user_id"): "parent_links",
    ("lms_parent_letter", "child_user_id"): "parent_letters",
    ("lms_data_request", "child_user_id"): "data_requests",
    ("lms_audit_event", "subject_user_id"): "audit_events",
    ("lms_audit_event", "actor_id"): "audit_events",
}
#: Columns that refer to a user as the adult who did something (a staff member, a parent):
#: not data about a child, and why. A new column that refers to ``lms_user.id`` must join
#: one of the two lists (``tests/lms_module/families/test_data_rights_export.py``).
NOT_ABOUT_THE_CHILD: dict[tuple[str, str], str] = {
    ("lms_assignment", "created_by_id"): "the staff member who assigned a course",
    ("lms_coverage_target", "created_by_id"): "the staff member who set a target",
    ("lms_retraining_rule", "created_by_id"): "the author who required a course retaken",
    ("lms_notification", "about_user_id"):
        "the adult an escalation is about (escalations concern teachers' and staff's training)",
    ("lms_notice_settings", "updated_by_id"):
        "the staff member who changed what a school or office sends",
    ("lms_job", "requested_by_id"):
        "the staff member who started a job (an import, a ZIP, an export)",
    ("lms_data_request", "requested_by_id"):
        "the adult who made a request (the request is exported through child_user_id)",
    ("lms_data_request", "done_by_id"): "the manager who acted on a request",
    ("lms_in_person_session", "recorded_by_id"): "the staff member who recorded a session",
    ("lms_parent_letter", "created_by_id"): "the staff member who printed a letter",
    ("lms_roster_upload", "uploader_id"):
        "the staff member who uploaded a roster (the file is emptied once imported)",
    ("lms_certificate", "revoked_by_id"): "the manager who revoked a certificate",
    ("lms_consent_record", "adult_user_id"):
        "the adult who answered (the answer is exported through child_user_id)",
    ("lms_parent_link", "adult_user_id"):
        "the linked adult (the link is exported through child_user_id)",
}
#: The sections of the export, in the order the JSON file lists them.
SECTIONS = (
    "account", "memberships", "teaching_assignments", "learner_state", "attempts",
    "block_scores", "block_completions", "positions", "completions", "course_attempts",
    "certificates", "notifications", "in_person_attendance",
    "consent_records", "parent_links", "parent_letters", "data_requests", "audit_events",
)
#: Detail keys of audit events that hold what a person typed (a username): erased with them.
TYPED_DETAIL_KEYS = ("username",)


# --------------------------------------------------------------------------------- errors


class NoSuchChildError(LMSError):
    """The id names no student of the system."""

    status_code = 404

    def __init__(self) -> None:
        super().__init__(_("Không tìm thấy học sinh này. Hãy mở lại từ danh sách của mình."))


class NoSuchRequestError(LMSError):
    """The id names no request of this school."""

    status_code = 404

    def __init__(self) -> None:
        super().__init__(_("Không tìm thấy yêu cầu này trong danh sách của trường. "
                           "Hãy tải lại trang danh sách yêu cầu."))


class DataRequestError(LMSError):
    """A request that cannot be filed or acted on as asked (the message says why)."""


# --------------------------------------------------------------------------- the child


def user_references() -> set[tuple[str, str]]:
    """Return every (table, column) of the schema that refers to ``lms_user.id``."""
    return {
        (table.name, key.parent.name)
        for table in Base.metadata.tables.values()
        for key in table.foreign_keys
        if key.column.table.name == cast(Table, User.__table__).name and key.column.name == "id"
    }


def get_child(session: Session, child_id: int) -> User:
    """Return the student with this id (erased or not).

    :raises NoSuchChildError: when no user with a student membership has this id.
    """
    child = session.get(User, child_id)
    if child is None or session.scalar(
        select(Membership.id).where(Membership.user_id == child.id,
                                    Membership.role == Role.STUDENT).limit(1)
    ) is None:
        raise NoSuchChildError()
    return child


def school_of_child(session: Session, child: User) -> OrgUnit | None:
    """Return the school that answers for the child's data.

    The school of the child's current class; for a child without one (who left, or whose data
    was erased), the school of the latest class they were in.
    """
    return child_school(session, child, including_ended=True)


def acting_as(session: Session, user: User, child: User) -> Role | None:
    """Tell in which role ``user`` may export the child's data and file requests for it.

    :data:`Role.PARENT` for an adult linked to the child now; :data:`Role.SCHOOL_MANAGER` for
    a manager of the child's school (:func:`school_of_child`), never an admin by virtue of the
    admin role; ``None`` for anyone else.
    """
    if may_follow(session, user, child):
        return Role.PARENT
    school = school_of_child(session, child)
    if school is not None and user_can(
        session, user, (Role.SCHOOL_MANAGER,), school, admin_counts=False
    ):
        return Role.SCHOOL_MANAGER
    return None


def is_erased(child: User) -> bool:
    """Tell whether the child's data was erased (:func:`erase_child`)."""
    return (
        not child.active
        and child.full_name == ERASED_NAME
        and child.username.startswith(ERASED_USERNAME_PREFIX)
    )


# ------------------------------------------------------------------------------- export


def _plain(value: Any) -> Any:
    """Return ``value`` as JSON holds it: dates as ISO text (UTC for moments), enums as values."""
    if isinstance(value, dt.datetime):
        moment = value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
        return moment.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def _record(**fields: Any) -> dict[str, Any]:
    return {name: _plain(value) for name, value in fields.items()}


class _Names:
    """Names of the people the export mentions, read once each."""

    def __init__(self, session: Session, child: User, hidden: set[int]) -> None:
        self.session = session
        self.child = child
        self.hidden = hidden
        self.units: dict[int, OrgUnit | None] = {}
        self.courses: dict[int, Course | None] = {}

    def person(self, user_id: int | None) -> str | None:
        """The person's name; "self" for the child; ``None`` for nobody or a hidden adult."""
        if user_id is None or user_id in self.hidden:
            return None
        if user_id == self.child.id:
            return "self"
        user = self.session.get(User, user_id)
        return user.full_name if user is not None else None

    def unit(self, unit_id: int | None) -> OrgUnit | None:
        if unit_id is None:
            return None
        if unit_id not in self.units:
            self.units[unit_id] = self.session.get(OrgUnit, unit_id)
        return self.units[unit_id]

    def unit_name(self, unit_id: int | None) -> str | None:
        unit = self.unit(unit_id)
        return unit.name if unit is not None else None

    def course(self, course_id: int) -> str | None:
        if course_id not in self.courses:
            self.courses[course_id] = self.session.get(Course, course_id)
        course = self.courses[course_id]
        return course.title_vi if course is not None else None


def collect_child_data(session: Session, child: User) -> dict[str, Any]:
    """Return everything the system holds about ``child``, section by section (:data:`SECTIONS`).

    No secret is included: no password hash, no session or card version, no parent letter's
    code. An erased child's export names none of the adults once linked to it.
    """
    adults = set(session.scalars(
        select(ParentLink.adult_user_id).where(ParentLink.child_user_id == child.id)
    )) | {
        adult for adult in session.scalars(
            select(ConsentRecord.adult_user_id).where(ConsentRecord.child_user_id == child.id)
        ) if adult is not None
    }
    names = _Names(session, child, adults if is_erased(child) else set())
    by_user = _rows_of(session, child)
    data: dict[str, Any] = {
        "account": _record(
            id=child.id, username=child.username, full_name=child.full_name,
            student_code=child.student_code,
            student_code_school=names.unit_name(child.student_code_school_id),
            staff_code=child.staff_code, email=child.email, phone=child.phone,
            has_password=child.password_hash is not None, active=child.active,
            family_id=child.family_id, created_at=child.created_at, erased=is_erased(child),
        ),
    }
    data["memberships"] = [
        _record(id=m.id, role=m.role, unit=names.unit_name(m.org_unit_id),
                unit_code=getattr(names.unit(m.org_unit_id), "code", None),
                school=_school_name(session, names.unit(m.org_unit_id)),
                school_year=m.school_year, active=m.active, created_at=m.created_at)
        for m in by_user(Membership, Membership.user_id)
    ]
    data["teaching_assignments"] = [
        _record(id=t.id, class_unit=names.unit_name(t.class_unit_id), school_year=t.school_year,
                duty=t.duty, created_at=t.created_at)
        for t in by_user(TeachingAssignment, TeachingAssignment.user_id)
    ]
    data["learner_state"] = [
        _record(id=v.id, scope=v.scope, block=v.block_scope_id, field=v.field_name,
                value=v.value, updated_at=v.updated_at)
        for v in by_user(LearnerFieldValue, LearnerFieldValue.user_id)
    ]
    data["attempts"] = [
        _record(id=a.id, course=names.course(a.course_id), block=a.usage_id, score=a.score,
                max_score=a.max_score, at=a.at)
        for a in by_user(Attempt, Attempt.user_id)
    ]
    data["block_scores"] = [
        _record(id=b.id, course=names.course(b.course_id), block=b.usage_id, score=b.score,
                max_score=b.max_score, at=b.at)
        for b in by_user(BlockScore, BlockScore.user_id)
    ]
    data["block_completions"] = [
        _record(id=b.id, course=names.course(b.course_id), block=b.usage_id,
                completion=b.completion, updated_at=b.updated_at)
        for b in by_user(BlockCompletion, BlockCompletion.user_id)
    ]
    data["positions"] = [
        _record(id=p.id, course=names.course(p.course_id), block=p.usage_id,
                updated_at=p.updated_at)
        for p in by_user(LearnerPosition, LearnerPosition.user_id)
    ]
    data["completions"] = [
        _record(id=c.id, course=_version_title(session, names, c.course_version_id),
                version=_version_number(session, c.course_version_id), score=c.score,
                completed_at=c.completed_at, in_person_session_id=c.in_person_session_id)
        for c in by_user(Completion, Completion.user_id)
    ]
    data["course_attempts"] = [
        _record(id=a.id, course=names.course(a.course_id), number=a.number, reason=a.reason,
                certificate_id=a.certificate_id, opened_at=a.opened_at)
        for a in by_user(CourseAttempt, CourseAttempt.user_id)
    ]
    data["certificates"] = [
        _record(id=c.id, serial=c.serial, verification_code=format_code(c.code),
                course=c.course_title_vi, issued_on=c.issued_on, expires_on=c.expires_on,
                holder_name=c.holder_name, holder_unit=c.holder_unit_name,
                issuing_unit=c.issuing_unit_name, credit_periods=c.credit_periods,
                revoked_at=c.revoked_at, revoked_reason=c.revoked_reason,
                file=f"giay-chung-nhan/{pdf_filename(c)}")
        for c in by_user(Certificate, Certificate.user_id)
    ]
    data["notifications"] = [
        _record(id=n.id, kind=n.kind, channel=n.channel, subject=n.subject, body=n.body,
                result=n.result, created_at=n.created_at, sent_at=n.sent_at, read_at=n.read_at)
        for n in by_user(Notification, Notification.user_id)
    ]
    data["in_person_attendance"] = [
        _record(id=a.id, session_id=a.session_id, held_on=s.held_on if s else None,
                place=s.place if s else None,
                course=names.course(s.course_id) if s else None, recorded_at=a.recorded_at)
        for a in by_user(InPersonAttendance, InPersonAttendance.user_id)
        for s in [session.get(InPersonSession, a.session_id)]
    ]
    data["consent_records"] = [
        _record(id=r.id, adult=names.person(r.adult_user_id), given_with_letter=r.letter_id
                is not None, notice_version=r.notice_version, answer=r.answer,
                answered_at=r.answered_at, withdrawn_at=r.withdrawn_at)
        for r in by_user(ConsentRecord, ConsentRecord.child_user_id)
    ]
    data["parent_links"] = [
        _record(id=link.id, adult=names.person(link.adult_user_id), kinship=link.kinship,
                source=link.source, linked_at=link.linked_at, ended_at=link.ended_at,
                ended_reason=link.ended_reason)
        for link in by_user(ParentLink, ParentLink.child_user_id)
    ]
    data["parent_letters"] = [
        _record(id=letter.id, school=names.unit_name(letter.school_id),
                created_at=letter.created_at, expires_on=letter.expires_on,
                revoked_at=letter.revoked_at, uses=letter.uses, max_uses=letter.max_uses)
        for letter in by_user(ParentLetter, ParentLetter.child_user_id)
    ]
    data["data_requests"] = [
        _record(id=r.id, kind=r.kind, school=names.unit_name(r.school_id),
                requested_by=names.person(r.requested_by_id), requested_at=r.requested_at,
                note=r.note, done_at=r.done_at, done_by=names.person(r.done_by_id),
                outcome=r.outcome)
        for r in by_user(DataRequest, DataRequest.child_user_id)
    ]
    data["audit_events"] = [
        _record(id=e.id, at=e.at, action=e.action, by=names.person(e.actor_id),
                about_this_child=e.subject_user_id == child.id,
                unit=names.unit_name(e.org_unit_id),
                # An address is the child's own only when the child acted.
                ip=e.ip if e.actor_id == child.id else None, detail=e.detail)
        for e in session.scalars(
            select(AuditEvent)
            .where(or_(AuditEvent.subject_user_id == child.id, AuditEvent.actor_id == child.id))
            .order_by(AuditEvent.at, AuditEvent.id)
        )
    ]
    return data


def _rows_of(session: Session, child: User) -> Callable[[Any, Any], list[Any]]:
    """Return a reader of a model's rows whose ``column`` is the child, in id order."""

    def rows(model: Any, column: Any) -> list[Any]:
        return list(session.scalars(select(model).where(column == child.id).order_by(model.id)))

    return rows


def _school_name(session: Session, unit: OrgUnit | None) -> str | None:
    school = enclosing_school(session, unit) if unit is not None else None
    return school.name if school is not None else None


def _version_title(session: Session, names: _Names, version_id: int) -> str | None:
    version = session.get(CourseVersion, version_id)
    return names.course(version.course_id) if version is not None else None


def _version_number(session: Session, version_id: int) -> int | None:
    version = session.get(CourseVersion, version_id)
    return version.number if version is not None else None


README_TEXT = """\
DỮ LIỆU VỀ HỌC SINH TRONG HỆ THỐNG "TRƯỜNG HỌC AN TOÀN"

Học sinh: {name}
Trường: {school}
Ngày xuất: {day}

Tệp nén này có:

1. du-lieu.json: mọi dữ liệu hệ thống đang lưu về em, dạng JSON (mở bằng trình duyệt
   hoặc trình soạn thảo văn bản). Các mục:
   - account: tài khoản (tên đăng nhập, họ và tên, mã học sinh, điện thoại, email,
     tài khoản còn hoạt động không);
   - memberships: lớp, trường và năm học của em;
   - teaching_assignments: lớp được phân công dạy (học sinh thì để trống);
   - learner_state: trạng thái và câu trả lời của em trong các bài học;
   - attempts: các lần em làm bài kiểm tra, bài tình huống và điểm;
   - block_scores: điểm hiện tại của em ở mỗi bài (điểm của lần làm gần nhất);
   - block_completions: các phần bài em đã học xong;
   - positions: bài em đang học dở trong mỗi khóa;
   - completions: các khóa em đã hoàn thành;
   - course_attempts: những lần khóa học được mở lại để em học lại (gia hạn giấy chứng
     nhận, học lại sau khi bài học được sửa);
   - certificates: giấy chứng nhận đã cấp cho em (bản PDF ở thư mục giay-chung-nhan);
   - notifications: lời nhắc và thông báo hệ thống đã gửi cho em;
   - in_person_attendance: buổi học trực tiếp em đã dự (nếu có);
   - consent_records: câu trả lời đồng ý hoặc không đồng ý của cha mẹ, người chăm sóc;
   - parent_links: người lớn được liên kết với em, quan hệ với em, ngày liên kết và ngày
     kết thúc;
   - parent_letters: thư gửi cha mẹ nhà trường đã in cho em (không kèm mã trên thư);
   - data_requests: các yêu cầu xuất hoặc xóa dữ liệu của em và kết quả;
   - audit_events: nhật ký: ai đã làm gì với dữ liệu của em và khi nào ("self" là
     chính em).
   Thời điểm ghi theo giờ quốc tế (UTC); giờ Việt Nam là UTC+7.

2. giay-chung-nhan/: bản PDF của từng giấy chứng nhận.

3. README.txt: tệp này.

Không có trong tệp: mật khẩu (hệ thống chỉ lưu dạng mã hóa một chiều, không ai đọc lại
được) và các mã dùng để đăng nhập hay liên kết (thẻ QR, mã trên thư gửi cha mẹ).

Muốn sửa hoặc xóa dữ liệu của em: gửi yêu cầu xóa trong trang "Dữ liệu của em" hoặc
liên hệ nhà trường. Nhà trường xử lý yêu cầu trong {days} ngày (Nghị định
356/2025/NĐ-CP yêu cầu xử lý việc rút lại sự đồng ý trong 15 ngày).
"""


def export_child_data(
    session: Session,
    child: User,
    *,
    base_url: str,
    url_prefix: str = "",
    language: str = "vi",
    timezone: str = "Asia/Ho_Chi_Minh",
    now: dt.datetime | None = None,
) -> bytes:
    """Return a ZIP of everything the system holds about ``child`` (for the parent).

    ``du-lieu.json`` (:func:`collect_child_data`), ``README.txt`` (what each part is, in
    Vietnamese) and ``giay-chung-nhan/<serial>_<holder>.pdf`` for each certificate, re-rendered
    from its record (:func:`~lms_module.certification.services.certificate_pdf`).
    """
    data = collect_child_data(session, child)
    moment = now or utcnow()
    day = moment.astimezone(ZoneInfo(timezone)).date()
    data = {"exported_at": _plain(moment), "format": 1, **data}
    school = school_of_child(session, child)
    readme = README_TEXT.format(
        name=child.full_name, school=school.name if school is not None else "",
        day=f"{day:%d/%m/%Y}", days=RESPONSE_DAYS,
    )
    entries: list[Entry] = [
        ("README.txt", lambda: readme.replace("\n", "\r\n").encode("utf-8")),
        ("du-lieu.json", lambda: json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")),
    ]
    for certificate in session.scalars(
        select(Certificate).where(Certificate.user_id == child.id).order_by(Certificate.id)
    ):
        entries.append((
            f"giay-chung-nhan/{pdf_filename(certificate)}",
            partial(certificate_pdf, certificate, base_url=base_url, url_prefix=url_prefix,
                    language=language, timezone=timezone),
        ))
    output = io.BytesIO()
    write_zip(entries, output)
    return output.getvalue()


# ------------------------------------------------------------------------------ requests


@dataclass(frozen=True)
class PendingRequest:
    """A request on the school's list, with its deadline (:data:`RESPONSE_DAYS`)."""

    request: DataRequest
    child: User
    requested_by: User | None
    class_unit: OrgUnit | None
    requested_on: dt.date
    deadline: dt.date
    days_left: int


def local_day(moment: dt.datetime, timezone: str) -> dt.date:
    """Return the calendar day of ``moment`` in ``timezone`` (SQLite gives UTC without zone)."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)
    return aware.astimezone(ZoneInfo(timezone)).date()


def file_request(
    session: Session,
    child: User,
    *,
    kind: DataRequestKind,
    requested_by: User,
    note: str | None = None,
    received_at: dt.datetime | None = None,
    ip: str | None = None,
) -> tuple[DataRequest, bool]:
    """File a request about the child's data with the child's school; audited.

    A request of the same kind still waiting is not filed twice: it is returned with
    ``False``. ``received_at`` is when a request on paper reached the school (the 15 days run
    from then).

    :raises DataRequestError: the child's data was erased, or no school answers for it.
    """
    if is_erased(child):
        raise DataRequestError(_("Dữ liệu của em này đã được xóa."))
    school = school_of_child(session, child)
    if school is None:
        raise DataRequestError(_(
            "Chưa xác định được trường của em này. Hãy liên hệ trực tiếp nhà trường."
        ))
    waiting = session.scalars(
        select(DataRequest).where(DataRequest.child_user_id == child.id,
                                  DataRequest.kind == kind, DataRequest.done_at.is_(None))
        .order_by(DataRequest.requested_at, DataRequest.id).limit(1)
    ).first()
    if waiting is not None:
        return waiting, False
    note = (note or "").strip()[:NOTE_LENGTH] or None
    request = DataRequest(
        kind=kind, child_user_id=child.id, school_id=school.id, requested_by_id=requested_by.id,
        requested_at=received_at or utcnow(), note=note,
    )
    session.add(request)
    session.flush()
    record_event(
        session, "data_request_filed", actor_id=requested_by.id, subject_user_id=child.id,
        org_unit_id=school.id, ip=ip, request_id=request.id, kind=kind.value,
        on_paper=received_at is not None or not may_follow(session, requested_by, child),
    )
    return request, True


def find_school_student(session: Session, school: OrgUnit, typed: str) -> User:
    """Return the student of ``school`` whose student code or username was typed.

    :raises DataRequestError: when no student of this school has that code or username.
    """
    text = typed.strip()
    candidates: list[User] = []
    if text:
        code = normalize_student_code(text)
        candidates = list(session.scalars(
            select(User).where(or_(User.student_code == code, User.username == text.lower()))
            .order_by(User.id)
        ))
    for candidate in candidates:
        found = school_of_child(session, candidate)
        if found is not None and found.id == school.id:
            return candidate
    raise DataRequestError(_(
        "Không tìm thấy học sinh có mã định danh hoặc tên đăng nhập \"%(typed)s\" ở trường "
        "%(school)s. Hãy kiểm tra lại mã trên danh sách lớp.",
        typed=text[:40], school=school.name,
    ))


def pending_requests(
    session: Session, school: OrgUnit, *, today: dt.date, timezone: str
) -> list[PendingRequest]:
    """Return the school's requests not yet acted on, oldest (most urgent) first."""
    rows: list[PendingRequest] = []
    for request in session.scalars(
        select(DataRequest)
        .where(DataRequest.school_id == school.id, DataRequest.done_at.is_(None))
        .order_by(DataRequest.requested_at, DataRequest.id)
    ):
        child = session.get_one(User, request.child_user_id)
        requested_on = local_day(request.requested_at, timezone)
        deadline = requested_on + dt.timedelta(days=RESPONSE_DAYS)
        rows.append(PendingRequest(
            request=request, child=child,
            requested_by=(session.get(User, request.requested_by_id)
                          if request.requested_by_id is not None else None),
            class_unit=_last_class(session, child), requested_on=requested_on,
            deadline=deadline, days_left=(deadline - today).days,
        ))
    return rows


def handled_requests(session: Session, school: OrgUnit, *, limit: int = 20) -> list[DataRequest]:
    """Return the school's latest requests acted on (done or refused), newest first."""
    return list(session.scalars(
        select(DataRequest)
        .where(DataRequest.school_id == school.id, DataRequest.done_at.is_not(None))
        .order_by(DataRequest.done_at.desc(), DataRequest.id.desc())
        .limit(limit)
    ))


def requests_of_child(session: Session, child: User) -> list[DataRequest]:
    """Return every request about the child, newest first."""
    return list(session.scalars(
        select(DataRequest).where(DataRequest.child_user_id == child.id)
        .order_by(DataRequest.requested_at.desc(), DataRequest.id.desc())
    ))


def _last_class(session: Session, child: User) -> OrgUnit | None:
    return session.scalars(
        select(OrgUnit)
        .join(Membership, Membership.org_unit_id == OrgUnit.id)
        .where(Membership.user_id == child.id, Membership.role == Role.STUDENT,
               OrgUnit.kind == OrgKind.CLASS)
        .order_by(Membership.active.desc(), OrgUnit.school_year.desc(), Membership.id.desc())
        .limit(1)
    ).first()


def school_request(session: Session, school: OrgUnit, request_id: int) -> DataRequest:
    """Return the school's request with this id.

    :raises NoSuchRequestError: no such request, or it belongs to another school.
    """
    request = session.get(DataRequest, request_id)
    if request is None or request.school_id != school.id:
        raise NoSuchRequestError()
    return request


def check_pending(request: DataRequest) -> None:
    """Refuse to act twice on a request.

    :raises DataRequestError: when the request was done or refused already.
    """
    if request.done_at is not None:
        raise DataRequestError(
            _("Yêu cầu này đã được xử lý rồi. Hãy tải lại trang danh sách yêu cầu.")
        )


def refuse_request(
    session: Session, request: DataRequest, *, actor: User, reason: str, ip: str | None = None
) -> None:
    """Refuse a request with a reason (kept in the request's note); audited.

    :raises DataRequestError: without a reason, or when the request was acted on already.
    """
    check_pending(request)
    reason = " ".join(reason.split())
    if not reason:
        raise DataRequestError(_("Hãy ghi lý do từ chối để gửi lại cho người yêu cầu."))
    if len(reason) > REASON_LENGTH:
        raise DataRequestError(
            _("Lý do từ chối dài tối đa %(count)s ký tự.", count=REASON_LENGTH)
        )
    asked = request.note
    request.note = f"{asked}\nTừ chối: {reason}" if asked else f"Từ chối: {reason}"
    request.done_at = utcnow()
    request.done_by_id = actor.id
    request.outcome = REFUSED
    session.flush()
    record_event(
        session, "data_request_refused", actor_id=actor.id,
        subject_user_id=request.child_user_id, org_unit_id=request.school_id, ip=ip,
        request_id=request.id, kind=request.kind.value, reason=reason,
    )


def complete_export_request(
    session: Session, request: DataRequest, *, actor: User, ip: str | None = None
) -> None:
    """Mark an export request done (the manager handed the ZIP over); audited.

    :raises DataRequestError: when the request is not an export or was acted on already.
    """
    check_pending(request)
    if request.kind is not DataRequestKind.EXPORT:
        raise DataRequestError(_("Yêu cầu xóa dữ liệu được thực hiện bằng nút Xóa dữ liệu."))
    request.done_at = utcnow()
    request.done_by_id = actor.id
    request.outcome = DONE
    session.flush()
    record_event(
        session, "data_request_done", actor_id=actor.id, subject_user_id=request.child_user_id,
        org_unit_id=request.school_id, ip=ip, request_id=request.id, kind=request.kind.value,
    )


# ------------------------------------------------------------------------------- erasure


@dataclass
class ErasureCounts:
    """What an erasure changed (all zero and ``False``: it had been done before)."""

    account_anonymised: bool = False
    links_ended: int = 0
    letters_revoked: int = 0
    learner_fields: int = 0
    attempts: int = 0
    block_completions: int = 0
    positions: int = 0
    notifications: int = 0
    memberships_ended: int = 0
    certificates_anonymised: int = 0
    audit_events_cleared: int = 0
    requests_done: int = 0

    @property
    def changed(self) -> bool:
        """Whether anything changed."""
        return any(asdict(self).values())


def erase_child(
    session: Session,
    child: User,
    *,
    actor: User,
    request: DataRequest | None,
    ip: str | None = None,
) -> ErasureCounts:
    """Erase (anonymise) the child's data, all or nothing; audited as ``child_data_erased``.

    The account keeps no name, username, code, phone, e-mail or password, is inactive, its
    sessions and printed cards end; the child's learner state (field values, attempts, block
    completions, positions) and the notices sent to them are deleted; links to adults end
    (``child_erased``), unused parent letters are revoked; memberships end (the coverage rollup
    is marked by the write itself); certificates stay as statistics only
    (:func:`~lms_module.certification.services.anonymise_holder`), completions stay; the child's
    own addresses and typed usernames leave the audit trail. ``request`` and every other erasure
    request of the child still waiting are marked done.

    Runs in a savepoint: if any step fails, nothing of it stays. A second call changes
    nothing and records nothing.

    :raises DataRequestError: ``request`` is not an erasure request for this child, or was
        refused.
    """
    if request is not None and (
        request.child_user_id != child.id or request.kind is not DataRequestKind.ERASE
    ):
        raise DataRequestError(_("Yêu cầu này không phải yêu cầu xóa dữ liệu của em này."))
    if request is not None and request.outcome == REFUSED:
        raise DataRequestError(_("Yêu cầu này đã bị từ chối; không xóa dữ liệu theo nó."))
    school = school_of_child(session, child)
    with session.begin_nested():
        counts = ErasureCounts()
        for link in links_of_child(session, child):
            end_link(session, link, reason=LINK_END_REASON, actor_id=actor.id)
            counts.links_ended += 1
        now = utcnow()
        for letter in session.scalars(select(ParentLetter).where(
            ParentLetter.child_user_id == child.id, ParentLetter.revoked_at.is_(None)
        )):
            letter.revoked_at = now
            counts.letters_revoked += 1
        counts.learner_fields = _delete(session, LearnerFieldValue, LearnerFieldValue.user_id,
                                        child)
        counts.attempts = _delete(session, Attempt, Attempt.user_id, child)
        _delete(session, BlockScore, BlockScore.user_id, child)  # the latest attempts' scores
        counts.block_completions = _delete(session, BlockCompletion, BlockCompletion.user_id,
                                           child)
        counts.positions = _delete(session, LearnerPosition, LearnerPosition.user_id, child)
        counts.notifications = _delete(session, Notification, Notification.user_id, child)
        for membership in child.memberships:
            if membership.active:
                membership.active = False
                counts.memberships_ended += 1
        counts.certificates_anonymised = anonymise_holder(session, child)
        counts.audit_events_cleared = _clear_typed_traces(session, child)
        if not is_erased(child):
            _anonymise_account(child)
            counts.account_anonymised = True
        session.flush()
        waiting = list(session.scalars(select(DataRequest).where(
            DataRequest.child_user_id == child.id, DataRequest.kind == DataRequestKind.ERASE,
            DataRequest.done_at.is_(None),
        ).order_by(DataRequest.id)))
        for each in waiting:
            each.done_at = now
            each.done_by_id = actor.id
            each.outcome = DONE
        counts.requests_done = len(waiting)
        session.flush()
        if counts.changed:
            record_event(
                session, "child_data_erased", actor_id=actor.id, subject_user_id=child.id,
                org_unit_id=school.id if school is not None else None, ip=ip,
                request_ids=[each.id for each in waiting], **asdict(counts),
            )
            session.flush()
    return counts


def _delete(session: Session, model: Any, column: Any, child: User) -> int:
    """Delete the child's rows of ``model``; return how many went."""
    count = session.scalar(select(func.count()).select_from(model).where(column == child.id))
    if count:
        session.execute(delete(model).where(column == child.id),
                        execution_options={"synchronize_session": False})
    return int(count or 0)


def _clear_typed_traces(session: Session, child: User) -> int:
    """Drop the child's address and typed username from the audit trail; return the events
    changed. The events themselves (who did what, when) stay."""
    changed = 0
    events: Iterable[AuditEvent] = session.scalars(select(AuditEvent).where(
        or_(AuditEvent.subject_user_id == child.id, AuditEvent.actor_id == child.id)
    ))
    typed: Iterable[AuditEvent] = [] if is_erased(child) else session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "login_rate_limited",
            AuditEvent.detail["username"].as_string() == child.username,
        )
    ).all()
    for event in [*events, *typed]:
        own = event.actor_id == child.id or event.actor_id is None
        detail = {key: value for key, value in (event.detail or {}).items()
                  if key not in TYPED_DETAIL_KEYS}
        if (own and event.ip is not None) or detail != (event.detail or {}):
            if own:
                event.ip = None
            event.detail = detail
            changed += 1
    return changed


def _anonymise_account(child: User) -> None:
    """Replace everything that names the child or lets anyone sign in as it."""
    child.full_name = ERASED_NAME
    child.username = ERASED_USERNAME_PREFIX + secrets.token_hex(16)
    child.student_code = None
    child.student_code_school_id = None
    child.staff_code = None
    child.email = None
    child.phone = None
    child.password_hash = None
    child.login_card_version += 1
    end_sessions(child)
    child.active = False
