"""Issue, find, verify, revoke and re-issue certificates, and render them as PDF or ZIP."""

from __future__ import annotations

import datetime as dt
import enum
import logging
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session

from certificates.bulk import Entry
from certificates.codes import format_code, new_code, normalize_code
from certificates.labels import holder_label, labels_for, signer_title
from certificates.numbering import format_serial
from certificates.pdf import CertificateContent, Revocation, render_certificate
from lms_module.audit.services import record_event
from lms_module.auth.access import user_can
from lms_module.certification.models import Certificate, CertificateSequence
from lms_module.core.collation import person_sort_key, text_sort_key
from lms_module.core.errors import AccessDeniedError, LMSError
from lms_module.db import dialect_insert, subtree_condition, utcnow
from lms_module.families.services import may_follow
from lms_module.i18n import local_today
from lms_module.in_person.credit import issues_certificates, session_periods
from lms_module.in_person.models import InPersonSession
from lms_module.learning.models import Audience, Completion, Course, CourseVersion
from lms_module.obligations.population import certificate_ends, counts_on
from lms_module.orgs.models import OrgKind, OrgUnit
from lms_module.orgs.services import enclosing_school
from lms_module.people.models import ADULT_ROLES, OFFICE_ROLES, Membership, Role, User
from lms_module.people.services import active_memberships, normalize_text
from lms_module.school_years.year import SchoolYear

log = logging.getLogger(__name__)

#: The reason recorded on a certificate replaced by a re-issue.
REISSUE_REASON = "cấp lại"
#: The holder's name on the certificates of a child whose data was erased
#: (``families.data_rights``): the records stay for the statistics, nothing names the child.
ANONYMISED_HOLDER = "Học sinh đã xóa dữ liệu"
#: What an erased holder's revocation reason becomes (a reason may name the holder).
ANONYMISED_REASON = "đã xóa cùng dữ liệu của người được cấp"
#: Prefixes dropped from a province's name to get the place printed before the date.
PLACE_PREFIXES = (
    "Sở Giáo dục và Đào tạo ",
    "Sở GD-ĐT ",
    "Sở GDĐT ",
    "Tỉnh ",
    "Thành phố ",
    "TP. ",
)


class CertificateStatus(enum.StrEnum):
    """What the verification page says about a certificate."""

    VALID = "valid"
    EXPIRED = "expired"
    REVOKED = "revoked"


class CertificateError(LMSError):
    """A certificate action that cannot be done as asked."""


class NoSuchCertificateError(LMSError):
    """No certificate has this id (or code)."""

    status_code = 404

    def __init__(self) -> None:
        super().__init__("Không tìm thấy giấy chứng nhận này. Hãy mở lại từ danh sách.")


# ---------------------------------------------------------------------------------- issuing


@dataclass(frozen=True)
class IssuingPlace:
    """Where a certificate comes from: the issuing unit and the holder's own unit."""

    issuing_unit: OrgUnit
    holder_unit: OrgUnit
    holder_is_student: bool


def local_date(moment: dt.datetime, timezone: str) -> dt.date:
    """Return the calendar day of ``moment`` in ``timezone`` (dates print in local time)."""
    return moment.astimezone(ZoneInfo(timezone)).date()


def course_expiry(course: Course, issued_on: dt.date) -> dt.date | None:
    """Return when a certificate of ``course`` issued on ``issued_on`` expires (None: never).

    Student courses last the school year (until 31 July); others ``validity_months`` months,
    ending on the month's last day when it is shorter (31 January + 1 month: 28/29 February).
    """
    if course.valid_for_school_year:
        return SchoolYear.containing(issued_on).last_day
    if course.validity_months:
        expiry: dt.date = issued_on + relativedelta(months=course.validity_months)
        return expiry
    return None


