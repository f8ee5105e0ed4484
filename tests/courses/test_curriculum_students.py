"""The demo loads the curriculum; a student of each grade band sees exactly their course."""

from __future__ import annotations

from sqlalchemy import func, select

from helpers import sign_in
from lms_module.demo.services import DEMO_PASSWORD, curriculum_folders
from lms_module.learning.models import Audience, Course, CourseVersion
from lms_module.learning.services import courses_for_user
from lms_module.people.services import user_by_username

#: The demo's student of each grade band and the one course they must see.
STUDENT_COURSES = {
    "hs.thtp.2": ("an-toan-cua-em", "An toàn của em (lớp 1-2)"),
    "hs.thtp.4": ("em-biet-tu-bao-ve", "Em biết tự bảo vệ (lớp 3-5)"),
    "hs.lcshptdtbt.7": ("truong-hoc-an-toan-6-9", "Trường học an toàn (lớp 6-9)"),
    "hs.thptlc.11": ("ton-trong-va-an-toan", "Tôn trọng và an toàn (lớp 10-12)"),
}


def test_the_demo_loads_every_course_folder_but_the_sample(runner, db):
    result = runner.invoke(args=["lms", "demo"])
    assert result.exit_code == 0, result.output
    slugs = set(db.scalars(select(Course.slug).where(Course.current_version_id.is_not(None))))
    assert {slug for slug, _title in STUDENT_COURSES.values()} <= slugs
    assert "em-an-toan-lop-1-2" not in slugs  # the runtime's test fixture
    assert len(slugs) == len(curriculum_folders())
    for slug, _title in STUDENT_COURSES.values():
        course = db.scalars(select(Course).where(Course.slug == slug)).one()
        assert course.audience is Audience.STUDENT
        assert course.pass_mark == 0.7
        assert course.valid_for_school_year and course.validity_months is None


def test_each_demo_student_sees_exactly_their_grade_bands_course(runner, db, app):
    assert runner.invoke(args=["lms", "demo"]).exit_code == 0
    for username, (slug, title) in STUDENT_COURSES.items():
        client = app.test_client()  # a browser of their own
        student = user_by_username(db, username)
        assert student is not None, username
        assert [c.slug for c in courses_for_user(db, student)] == [slug], username
        assert sign_in(client, username, DEMO_PASSWORD).status_code == 302
        page = client.get("/courses").get_data(as_text=True)
        assert title in page, username
        for other_slug, other_title in STUDENT_COURSES.values():
            if other_slug != slug:
                assert other_title not in page, (username, other_title)


def test_running_the_demo_again_makes_no_new_course_versions(runner, db):
    assert runner.invoke(args=["lms", "demo"]).exit_code == 0
    versions = db.scalar(select(func.count()).select_from(CourseVersion))
    again = runner.invoke(args=["lms", "demo"])
    assert again.exit_code == 0, again.output
    assert db.scalar(select(func.count()).select_from(CourseVersion)) == versions
