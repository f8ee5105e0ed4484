"""A certificate that ends opens the course again: the retake counts afresh, and completing it
issues a new certificate while the old one stays in the history as expired."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from learning_support import QUIZ, REFLECTION, RIGHT_ANSWERS, SCENARIO, UNITS
from sqlalchemy import func, select

from helpers import SCHOOL_YEAR, csrf_token_from, open_unit
from lms_module.certification.models import Certificate
from lms_module.certification.services import (
    CertificateStatus,
    certificate_status,
    course_expiry,
)
from lms_module.coverage.figures import target_report
from lms_module.learning.models import AttemptReason, Completion, CourseAttempt
from lms_module.learning.services import complete_course_if_done, course_progress
from lms_module.obligations.models import Requirement
from lms_module.obligations.query import obligations
from lms_module.obligations.targets import set_target
from lms_module.school_years.year import SchoolYear

TODAY = dt.datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()
#: An answer option shown chosen.
CHECKED = re.compile(r"<input[^>]*\bchecked\b")


def _take_the_course(client, call_handler, slug):
    for unit_id in UNITS:
        open_unit(client, slug, unit_id)
    call_handler(SCENARIO, "choose", {"step": "s1", "choice": "a"})
    call_handler(SCENARIO, "choose", {"step": "s2", "choice": "c"})
    call_handler(REFLECTION, "save_answer", {"answer": "Mẹ và cô Hoa"})
    return call_handler(QUIZ, "submit", {"answers": RIGHT_ANSWERS})


def _certificates(db, user):
    return list(db.scalars(select(Certificate).where(Certificate.user_id == user.id)
                           .order_by(Certificate.id)))


def _let_it_expire(db, certificate):
    """A year goes by: the certificate was issued a year ago and ended yesterday."""
    certificate.issued_on = TODAY - dt.timedelta(days=380)
    certificate.expires_on = TODAY - dt.timedelta(days=1)
    db.flush()


def _renew(client, slug):
    token = csrf_token_from(client, f"/courses/{slug}")
    return client.post(f"/courses/{slug}/renew", data={"csrf_token": token})


def test_renewal_issues_a_new_certificate_and_keeps_the_old_one_as_expired(
    login, student, sample_course, call_handler, client, db
):
    login(student)
    assert _take_the_course(client, call_handler, sample_course.slug).get_json()["passed"]
    [old] = _certificates(db, student)
    _let_it_expire(db, old)
    outline = client.get(f"/courses/{sample_course.slug}").get_data(as_text=True)
    assert "Học lại để gia hạn" in outline

    response = _renew(client, sample_course.slug)

    assert response.status_code == 302
    attempt = db.scalars(select(CourseAttempt).where(CourseAttempt.user_id == student.id)).one()
    assert (attempt.number, attempt.reason, attempt.certificate_id) == (
        2, AttemptReason.RENEWAL, old.id)
    assert "Lần học thứ 2" in client.get(f"/courses/{sample_course.slug}").get_data(as_text=True)

    assert _take_the_course(client, call_handler, sample_course.slug).get_json()["passed"]
    db.expire_all()
    old_again, new = _certificates(db, student)
    assert old_again.id == old.id
    assert new.serial != old.serial and new.code != old.code
    assert new.issued_on == TODAY
    assert new.expires_on == course_expiry(sample_course, TODAY)
    assert new.completion.attempt == 2
    assert old.revoked_at is None
    assert certificate_status(old, TODAY) is CertificateStatus.EXPIRED
    assert certificate_status(new, TODAY) is CertificateStatus.VALID
    mine = client.get("/certificates").get_data(as_text=True)
    assert new.serial in mine and old.serial in mine
    assert "Hết hạn ngày" in mine and "Đã thu hồi" not in mine
    assert "Học lại để gia hạn" not in mine


def test_coverage_and_statuses_count_the_renewed_person_once(
    login, student, sample_course, call_handler, client, db, tree
):
    requirement = Requirement(code="ky-nang", title_vi="Kỹ năng tự bảo vệ",
                              courses=[sample_course])
    db.add(requirement)
    db.flush()
    target = set_target(db, unit=tree["school"], audience=sample_course.audience,
                        requirement=requirement, percent=95, school_year=SCHOOL_YEAR,
                        deadline=SchoolYear.parse(SCHOOL_YEAR).reporting_end)
    login(student)
    _take_the_course(client, call_handler, sample_course.slug)
    [old] = _certificates(db, student)
    _let_it_expire(db, old)
    assert target_report(db, target, tree["school"], TODAY).figures.covered == 0
    _renew(client, sample_course.slug)
    _take_the_course(client, call_handler, sample_course.slug)

    figures = target_report(db, target, tree["school"], TODAY).figures
    assert (figures.population, figures.covered) == (1, 1)
    [obligation] = obligations(db, school_year=SCHOOL_YEAR, today=TODAY, user=student)
    assert obligation.covered
    assert obligation.expires_on == course_expiry(sample_course, TODAY)


def test_a_retake_starts_from_zero_and_old_answers_do_not_complete_it(
    login, student, sample_course, call_handler, client, db
):
    login(student)
    _take_the_course(client, call_handler, sample_course.slug)
    [old] = _certificates(db, student)
    _let_it_expire(db, old)
    _renew(client, sample_course.slug)

    progress = course_progress(db, student, sample_course)
    assert (progress.percent, progress.scores, progress.completed_at) == (0, {}, None)
    assert complete_course_if_done(db, student, sample_course) is None
    # The scenario's old path is not remembered: its state starts over.
    state = call_handler(SCENARIO, "choose", {"step": "s1", "choice": "a"}).get_json()
    assert not state.get("finished")
    # Only the quiz answered again: the rest of the retake is not done, nothing is completed.
    call_handler(QUIZ, "submit", {"answers": RIGHT_ANSWERS})
    assert db.scalar(select(func.count()).select_from(Completion)
                     .where(Completion.user_id == student.id)) == 1
    assert len(_certificates(db, student)) == 1
    assert course_progress(db, student, sample_course).percent < 100


def test_after_a_retake_the_unit_page_shows_the_quiz_without_the_old_answers(
    login, student, sample_course, call_handler, client, db
):
    login(student)
    _take_the_course(client, call_handler, sample_course.slug)
    quiz_unit = f"/courses/{sample_course.slug}/units/{UNITS[2]}"
    assert CHECKED.findall(client.get(quiz_unit).get_data(as_text=True))
    [old] = _certificates(db, student)
    _let_it_expire(db, old)
    _renew(client, sample_course.slug)

    page = client.get(quiz_unit).get_data(as_text=True)
    assert 'class="cb-quiz"' in page
    assert CHECKED.findall(page) == []


def test_nothing_to_renew_while_the_certificate_is_far_from_its_end(
    login, student, sample_course, call_handler, client, db
):
    login(student)
    _take_the_course(client, call_handler, sample_course.slug)
    [certificate] = _certificates(db, student)
    certificate.expires_on = TODAY + dt.timedelta(days=365)
    db.flush()

    response = _renew(client, sample_course.slug)

    assert response.status_code == 400
    assert "Chưa cần học lại khóa học này" in response.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(CourseAttempt)) == 0


def test_renewing_twice_opens_the_course_once(
    login, student, sample_course, call_handler, client, db
):
    login(student)
    _take_the_course(client, call_handler, sample_course.slug)
    [old] = _certificates(db, student)
    _let_it_expire(db, old)
    assert _renew(client, sample_course.slug).status_code == 302
    assert _renew(client, sample_course.slug).status_code == 400
    assert db.scalar(select(func.count()).select_from(CourseAttempt)) == 1