def issuing_place(session: Session, user: User, course: Course) -> IssuingPlace | None:
    """Return the unit that issues ``user``'s certificate for ``course``, or ``None``.

    Students: their class's school. School staff: their school. Office staff: their office.
    Parents: the school of their (first linked) child. When someone holds several roles, the
    one the course is written for wins.
    """
    memberships = active_memberships(session, user)
    student_first = course.audience is Audience.STUDENT
    parent_first = course.audience is Audience.PARENT

    def rank(membership: Membership) -> int:
        if membership.role is Role.PARENT:
            return -1 if parent_first else 8
        if membership.role is Role.STUDENT:
            return 0 if student_first else 2
        if membership.role in ADULT_ROLES:
            return 1 if student_first else 0
        return 3 if membership.role in OFFICE_ROLES else 9

    for membership in sorted(memberships, key=rank):
        unit = membership.org_unit
        if membership.role is Role.STUDENT:
            school = enclosing_school(session, unit)
            if school is not None:
                return IssuingPlace(school, unit, holder_is_student=True)
        elif membership.role in ADULT_ROLES or membership.role is Role.PARENT:
            school = enclosing_school(session, unit)
            if school is not None:
                return IssuingPlace(school, school, holder_is_student=False)
        elif membership.role in OFFICE_ROLES and unit.kind not in (OrgKind.CLASS,):
            return IssuingPlace(unit, unit, holder_is_student=False)
    return None


def place_name(session: Session, unit: OrgUnit) -> str:
    """Return the place printed before the date: the unit's province without "Sở GD-ĐT"."""
    ancestors = session.scalars(
        select(OrgUnit).where(OrgUnit.id.in_(unit.ancestor_ids), OrgUnit.kind == OrgKind.PROVINCE)
    ).first()
    name = ancestors.name if ancestors is not None else unit.name
    for prefix in PLACE_PREFIXES:
        if name.startswith(prefix):
            return name.removeprefix(prefix)
    return name


def holder_unit_text(session: Session, place: IssuingPlace) -> str:
    """Return the holder's unit as printed: "Lớp 2A, Trường Tiểu học ..." or the school."""
    if place.holder_unit.kind is OrgKind.CLASS:
        name = place.holder_unit.name
        class_name = name if name.lower().startswith("lớp") else f"Lớp {name}"
        return f"{class_name}, {place.issuing_unit.name}"
    return place.issuing_unit.name


def next_serial_number(session: Session, unit_id: int, year: int) -> int:
    """Take the next number of ``unit_id``'s sequence for ``year`` (1, 2, 3... each year).

    The sequence row is created if missing (ON CONFLICT DO NOTHING: two first certificates of
    a year may race), then locked with ``SELECT ... FOR UPDATE`` until the caller's commit; a
    concurrent issuer of the same unit waits there. SQLite ignores FOR UPDATE but has a single
    writer, taken by the INSERT.
    """
    session.execute(
        dialect_insert(session, CertificateSequence)
        .values(org_unit_id=unit_id, year=year, next_number=1)
        .on_conflict_do_nothing(index_elements=["org_unit_id", "year"])
    )
    sequence = session.scalars(
        select(CertificateSequence)
        .where(CertificateSequence.org_unit_id == unit_id, CertificateSequence.year == year)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    number = sequence.next_number
    sequence.next_number = number + 1
    session.flush()
    return number


def _add_certificate(session: Session, values: dict[str, object]) -> Certificate | None:
    """Insert a certificate unless one exists for its (completion, edition); return it."""
    certificate_id = session.scalar(
        dialect_insert(session, Certificate)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["completion_id", "edition"])
        .returning(Certificate.id)
    )
    if certificate_id is None:
        return None
    return session.get_one(Certificate, certificate_id)


