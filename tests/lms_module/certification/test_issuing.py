"""A certificate is issued once per completion, numbered per issuing unit and year."""

from __future__ import annotations

import datetime as dt

import pytest
from certification_support import complete
from sqlalchemy import func, select

from lms_module.audit.models import AuditEvent
from lms_module.certification.models import Certificate
from lms_module.certification.services import (
    REISSUE_REASON,
    CertificateError,
    course_expiry,
    issue_certificate,
    next_serial_number,
    reissue_certificate,
    revoke_certificate,
)
from lms_module.core.errors import AccessDeniedError
from lms_module.learning.models import Completion, Course
from lms_module.people.models import Role
from lms_module.school_years.year import SchoolYear


def test_completing_a_course_issues_a_certificate_from_the_students_school(
    db, student, student_course, tree
):
    certificate = complete(db, student, student_course)
    assert certificate is not None
    assert certificate.org_unit_id == tree["school"].id
    assert certificate.holder_unit_id == tree["class"].id
    assert certificate.holder_is_student
    assert certificate.holder_name == "Đặng Thị Ưng Ỹ"
    assert certificate.holder_unit_name == f"Lớp 2A, {tree['school'].name}"
    assert certificate.credit_periods == 0
    assert certificate.serial == f"00001/{certificate.issued_on.year}/CN-{tree['school'].code}"
    assert certificate.expires_on == SchoolYear.containing(certificate.issued_on).last_day
    assert certificate.place == "Lai Châu"
    assert len(certificate.code) == 17
    assert db.scalar(
        select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "certificate_issued"
        )
    ) == 1


def test_a_teachers_certificate_carries_the_courses_credit_periods(
    db, teacher, teacher_course, tree
):
    certificate = complete(db, teacher, teacher_course)
    assert certificate is not None
    assert not certificate.holder_is_student
    assert certificate.credit_periods == 10
    assert certificate.holder_unit_name == tree["school"].name
    assert certificate.signer_title == "school"


def test_issuing_twice_for_one_completion_gives_one_certificate(db, student, student_course):
    first = complete(db, student, student_course)
    completion = db.get(Completion, first.completion_id)
    assert issue_certificate(db, completion) is None
    assert db.scalar(select(func.count()).select_from(Certificate)) == 1


def test_serials_count_per_unit_and_restart_each_year(db, make_user, student_course, tree):
    school, other = tree["school"], tree["other_school"]
    assert [next_serial_number(db, school.id, 2026) for _ in range(3)] == [1, 2, 3]
    assert next_serial_number(db, other.id, 2026) == 1
    assert next_serial_number(db, school.id, 2027) == 1
    assert next_serial_number(db, school.id, 2026) == 4


def test_serials_of_two_learners_of_one_school_follow_each_other(
    db, make_user, student_course, tree
):
    first = make_user(Role.STUDENT, tree["class"], full_name="Lê Văn Một")
    second = make_user(Role.STUDENT, tree["class"], full_name="Lê Văn Hai")
    elsewhere = make_user(Role.STUDENT, tree["other_class"], full_name="Lê Văn Ba")
    serials = [complete(db, user, student_course).serial for user in (first, second, elsewhere)]
    assert [serial.split("/")[0] for serial in serials] == ["00001", "00002", "00001"]
    assert serials[2].endswith(f"CN-{tree['other_school'].code}")


def test_expiry_adds_months_and_keeps_the_end_of_short_months():
    def months(n: int) -> Course:
        return Course(validity_months=n, valid_for_school_year=False)

    assert course_expiry(months(1), dt.date(2026, 1, 31)) == dt.date(2026, 2, 28)
    assert course_expiry(months(12), dt.date(2026, 11, 23)) == dt.date(2027, 11, 23)
    assert course_expiry(months(12), dt.date(2024, 2, 29)) == dt.date(2025, 2, 28)
    assert course_expiry(Course(validity_months=None, valid_for_school_year=False),
                         dt.date(2026, 11, 23)) is None


def test_student_certificates_last_until_the_end_of_the_school_year():
    school_year = Course(validity_months=None, valid_for_school_year=True)
    assert course_expiry(school_year, dt.date(2026, 11, 23)) == dt.date(2027, 7, 31)
    assert course_expiry(school_year, dt.date(2027, 5, 30)) == dt.date(2027, 7, 31)
    assert course_expiry(school_year, dt.date(2027, 9, 5)) == dt.date(2028, 7, 31)


def test_a_learner_without_a_school_gets_no_certificate(db, make_user, student_course):
    loner = make_user(full_name="Không Trường")
    assert complete(db, loner, student_course) is None


def test_revoking_needs_a_reason_and_keeps_the_record(db, student, student_course, manager):
    certificate = complete(db, student, student_course)
    with pytest.raises(CertificateError):
        revoke_certificate(db, certificate, actor=manager, reason="   ")
    revoke_certificate(db, certificate, actor=manager, reason="Cấp nhầm người")
    assert certificate.revoked_at is not None
    assert certificate.revoked_by_id == manager.id
    assert certificate.revoked_reason == "Cấp nhầm người"
    with pytest.raises(CertificateError):
        revoke_certificate(db, certificate, actor=manager, reason="lần nữa")


def test_only_the_issuing_schools_manager_or_an_admin_may_revoke(
    db, student, student_course, other_manager, teacher, make_user, tree
):
    certificate = complete(db, student, student_course)
    for outsider in (other_manager, teacher, student):
        with pytest.raises(AccessDeniedError):
            revoke_certificate(db, certificate, actor=outsider, reason="thử")
    admin = make_user(Role.ADMIN, tree["province"], full_name="Quản Trị")
    revoke_certificate(db, certificate, actor=admin, reason="Sai khóa học")
    assert certificate.revoked


def test_reissue_after_a_name_correction_keeps_the_history(db, student, student_course, manager):
    old = complete(db, student, student_course)
    student.full_name = "Đặng Thị Ưng Ỹ Nhi"
    new = reissue_certificate(db, old, actor=manager, today=old.issued_on)
    assert old.revoked_reason == REISSUE_REASON
    assert new.replaces_id == old.id
    assert new.holder_name == "Đặng Thị Ưng Ỹ Nhi"
    assert new.serial != old.serial and new.code != old.code
    assert new.completion_id == old.completion_id and new.edition == 1
    assert new.expires_on == old.expires_on
    actions = db.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["certificate_issued", "certificate_revoked", "certificate_reissued"]
    with pytest.raises(CertificateError):
        reissue_certificate(db, old, actor=manager, today=old.issued_on)
