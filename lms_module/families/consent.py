"""Consent to the privacy notice: answers, withdrawal, and each class's consent status.

Every answer a parent gives to the notice is a :class:`ConsentRecord` (who, when, which
version of the notice, given or refused); a refusal made with a letter's code by someone who
makes no account keeps the letter instead of the adult. Withdrawing marks the adult's standing
consent for the child withdrawn and ends the link; what else follows is the deployment's
setting ``LMS_CONSENT_WITHDRAWAL`` (:data:`WITHDRAWAL_MODES`).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from lms_module.audit.services import record_event
from lms_module.core.errors import LMSError
from lms_module.db import utcnow
from lms_module.families.letters import check_letter, take_use
from lms_module.families.models import (
    ConsentAnswer,
    ConsentRecord,
    DataRequest,
    DataRequestKind,
    Kinship,
    LinkSource,
    ParentLetter,
    ParentLink,
)
from lms_module.families.services import child_school, end_link, link_adult, may_follow
from lms_module.orgs.models import OrgUnit
from lms_module.people.models import Role, User
from lms_module.people.services import class_students

#: The version of the privacy notice parents read now. Its text is the template
#: ``families/notice/<version>.html``; a new text is a new version (and a new template), so
#: every recorded answer still names the words it answered.
NOTICE_VERSION = "2026-1"

#: What withdrawing (or refusing) consent does, by ``LMS_CONSENT_WITHDRAWAL``.
UNLINK = "unlink"
UNLINK_AND_ERASE = "unlink-and-erase"
WITHDRAWAL_MODES = (UNLINK, UNLINK_AND_ERASE)

#: ``ParentLink.ended_reason`` of a link ended by withdrawal.
WITHDRAWN_REASON = "consent_withdrawn"


class ConsentSettingError(LMSError):
    """``LMS_CONSENT_WITHDRAWAL`` holds a value this version does not know."""

    status_code = 500

    def __init__(self, value: object) -> None:
        super().__init__(
            f"LMS_CONSENT_WITHDRAWAL = {value!r} không hợp lệ: hãy đặt "
            f"{' hoặc '.join(repr(m) for m in WITHDRAWAL_MODES)}."
        )


def withdrawal_mode(value: object) -> str:
    """Return the configured withdrawal mode, refusing an unknown one (never guess)."""
    if value not in WITHDRAWAL_MODES:
        raise ConsentSettingError(value)
    return str(value)


def record_answer(
    session: Session,
    *,
    child: User,
    answer: ConsentAnswer,
    adult: User | None,
    letter: ParentLetter | None,
    ip: str | None = None,
) -> ConsentRecord:
    """Record an answer to the current notice about ``child``; audited as ``consent_answered``.

    A given answer with no adult is refused: consent is given by someone who then holds a link.
    """
    assert adult is not None or answer is ConsentAnswer.REFUSED, "consent needs an adult"
    record = ConsentRecord(
        adult_user_id=adult.id if adult is not None else None, child_user_id=child.id,
        letter_id=letter.id if letter is not None else None, notice_version=NOTICE_VERSION,
        answer=answer,
    )
    session.add(record)
    session.flush()
    record_event(
        session, "consent_answered", actor_id=adult.id if adult is not None else None,
        subject_user_id=child.id, ip=ip, answer=answer.value, notice_version=NOTICE_VERSION,
        letter_id=letter.id if letter is not None else None,
    )
    return record


class StudentCannotLinkError(LMSError):
    """A student's account tried to become a parent's."""

    status_code = 403

    def __init__(self) -> None:
        super().__init__(_(
            "Tài khoản học sinh không liên kết được với thư gửi cha mẹ. Hãy đăng xuất, rồi để "
            "cha mẹ quét mã hoặc gõ mã trên thư."
        ))


def give_consent(
    session: Session, *, adult: User, letter: ParentLetter, kinship: Kinship, today: dt.date,
    ip: str | None = None,
) -> ParentLink:
    """Record ``adult``'s consent with ``letter`` and link them to its child.

    Takes one of the letter's uses, unless the adult already follows the child (scanning the
    same letter twice links nobody new).

    :raises StudentCannotLinkError: when ``adult`` is a student.
    :raises LetterCodeError: when the letter can no longer be used.
    """
    if adult.id == letter.child_user_id or any(
        m.role is Role.STUDENT and m.active for m in adult.memberships
    ):
        raise StudentCannotLinkError()
    check_letter(letter, today)
    child = letter.child
    if not may_follow(session, adult, child):
        take_use(session, letter)
    record_answer(session, child=child, answer=ConsentAnswer.GIVEN, adult=adult, letter=letter,
                  ip=ip)
    return link_adult(session, adult, child, kinship=kinship, source=LinkSource.LETTER,
                      letter=letter)


def file_erasure(
    session: Session, child: User, *, requested_by: User | None, note: str
) -> DataRequest:
    """File a request to erase ``child``'s data with the child's school (its managers act)."""
    school = child_school(session, child)
    request = DataRequest(
        kind=DataRequestKind.ERASE, child_user_id=child.id,
        school_id=school.id if school is not None else None,
        requested_by_id=requested_by.id if requested_by is not None else None, note=note[:500],
    )
    session.add(request)
    session.flush()
    record_event(
        session, "data_request_filed", actor_id=requested_by.id if requested_by else None,
        subject_user_id=child.id, org_unit_id=request.school_id, kind=request.kind.value,
        data_request_id=request.id,
    )
    return request


def refuse(
    session: Session, *, child: User, adult: User | None, letter: ParentLetter | None,
    mode: str, ip: str | None = None,
) -> ConsentRecord:
    """Record a refusal; in ``unlink-and-erase`` mode also file an erasure of the child's data.

    A refusal links nobody, so nothing else changes (a standing link of the same adult, from
    an earlier answer, is ended: the newest answer stands).
    """
    record = record_answer(session, child=child, answer=ConsentAnswer.REFUSED, adult=adult,
                           letter=letter, ip=ip)
    if adult is not None:
        link = _standing_link(session, adult, child)
        if link is not None:
            _withdraw_given(session, adult, child)
            end_link(session, link, reason=WITHDRAWN_REASON, actor_id=adult.id)
    if withdrawal_mode(mode) == UNLINK_AND_ERASE:
        file_erasure(session, child, requested_by=adult,
                     note="Cha mẹ không đồng ý với thông báo dữ liệu cá nhân.")
    return record


def withdraw(
    session: Session, *, adult: User, child: User, mode: str, ip: str | None = None
) -> DataRequest | None:
    """Withdraw ``adult``'s consent for ``child``: the consent is marked withdrawn, the link
    ends (``consent_withdrawn``), and in ``unlink-and-erase`` mode an erasure of the child's
    data is filed with the school. Audited.

    :returns: the erasure request filed, if any.
    """
    mode = withdrawal_mode(mode)
    _withdraw_given(session, adult, child)
    link = _standing_link(session, adult, child)
    if link is not None:
        end_link(session, link, reason=WITHDRAWN_REASON, actor_id=adult.id)
    record_event(session, "consent_withdrawn", actor_id=adult.id, subject_user_id=child.id,
                 ip=ip, mode=mode)
    if mode == UNLINK_AND_ERASE:
        return file_erasure(session, child, requested_by=adult,
                            note="Cha mẹ rút lại đồng ý với thông báo dữ liệu cá nhân.")
    return None


def _withdraw_given(session: Session, adult: User, child: User) -> None:
    now = utcnow()
    for record in session.scalars(
        select(ConsentRecord).where(
            ConsentRecord.adult_user_id == adult.id, ConsentRecord.child_user_id == child.id,
            ConsentRecord.answer == ConsentAnswer.GIVEN, ConsentRecord.withdrawn_at.is_(None),
        )
    ):
        record.withdrawn_at = now
    session.flush()


def _standing_link(session: Session, adult: User, child: User) -> ParentLink | None:
    return session.scalar(
        select(ParentLink).where(
            ParentLink.adult_user_id == adult.id, ParentLink.child_user_id == child.id,
            ParentLink.ended_at.is_(None),
        )
    )


class ConsentStatus(enum.StrEnum):
    """Where a child's family stands with the notice (the class's consent page)."""

    GIVEN = "given"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"
    NOT_ANSWERED = "not_answered"


@dataclass(frozen=True)
class ClassConsent:
    """A class's consent status: how many children stand where, and who has not answered."""

    counts: dict[ConsentStatus, int]
    not_answered: list[User]
    status_of: dict[int, ConsentStatus]