def issue_certificate(
    session: Session, completion: Completion, *, timezone: str = "Asia/Ho_Chi_Minh"
) -> Certificate | None:
    """Issue the certificate of ``completion``, once: a second call returns ``None``.

    Issued on the completion's local date, by the holder's school (or office), numbered in that
    unit's sequence for the year; it expires after the course's validity.

    :returns: the new certificate, or ``None`` when the completion already has one or the
        holder belongs to no school or office (logged: nobody could sign it).
    """
    existing = session.scalar(
        select(Certificate.id).where(
            Certificate.completion_id == completion.id, Certificate.edition == 0
        )
    )
    if existing is not None:
        return None
    user = session.get_one(User, completion.user_id)
    version = session.get_one(CourseVersion, completion.course_version_id)
    course = version.course
    place = issuing_place(session, user, course)
    if place is None:
        log.warning("No school or office issues a certificate to user %s", user.id)
        return None
    issued_on = local_date(completion.completed_at, timezone)
    unit = place.issuing_unit
    number = next_serial_number(session, unit.id, issued_on.year)
    # A concurrent issuer of this completion held the sequence lock until it committed: look
    # again now that the lock is ours, so its certificate is seen and no number is wasted.
    if session.scalar(
        select(Certificate.id).where(
            Certificate.completion_id == completion.id, Certificate.edition == 0
        )
    ) is not None:
        session.execute(
            update(CertificateSequence)
            .where(CertificateSequence.org_unit_id == unit.id,
                   CertificateSequence.year == issued_on.year)
            .values(next_number=number)
        )
        return None
    parent = session.get(OrgUnit, unit.parent_id) if unit.parent_id else None
    periods = course.credit_periods
    if completion.in_person_session_id is not None:  # a training held in person: its periods
        periods = session_periods(
            session.get_one(InPersonSession, completion.in_person_session_id), course
        )
    certificate = _add_certificate(
        session,
        {
            "serial": format_serial(number, issued_on.year, unit.code),
            "code": new_code(),
            "org_unit_id": unit.id,
            "year": issued_on.year,
            "number": number,
            "user_id": user.id,
            "completion_id": completion.id,
            "edition": 0,
            "course_id": course.id,
            "course_version_id": version.id,
            "holder_unit_id": place.holder_unit.id,
            "issued_on": issued_on,
            "expires_on": course_expiry(course, issued_on),
            "credit_periods": 0 if place.holder_is_student else periods,
            "holder_name": normalize_text(user.full_name),
            "holder_is_student": place.holder_is_student,
            "holder_unit_name": normalize_text(holder_unit_text(session, place)),
            "issuing_unit_name": normalize_text(unit.name),
            "parent_unit_name": normalize_text(parent.name if parent else ""),
            "place": normalize_text(place_name(session, unit)),
            "signer_title": _signer_kind(unit),
            "course_title_vi": normalize_text(course.title_vi),
            "course_title_en": normalize_text(course.title_en),
            "created_at": utcnow(),
        },
    )
    if certificate is None:
        return None
    record_event(
        session, "certificate_issued", subject_user_id=user.id, org_unit_id=unit.id,
        certificate_id=certificate.id, serial=certificate.serial,
    )
    return certificate


def _signer_kind(unit: OrgUnit) -> str:
    """Return the signer key stored on the certificate ("school", "province" or "other")."""
    if unit.kind is OrgKind.SCHOOL:
        return "school"
    if unit.kind is OrgKind.PROVINCE:
        return "province"
    return "other"


def issue_on_completion(
    completion: Completion, *, session: Session, user: User, course_version: CourseVersion,
    **_extra: object,
) -> None:
    """Receive :data:`course_completed` and issue the certificate in the same transaction,
    unless the completion is an attendance at a session held in person that issues none
    (:func:`~lms_module.in_person.credit.issues_certificates`)."""
    from flask import current_app, has_app_context

    if completion.in_person_session_id is not None and not issues_certificates(
        session.get_one(InPersonSession, completion.in_person_session_id)
    ):
        return

    timezone = (
        current_app.config.get("LMS_TIMEZONE", "Asia/Ho_Chi_Minh")
        if has_app_context() else "Asia/Ho_Chi_Minh"
    )
    issue_certificate(session, completion, timezone=timezone)


# ----------------------------------------------------------------------------- finding, status


def certificate_status(certificate: Certificate, today: dt.date) -> CertificateStatus:
    """Return whether ``certificate`` is valid, expired or revoked on ``today``."""
    if certificate.revoked:
        return CertificateStatus.REVOKED
    if not counts_on(certificate, today):
        return CertificateStatus.EXPIRED
    return CertificateStatus.VALID


