"""An author requires re-training of only the people certified before a date: their
certificates stop counting after the deadline, coverage and training statuses agree, the
others keep theirs; bad input gets a Vietnamese answer, never a 500."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from helpers import SCHOOL_YEAR, csrf_token_from, make_course, record_certificate, sign_in
from lms_module.audit.models import AuditEvent
from lms_module.certification.services import CertificateStatus, certificate_status
from lms_module.coverage.figures import target_report
from lms_module.learning.models import AttemptReason, Audience, CourseAttempt, RetrainingRule
from lms_module.obligations.models import Requirement
from lms_module.obligations.query import obligations
from lms_module.obligations.statuses import TrainingStatus
from lms_module.obligations.targets import set_target
from lms_module.people.models import Role
from lms_module.school_years.year import SchoolYear

TODAY = dt.datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()
PAGE = "/admin/courses"
RULE = "/admin/courses/retraining"


def _day(offset: int) -> str:
    return (TODAY + dt.timedelta(days=offset)).strftime("%d/%m/%Y")


@pytest.fixture
def school_with_teachers(db, tree, make_user):
    """Two teachers of one course: Hà certified long ago, Minh last week; a teachers' target."""
    course = make_course(db, "an-toan-gv", Audience.TEACHER)
    early = make_user(Role.TEACHER, tree["school"], full_name="Lê Thu Hà")
    late = make_user(Role.TEACHER, tree["school"], full_name="Phạm Văn Minh")
    year_later = TODAY + dt.timedelta(days=300)
    old = record_certificate(db, early, course, issued=TODAY - dt.timedelta(days=60),
                             expires=year_later)
    recent = record_certificate(db, late, course, issued=TODAY - dt.timedelta(days=7),
                                expires=year_later)
    requirement = Requirement(code="gv-an-toan", title_vi="Bồi dưỡng trường học an toàn",
                              courses=[course])
    db.add(requirement)
    db.flush()
    target = set_target(db, unit=tree["school"], audience=Audience.TEACHER,
                        requirement=requirement, percent=100, school_year=SCHOOL_YEAR,
                        deadline=SchoolYear.parse(SCHOOL_YEAR).reporting_end)
    return {"course": course, "early": early, "late": late, "old": old, "recent": recent,
            "target": target}


def _post_rule(client, course_id, before, by, reason="Sửa bài 2"):
    token = csrf_token_from(client, PAGE)
    return client.post(RULE, data={"csrf_token": token, "course": str(course_id),
                                   "issued_before": before, "retrain_by": by,
                                   "reason": reason})


def test_only_people_certified_before_the_date_must_retrain(
    client, db, tree, make_user, login, school_with_teachers
):
    s = school_with_teachers
    login(make_user(Role.CONTENT_AUTHOR, tree["ministry"]))

    response = _post_rule(client, s["course"].id, _day(-30), _day(20))

    assert response.status_code == 302
    db.expire_all()
    assert s["old"].retrain_by == TODAY + dt.timedelta(days=20)
    assert s["recent"].retrain_by is None
    [attempt] = db.scalars(select(CourseAttempt)).all()
    assert (attempt.user_id, attempt.reason, attempt.certificate_id) == (
        s["early"].id, AttemptReason.RETRAINING, s["old"].id)
    assert db.scalars(select(RetrainingRule)).one().created_by_id is not None
    assert db.scalars(select(AuditEvent).where(
        AuditEvent.action == "retraining_rule_added")).one()
    page = client.get(PAGE).get_data(as_text=True)
    assert f"phải học lại trước ngày {_day(20)}" in page
    # Until the deadline both still count; the early one is expiring.
    assert target_report(db, s["target"], tree["school"], TODAY).figures.covered == 2
    statuses = {o.user_id: o.status(60) for o in obligations(
        db, school_year=SCHOOL_YEAR, today=TODAY, within=tree["school"])}
    assert statuses == {s["early"].id: TrainingStatus.EXPIRING,
                        s["late"].id: TrainingStatus.CERTIFIED}
    client.get("/logout")
    sign_in(client, s["early"].username)
    mine = client.get("/certificates").get_data(as_text=True)
    assert f"Cần học lại trước ngày {_day(20)}" in mine


def test_after_the_deadline_coverage_and_training_status_agree(
    client, db, tree, make_user, login, school_with_teachers
):
    s = school_with_teachers
    login(make_user(Role.CONTENT_AUTHOR, tree["ministry"]))
    assert _post_rule(client, s["course"].id, _day(-30), _day(0)).status_code == 302
    db.expire_all()
    s["old"].retrain_by = TODAY - dt.timedelta(days=1)  # the deadline has passed
    db.flush()

    assert certificate_status(s["old"], TODAY) is CertificateStatus.EXPIRED
    assert certificate_status(s["recent"], TODAY) is CertificateStatus.VALID
    figures = target_report(db, s["target"], tree["school"], TODAY).figures
    assert (figures.population, figures.covered) == (2, 1)
    client.get("/logout")
    login(make_user(Role.SCHOOL_MANAGER, tree["school"]))
    page = client.get(f"/units/{tree['school'].id}/training-status").get_data(as_text=True)
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", page, flags=re.S)
    [row_ha] = [row for row in rows if "Lê Thu Hà" in row]
    assert "Đã hết hạn" in row_ha
    # Certified since the date: not listed among those who must act.
    assert not [row for row in rows if "Phạm Văn Minh" in row and "Đã hết hạn" in row]
    client.get("/logout")
    sign_in(client, s["early"].username)
    assert "Hết hạn học lại ngày" in client.get("/certificates").get_data(as_text=True)


@pytest.mark.parametrize(("before", "by", "message"), [
    ("31-12-2026", "+20", "Ngày phải có dạng ngày/tháng/năm"),
    ("-30", "", "Hãy nhập hạn học lại"),
    ("-30", "-2", "Hạn học lại đã qua"),
    ("+40", "+50", "không được sau ngày mai"),
])
def test_bad_dates_are_refused_in_vietnamese(
    client, db, tree, make_user, login, school_with_teachers, before, by, message
):
    login(make_user(Role.CONTENT_AUTHOR, tree["ministry"]))

    def typed(value):
        return _day(int(value)) if value and value[0] in "+-" else value

    response = _post_rule(client, school_with_teachers["course"].id, typed(before), typed(by))

    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.scalars(select(RetrainingRule)).all() == []


def test_an_unknown_course_is_refused(client, tree, make_user, login, school_with_teachers):
    login(make_user(Role.CONTENT_AUTHOR, tree["ministry"]))
    response = _post_rule(client, 999999, _day(-30), _day(20))
    assert response.status_code == 400
    assert "Hãy chọn một khóa học đã nạp." in response.get_data(as_text=True)


def test_a_teacher_cannot_set_a_rule(client, db, tree, login, school_with_teachers):
    login(school_with_teachers["early"])
    token = csrf_token_from(client, "/certificates")
    response = client.post(RULE, data={"csrf_token": token,
                                       "course": str(school_with_teachers["course"].id),
                                       "issued_before": _day(-30), "retrain_by": _day(20)})
    assert response.status_code == 403
    assert db.scalars(select(RetrainingRule)).all() == []