def child_status(records: Iterable[ConsentRecord]) -> ConsentStatus:
    """Return a child's status from every answer about it.

    *Given* while some adult's consent stands (not withdrawn); otherwise the latest event
    decides, a refusal (``refused``) or a withdrawal (``withdrawn``); no answer at all is
    *not answered*.
    """
    latest: tuple[dt.datetime, ConsentStatus] | None = None
    for record in records:
        if record.answer is ConsentAnswer.GIVEN and record.withdrawn_at is None:
            return ConsentStatus.GIVEN
        if record.answer is ConsentAnswer.GIVEN and record.withdrawn_at is not None:
            event = (_aware(record.withdrawn_at), ConsentStatus.WITHDRAWN)
        else:
            event = (_aware(record.answered_at), ConsentStatus.REFUSED)
        if latest is None or event[0] >= latest[0]:
            latest = event
    return latest[1] if latest is not None else ConsentStatus.NOT_ANSWERED


def _aware(moment: dt.datetime) -> dt.datetime:
    # SQLite returns naive datetimes (stored in UTC); PostgreSQL aware ones.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def class_consent(session: Session, class_unit: OrgUnit) -> ClassConsent:
    """Return the consent status of a class's children (Vietnamese order for the names)."""
    children = class_students(session, class_unit)
    records: dict[int, list[ConsentRecord]] = {child.id: [] for child in children}
    if records:
        for record in session.scalars(
            select(ConsentRecord).where(ConsentRecord.child_user_id.in_(list(records)))
            .order_by(ConsentRecord.answered_at, ConsentRecord.id)
        ):
            records[record.child_user_id].append(record)
    status_of = {child.id: child_status(records[child.id]) for child in children}
    counts = {status: 0 for status in ConsentStatus}
    for status in status_of.values():
        counts[status] += 1
    return ClassConsent(
        counts=counts,
        not_answered=[c for c in children if status_of[c.id] is ConsentStatus.NOT_ANSWERED],
        status_of=status_of,
    )


def standing_consent(session: Session, adult: User, child: User) -> ConsentRecord | None:
    """Return ``adult``'s consent for ``child`` that stands now (given, not withdrawn)."""
    return session.scalar(
        select(ConsentRecord).where(
            ConsentRecord.adult_user_id == adult.id, ConsentRecord.child_user_id == child.id,
            ConsentRecord.answer == ConsentAnswer.GIVEN, ConsentRecord.withdrawn_at.is_(None),
        ).order_by(ConsentRecord.answered_at.desc(), ConsentRecord.id.desc()).limit(1)
    )