def find_by_code(session: Session, typed: str) -> Certificate | None:
    """Return the certificate whose code a person typed, or ``None`` when there is none.

    :raises InvalidCodeError: when the typed text cannot be a code (its message says why).
    """
    code = normalize_code(typed)
    return session.scalars(select(Certificate).where(Certificate.code == code)).one_or_none()


def get_certificate(session: Session, certificate_id: int) -> Certificate:
    """Return the certificate with this id or raise :class:`NoSuchCertificateError`."""
    certificate = session.get(Certificate, certificate_id)
    if certificate is None:
        raise NoSuchCertificateError()
    return certificate


def certificates_of(session: Session, user: User) -> list[Certificate]:
    """Return a user's certificates, newest first (revoked ones too: history is kept)."""
    return list(
        session.scalars(
            select(Certificate)
            .where(Certificate.user_id == user.id)
            .order_by(Certificate.issued_on.desc(), Certificate.id.desc())
        )
    )


def replacement_of(session: Session, certificate: Certificate) -> Certificate | None:
    """Return the certificate that now stands for a re-issued one (``None``: none valid).

    Follows re-issues of re-issues to the latest; a replacement revoked for another reason
    stops the chain (nothing stands for the original any more).
    """
    seen = {certificate.id}
    current = certificate
    while current.revoked and current.revoked_reason == REISSUE_REASON:
        following = session.scalars(
            select(Certificate).where(Certificate.replaces_id == current.id)
        ).first()
        if following is None or following.id in seen:
            return None
        seen.add(following.id)
        current = following
    return None if current.revoked or current is certificate else current


def unit_certificates_query(
    unit: OrgUnit,
    *,
    holder_unit_id: int | None = None,
    course_id: int | None = None,
    status: CertificateStatus | None = None,
    today: dt.date | None = None,
    include_revoked: bool = True,
) -> Select[Certificate]:
    """Return a query of the certificates issued within ``unit``'s subtree, filtered.

    The query's own order is by code point (deterministic, not Vietnamese): read it through
    :func:`in_holder_order` for a list or an export.

    :param holder_unit_id: only holders of this class (or unit) at issue.
    :param status: only valid, expired or revoked ones on ``today``.
    :param include_revoked: ``False`` leaves revoked certificates out (bulk downloads).
    """
    query = (
        select(Certificate)
        .join(OrgUnit, OrgUnit.id == Certificate.org_unit_id)
        .where(subtree_condition(OrgUnit.path, unit.path))
    )
    if holder_unit_id is not None:
        query = query.where(Certificate.holder_unit_id == holder_unit_id)
    if course_id is not None:
        query = query.where(Certificate.course_id == course_id)
    if not include_revoked:
        query = query.where(Certificate.revoked_at.is_(None))
    if status is not None:
        day = today or local_today()
        if status is CertificateStatus.REVOKED:
            query = query.where(Certificate.revoked_at.is_not(None))
        elif status is CertificateStatus.EXPIRED:
            query = query.where(Certificate.revoked_at.is_(None), certificate_ends() < day)
        else:
            query = query.where(
                Certificate.revoked_at.is_(None),
                certificate_ends().is_(None) | (certificate_ends() >= day),
            )
    return query.order_by(Certificate.holder_unit_name, Certificate.holder_name, Certificate.id)


def in_holder_order(
    session: Session, query: Select[Certificate], *, limit: int | None = None,
    batch_size: int = 200,
) -> Iterator[Certificate]:
    """Yield the certificates of ``query`` by class, then holder, in Vietnamese order.

    The order is found from the ids and names alone (:mod:`~lms_module.core.collation`: class
    names with numbers as numbers, holders given name first); the certificates are then read
    ``batch_size`` at a time, so memory does not grow with them. ``limit`` keeps the first
    ones in that order (a capped list cuts where the Vietnamese order does).
    """
    rows = session.execute(
        query.with_only_columns(
            Certificate.id, Certificate.holder_unit_name, Certificate.holder_name
        ).order_by(None)
    ).all()
    ordered = sorted(
        rows,
        key=lambda r: (text_sort_key(r.holder_unit_name), person_sort_key(r.holder_name), r.id),
    )
    ids = [row.id for row in ordered[:limit]]
    for start in range(0, len(ids), batch_size):
        chunk = ids[start:start + batch_size]
        found = {c.id: c for c in session.scalars(select(Certificate).where(
            Certificate.id.in_(chunk)))}
        yield from (found[i] for i in chunk if i in found)


