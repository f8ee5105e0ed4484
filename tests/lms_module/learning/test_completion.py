"""A learner completes the course once: every required block done and the pass mark reached."""

from __future__ import annotations

import pytest
from learning_support import QUIZ, REFLECTION, RIGHT_ANSWERS, SCENARIO, UNITS, WRONG_ANSWERS
from sqlalchemy import delete, func, select

from helpers import open_unit
from lms_module.certification.models import Certificate
from lms_module.learning.models import Completion
from lms_module.learning.player import record_view
from lms_module.learning.services import complete_course_if_done, course_completed, course_progress


def _take_the_course(login, student, call_handler, client, slug, quiz_answers):
    login(student)
    for unit_id in UNITS:
        open_unit(client, slug, unit_id)
    assert call_handler(SCENARIO, "choose", {"step": "s1", "choice": "b"}).status_code == 200
    assert call_handler(SCENARIO, "choose", {"step": "s1", "choice": "a"}).status_code == 200
    assert call_handler(SCENARIO, "choose", {"step": "s2", "choice": "c"}).get_json()["finished"]
    assert call_handler(REFLECTION, "save_answer", {"answer": "Mẹ và cô Hoa"}).status_code == 200
    return call_handler(QUIZ, "submit", {"answers": quiz_answers})


def test_student_completes_the_sample_course_after_one_retry(
    login, student, sample_course, call_handler, client, db
):
    received = []

    def receiver(completion, **extra):
        received.append((completion.user_id, extra["course_version"].number))

    course_completed.connect(receiver)
    try:
        first = _take_the_course(
            login, student, call_handler, client, sample_course.slug, WRONG_ANSWERS
        )
        assert first.get_json()["passed"] is False
        assert db.scalar(select(func.count()).select_from(Completion)) == 0
        second = call_handler(QUIZ, "submit", {"answers": RIGHT_ANSWERS})
        assert second.get_json()["passed"] is True
    finally:
        course_completed.disconnect(receiver)
    progress = course_progress(db, student, sample_course)
    assert progress.percent == 100
    assert progress.passed
    assert received == [(student.id, 1)]
    assert db.scalar(select(func.count()).select_from(Completion)) == 1
    page = client.get(f"/courses/{sample_course.slug}/results").get_data(as_text=True)
    assert "Em đã hoàn thành khóa học" in page


def test_completion_is_recorded_once_however_often_it_is_checked(
    login, student, sample_course, call_handler, client, db
):
    _take_the_course(login, student, call_handler, client, sample_course.slug, RIGHT_ANSWERS)
    sent = []

    def receiver(completion, **_extra):
        sent.append(completion.id)

    course_completed.connect(receiver)  # a local function: blinker keeps weak references
    try:
        assert complete_course_if_done(db, student, sample_course) is None
        call_handler(QUIZ, "submit", {"answers": RIGHT_ANSWERS})
    finally:
        course_completed.disconnect(receiver)
    assert sent == []
    assert db.scalar(select(func.count()).select_from(Completion)) == 1


def test_a_failed_quiz_keeps_the_course_open(
    login, student, sample_course, call_handler, client, db
):
    _take_the_course(login, student, call_handler, client, sample_course.slug, WRONG_ANSWERS)
    progress = course_progress(db, student, sample_course)
    assert progress.all_complete
    assert progress.score == 0
    assert not progress.passed
    assert db.scalar(select(func.count()).select_from(Completion)) == 0


def test_viewing_a_unit_completes_its_plain_content_only(db, student, sample_course, urls):
    record_view(db, student, sample_course, UNITS[0], urls)
    record_view(db, student, sample_course, UNITS[1], urls)
    progress = course_progress(db, student, sample_course)
    assert progress.completion[UNITS[0]] == 1.0  # lesson + html: complete on view
    assert progress.completion[SCENARIO] == 0.0  # scenario: complete at an ending
    assert 0 < progress.percent < 100


@pytest.mark.parametrize("page", ["/courses", "/courses/{slug}", "/courses/{slug}/results"])
def test_a_page_showing_progress_records_a_passed_course_whose_completion_was_lost(
    page, login, student, sample_course, call_handler, client, db
):
    _take_the_course(login, student, call_handler, client, sample_course.slug, RIGHT_ANSWERS)
    # The state a lost completion left behind: passed, but neither completion nor certificate.
    db.execute(delete(Certificate).where(Certificate.user_id == student.id))
    db.execute(delete(Completion).where(Completion.user_id == student.id))
    sent = []

    def receiver(completion, **_extra):
        sent.append(completion.id)

    course_completed.connect(receiver)
    try:
        response = client.get(page.format(slug=sample_course.slug))
    finally:
        course_completed.disconnect(receiver)
    assert response.status_code == 200
    assert len(sent) == 1
    completion = db.scalars(select(Completion).where(Completion.user_id == student.id)).one()
    certificate = db.scalars(select(Certificate).where(Certificate.user_id == student.id)).one()
    assert certificate.completion_id == completion.id
    if page.endswith("results"):
        assert "Em đã hoàn thành khóa học" in response.get_data(as_text=True)
    # Opening it again records nothing more.
    assert client.get(page.format(slug=sample_course.slug)).status_code == 200
    assert db.scalar(select(func.count()).select_from(Certificate).where(
        Certificate.user_id == student.id)) == 1


def test_pages_showing_progress_write_nothing_before_the_course_is_passed(
    login, student, sample_course, call_handler, client, db
):
    _take_the_course(login, student, call_handler, client, sample_course.slug, WRONG_ANSWERS)
    for page in ("/courses", f"/courses/{sample_course.slug}",
                 f"/courses/{sample_course.slug}/results"):
        assert client.get(page).status_code == 200
    assert db.scalar(select(func.count()).select_from(Completion)) == 0
    assert db.scalar(select(func.count()).select_from(Certificate)) == 0
