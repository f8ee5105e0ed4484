"""Expiry and re-training statuses per person and course; teachers' BDTX periods."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

from certification_support import complete
from openpyxl import load_workbook

from helpers import SCHOOL_YEAR
from lms_module.certification.statuses import in_service_periods
from lms_module.obligations.models import Assignment
from lms_module.obligations.query import training_statuses
from lms_module.obligations.statuses import TrainingStatus, status_for
from lms_module.people.models import Role

TODAY = dt.date(2026, 11, 23)
#: The day certificates are issued on in these tests (today in LMS_TIMEZONE): statuses are
#: taken on or after it.
ISSUE_DAY = dt.datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()


def _status(**kwargs):
    values = dict(today=TODAY, due_on=None, has_certificate=False, expires_on=None,
                  expiring_window_days=60)
    values.update(kwargs)
    return status_for(**values)


def test_statuses_follow_the_deadline_then_the_certificates_expiry():
    assert _status() is TrainingStatus.ASSIGNED
    assert _status(due_on=TODAY + dt.timedelta(days=5)) is TrainingStatus.DUE
    assert _status(due_on=TODAY - dt.timedelta(days=1)) is TrainingStatus.OVERDUE
    assert _status(has_certificate=True) is TrainingStatus.CERTIFIED
    assert _status(has_certificate=True, expires_on=TODAY + dt.timedelta(days=200)) is (
        TrainingStatus.CERTIFIED
    )
    assert _status(has_certificate=True, expires_on=TODAY + dt.timedelta(days=60)) is (
        TrainingStatus.EXPIRING
    )
    assert _status(has_certificate=True, expires_on=TODAY - dt.timedelta(days=1)) is (
        TrainingStatus.EXPIRED
    )


def _assign(db, course, unit, role, due_on=None, **fields):
    db.add(Assignment(course=course, org_unit=unit, role=role, due_on=due_on, **fields))
    db.flush()


def test_the_school_page_lists_who_is_overdue_expiring_or_expired(
    client, db, login, make_user, student_course, teacher_course, manager, tree
):
    make_user(Role.STUDENT, tree["class"], full_name="Hà Văn Chậm")
    done = make_user(Role.STUDENT, tree["class"], full_name="Tòng Thị Xong")
    teacher = make_user(Role.TEACHER, tree["school"], full_name="Quàng Văn Hết")
    _assign(db, student_course, tree["province"], Role.STUDENT, due_on=dt.date(2020, 1, 1),
            grade_min=1, grade_max=5)
    _assign(db, teacher_course, tree["school"], Role.TEACHER)
    complete(db, done, student_course)
    expired = complete(db, teacher, teacher_course)
    expired.expires_on = dt.date(2021, 1, 1)
    db.flush()
    rows = {
        (row.obligation.full_name, row.obligation.course.id): row.status
        for row in training_statuses(db, within=tree["school"], school_year=SCHOOL_YEAR,
                                     today=ISSUE_DAY, expiring_window_days=60)
    }
    assert rows[("Hà Văn Chậm", student_course.id)] is TrainingStatus.OVERDUE
    assert rows[("Tòng Thị Xong", student_course.id)] is TrainingStatus.CERTIFIED
    assert rows[("Quàng Văn Hết", teacher_course.id)] is TrainingStatus.EXPIRED
    login(manager)
    page = client.get(f"/units/{tree['school'].id}/training-status").get_data(as_text=True)
    assert "Hà Văn Chậm" in page and "Quàng Văn Hết" in page
    assert "Tòng Thị Xong" not in page  # certified: nothing to do


def test_a_grade_band_keeps_other_grades_out(db, make_user, student_course, make_unit, tree):
    from lms_module.orgs.models import OrgKind

    grade_7 = make_unit(OrgKind.CLASS, tree["school"], name="7A", grade=7)
    make_user(Role.STUDENT, grade_7, full_name="Lý Văn Bảy")
    _assign(db, student_course, tree["school"], Role.STUDENT, grade_min=1, grade_max=5)
    names = {
        row.obligation.full_name
        for row in training_statuses(db, within=tree["school"], school_year=SCHOOL_YEAR,
                                     today=TODAY, expiring_window_days=60)
    }
    assert "Lý Văn Bảy" not in names


def test_the_status_page_is_refused_to_another_schools_manager(client, login, other_manager, tree):
    login(other_manager)
    assert client.get(f"/units/{tree['school'].id}/training-status").status_code == 403


def test_periods_count_unrevoked_certificates_of_the_school_year(
    client, db, login, teacher, teacher_course, manager, tree
):
    certificate = complete(db, teacher, teacher_course)
    year_start = certificate.issued_on.year if certificate.issued_on.month >= 8 else (
        certificate.issued_on.year - 1
    )
    school_year = f"{year_start}-{year_start + 1}"
    records = {r.full_name: r for r in in_service_periods(db, tree["school"], school_year)}
    assert records["Lường Văn Sơn"].periods == 10
    assert records["Lò Thị Tâm"].periods == 0
    assert in_service_periods(db, tree["school"], "2019-2020")[0].periods == 0
    login(manager)
    page = client.get(
        f"/units/{tree['school'].id}/in-service", query_string={"year": school_year}
    ).get_data(as_text=True)
    assert "120 tiết/năm" in page
    response = client.get(
        f"/units/{tree['school'].id}/in-service.xlsx", query_string={"year": school_year}
    )
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    header_index = next(i for i, row in enumerate(rows) if row and row[0] == "STT")
    assert rows[header_index][:5] == ("STT", "Họ và tên", "Mã cán bộ", "Vai trò", "Số tiết đã đạt")
    by_name = {row[1]: row for row in rows[header_index + 1 :]}
    assert by_name["Lường Văn Sơn"][4] == 10
    assert by_name["Lường Văn Sơn"][6] == 110
    assert "120 tiết/năm" in rows[2][0]