def unit_certificates(
    session: Session,
    unit: OrgUnit,
    *,
    holder_unit_id: int | None = None,
    course_id: int | None = None,
    status: CertificateStatus | None = None,
    today: dt.date | None = None,
) -> list[Certificate]:
    """Return the certificates issued within ``unit``'s subtree (filters as in the query), by
    class and holder in Vietnamese order."""
    return list(
        in_holder_order(
            session,
            unit_certificates_query(
                unit, holder_unit_id=holder_unit_id, course_id=course_id, status=status,
                today=today,
            ),
        )
    )


# ------------------------------------------------------------------------ access, revocation


def may_manage(session: Session, user: User, certificate: Certificate) -> bool:
    """Tell whether ``user`` manages the issuing school (or is an admin above it)."""
    return user_can(session, user, (Role.SCHOOL_MANAGER,), certificate.org_unit)


def may_read(session: Session, user: User, certificate: Certificate) -> bool:
    """Tell whether ``user`` may open ``certificate``: its holder, a parent linked to the
    holder (:func:`~lms_module.families.services.may_follow`), or a manager of its school."""
    return (
        certificate.user_id == user.id
        or may_follow(session, user, certificate.user)
        or may_manage(session, user, certificate)
    )


def check_may_manage(session: Session, user: User, certificate: Certificate) -> None:
    """Raise :class:`AccessDeniedError` unless ``user`` manages ``certificate``'s school."""
    if not may_manage(session, user, certificate):
        raise AccessDeniedError(
            "Chỉ cán bộ quản lý của trường đã cấp (hoặc quản trị) mới thu hồi hay cấp lại "
            "được giấy chứng nhận này."
        )


def revoke_certificate(
    session: Session, certificate: Certificate, *, actor: User, reason: str,
    ip: str | None = None,
) -> None:
    """Revoke ``certificate`` for ``reason``; the record stays (verification says revoked).

    :raises AccessDeniedError: unless ``actor`` manages the issuing school or is an admin.
    :raises CertificateError: without a reason, or when it is already revoked.
    """
    check_may_manage(session, actor, certificate)
    reason = normalize_text(reason)
    if not reason:
        raise CertificateError("Hãy ghi lý do thu hồi giấy chứng nhận.")
    if len(reason) > 500:
        raise CertificateError("Lý do thu hồi dài tối đa 500 ký tự.")
    if certificate.revoked:
        raise CertificateError(
            f"Giấy chứng nhận {certificate.serial} đã bị thu hồi ngày "
            f"{certificate.revoked_at:%d/%m/%Y}."
        )
    certificate.revoked_at = utcnow()
    certificate.revoked_by_id = actor.id
    certificate.revoked_reason = reason
    record_event(
        session, "certificate_revoked", actor_id=actor.id, subject_user_id=certificate.user_id,
        org_unit_id=certificate.org_unit_id, ip=ip, certificate_id=certificate.id,
        serial=certificate.serial, reason=reason,
    )
    session.flush()


def reissue_certificate(
    session: Session, certificate: Certificate, *, actor: User, today: dt.date,
    ip: str | None = None,
) -> Certificate:
    """Replace ``certificate`` with a new one carrying the holder's current (corrected) name.

    The new certificate has a new serial (in ``today``'s year) and code, is issued ``today``,
    keeps the original expiry, course and units; the old one is revoked with reason
    :data:`REISSUE_REASON` and stays in the history.

    :raises AccessDeniedError: unless ``actor`` manages the issuing school or is an admin.
    :raises CertificateError: when the certificate was revoked already.
    """
    check_may_manage(session, actor, certificate)
    if certificate.revoked:
        raise CertificateError(
            f"Giấy chứng nhận {certificate.serial} đã bị thu hồi: không cấp lại được. "
            "Hãy cấp lại từ giấy chứng nhận còn hiệu lực."
        )
    revoke_certificate(session, certificate, actor=actor, reason=REISSUE_REASON, ip=ip)
    edition = (
        session.scalar(
            select(func.max(Certificate.edition)).where(
                Certificate.completion_id == certificate.completion_id
            )
        )
        or 0
    ) + 1
    number = next_serial_number(session, certificate.org_unit_id, today.year)
    holder = session.get_one(User, certificate.user_id)
    new = _add_certificate(
        session,
        {
            "serial": format_serial(number, today.year, certificate.org_unit.code),
            "code": new_code(),
            "org_unit_id": certificate.org_unit_id,
            "year": today.year,
            "number": number,
            "user_id": certificate.user_id,
            "completion_id": certificate.completion_id,
            "edition": edition,
            "course_id": certificate.course_id,
            "course_version_id": certificate.course_version_id,
            "holder_unit_id": certificate.holder_unit_id,
            "issued_on": today,
            "expires_on": certificate.expires_on,
            "credit_periods": certificate.credit_periods,
            "holder_name": normalize_text(holder.full_name),
            "holder_is_student": certificate.holder_is_student,
            "holder_unit_name": certificate.holder_unit_name,
            "issuing_unit_name": certificate.issuing_unit_name,
            "parent_unit_name": certificate.parent_unit_name,
            "place": certificate.place,
            "signer_title": certificate.signer_title,
            "course_title_vi": certificate.course_title_vi,
            "course_title_en": certificate.course_title_en,
            "replaces_id": certificate.id,
            "created_at": utcnow(),
        },
    )
    if new is None:
        raise CertificateError("Giấy chứng nhận này vừa được cấp lại. Hãy tải lại trang.")
    record_event(
        session, "certificate_reissued", actor_id=actor.id, subject_user_id=new.user_id,
        org_unit_id=new.org_unit_id, ip=ip, certificate_id=new.id, serial=new.serial,
        replaces=certificate.serial,
    )
    return new


def anonymise_holder(session: Session, user: User) -> int:
    """Keep ``user``'s certificates as statistics only (their data was erased).

    The holder's name becomes :data:`ANONYMISED_HOLDER` on the record, so every PDF, list and
    verification page drawn from it; a revocation reason other than a re-issue becomes
    :data:`ANONYMISED_REASON`. Dates, course, units and status stay: the certificate still
    counts where certificates are counted. Return how many certificates changed (0 when done
    before).
    """
    changed = 0
    for certificate in session.scalars(select(Certificate).where(Certificate.user_id == user.id)):
        before = (certificate.holder_name, certificate.revoked_reason)
        certificate.holder_name = ANONYMISED_HOLDER
        if certificate.revoked_reason not in (None, REISSUE_REASON):
            certificate.revoked_reason = ANONYMISED_REASON
        changed += before != (certificate.holder_name, certificate.revoked_reason)
    session.flush()
    return changed


# ------------------------------------------------------------------------------- rendering


def verification_path(code: str, url_prefix: str = "") -> str:
    """Return the path of a certificate's public verification page."""
    return f"{url_prefix.rstrip('/')}/verify/{code}"


def verification_url(code: str, *, base_url: str, url_prefix: str = "") -> str:
    """Return the absolute verification URL printed in the QR code."""
    return base_url.rstrip("/") + verification_path(code, url_prefix)


def certificate_content(
    certificate: Certificate, *, base_url: str, url_prefix: str = "", language: str = "vi",
    timezone: str = "Asia/Ho_Chi_Minh",
) -> CertificateContent:
    """Return what is printed on ``certificate`` in ``language``, from the record only.

    A revoked certificate carries its revocation (local date in ``timezone``, and reason), so
    every rendering of it is stamped "ĐÃ THU HỒI"; nothing changes for the others.
    """
    revocation = (
        Revocation(
            revoked_on=local_date(certificate.revoked_at, timezone),
            reason=certificate.revoked_reason or "",
        )
        if certificate.revoked_at is not None else None
    )
    return CertificateContent(
        parent_body=certificate.parent_unit_name,
        issuing_body=certificate.issuing_unit_name,
        serial=certificate.serial,
        place=certificate.place,
        issued_on=certificate.issued_on,
        expires_on=certificate.expires_on,
        holder_label=holder_label(language, student=certificate.holder_is_student),
        holder_name=certificate.holder_name,
        holder_unit=certificate.holder_unit_name,
        course_title=certificate.course_title(language),
        credit_periods=0 if certificate.holder_is_student else certificate.credit_periods,
        signer_title=signer_title(language, certificate.signer_title),
        # Left blank for a wet signature and the unit's stamp: see the README.
        signer_name="",
        verification_code=format_code(certificate.code),
        verification_url=verification_url(
            certificate.code, base_url=base_url, url_prefix=url_prefix
        ),
        labels=labels_for(language),
        revocation=revocation,
    )


def certificate_pdf(
    certificate: Certificate, *, base_url: str, url_prefix: str = "", language: str = "vi",
    timezone: str = "Asia/Ho_Chi_Minh",
) -> bytes:
    """Render ``certificate`` as PDF; the same record and settings give the same bytes.

    A revoked certificate comes out stamped "ĐÃ THU HỒI" with the date and reason.
    """
    return render_certificate(
        certificate_content(
            certificate, base_url=base_url, url_prefix=url_prefix, language=language,
            timezone=timezone,
        )
    )


def pdf_filename(certificate: Certificate) -> str:
    """Return an ASCII file name for the PDF: ``00012-2026-CN-THTP_nguyen-thi-hoa.pdf``.

    A revoked certificate's name starts with ``da-thu-hoi_`` so that its copy is never
    mistaken for a valid one in a folder.
    """
    name = f"{_ascii_slug(certificate.serial)}_{_ascii_slug(certificate.holder_name)}.pdf"
    return f"da-thu-hoi_{name}" if certificate.revoked_at is not None else name


def _ascii_slug(text: str) -> str:
    text = text.replace("Đ", "D").replace("đ", "d")
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    cleaned = "".join(ch.lower() if ch.isalnum() else "-" for ch in ascii_text)
    return "-".join(part for part in cleaned.split("-") if part)


def zip_contents(
    session: Session,
    query: Select[Certificate],
    *,
    base_url: str,
    url_prefix: str = "",
    language: str = "vi",
    timezone: str = "Asia/Ho_Chi_Minh",
    batch_size: int = 200,
) -> Iterator[tuple[str, CertificateContent]]:
    """Yield ``(name, content)`` for each certificate of ``query``, reading rows in batches.

    Entries come by class, then holder, in Vietnamese order (:func:`in_holder_order`: rows are
    read ``batch_size`` at a time), so memory does not grow with the number of certificates.
    Names are unique because serials are: ``<class or school>/<serial>_<holder>.pdf``.
    """
    for certificate in in_holder_order(session, query, batch_size=batch_size):
        folder = _ascii_slug(certificate.holder_unit_name) or "don-vi"
        yield f"{folder}/{pdf_filename(certificate)}", certificate_content(
            certificate, base_url=base_url, url_prefix=url_prefix, language=language,
            timezone=timezone,
        )


def zip_entries(
    session: Session,
    query: Select[Certificate],
    *,
    base_url: str,
    url_prefix: str = "",
    language: str = "vi",
    timezone: str = "Asia/Ho_Chi_Minh",
    batch_size: int = 200,
) -> Iterator[Entry]:
    """Yield ``(name, render)`` for each certificate of :func:`zip_contents`; each PDF is
    rendered only when the ZIP writer asks for it."""
    for name, content in zip_contents(
        session, query, base_url=base_url, url_prefix=url_prefix, language=language,
        timezone=timezone, batch_size=batch_size,
    ):
        yield name, partial(render_certificate, content)

