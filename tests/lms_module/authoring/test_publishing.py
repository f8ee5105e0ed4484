"""An imported course is not offered to every grade at once: a course whose OLX does not say
who it is for (an Open edX export) loads as a draft, and an admin chooses its audience and
grade band before it is published."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from helpers import course_archive, csrf_token_from, sign_in, upload_course
from lms_module.audit.models import AuditEvent
from lms_module.learning.models import Audience, Course
from lms_module.people.models import Role

#: An Open edX export's course root: a title, no audience, no grade band.
EXPORT_XML = (
    '<course slug="ky-nang-song" display_name="Kỹ năng sống">'
    '<chapter url_name="c1" display_name="Chương 1"><sequential url_name="s1">'
    '<vertical url_name="v1"><html url_name="h1"><p>{text}</p></html>'
    "</vertical></sequential></chapter></course>"
)
PUBLISH_LINK = re.compile(r'href="(/admin/courses/\d+/publish)"')


@pytest.fixture
def author(make_user, tree, login, client):
    login(make_user(Role.CONTENT_AUTHOR, tree["ministry"]))
    return client


def course(db) -> Course:
    return db.scalars(select(Course).where(Course.slug == "ky-nang-song")).one()


def publish(client, url: str, **fields: str):
    return client.post(url, data={"csrf_token": csrf_token_from(client, url), **fields})


def loaded_draft(author, text: str = "Xin chào") -> str:
    """Upload the export; return its publish page's URL (linked from the report)."""
    response = upload_course(author, course_archive({"course.xml": EXPORT_XML.format(text=text)}))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "chưa được công bố" in page
    match = PUBLISH_LINK.search(page)
    assert match
    return match.group(1)


def test_an_export_without_an_audience_loads_as_a_draft_no_learner_sees(
    author, db, make_user, tree, client
):
    url = loaded_draft(author)
    assert course(db).current_version_id is None
    assert "Chưa công bố: chọn đối tượng học" in author.get("/admin/courses").get_data(
        as_text=True
    )
    student = make_user(Role.STUDENT, tree["class"])
    assert sign_in(client, student.username).status_code == 302
    assert "Kỹ năng sống" not in client.get("/courses").get_data(as_text=True)
    assert client.get("/courses/ky-nang-song").status_code == 404
    assert client.get(url).status_code == 403  # only authors and admins publish


def test_the_publish_page_shows_the_import_report_and_asks_for_a_grade_band(author, db):
    url = loaded_draft(author)
    page = author.get(url).get_data(as_text=True)
    assert "Kết quả nạp khóa học" in page and "phiên bản 1" in page
    refused = publish(author, url, audience="student")
    assert refused.status_code == 400
    assert "Hãy chọn khối lớp" in refused.get_data(as_text=True)
    reversed_band = publish(author, url, audience="student", grade_min="9", grade_max="6")
    assert reversed_band.status_code == 400
    assert "phải nhỏ hơn hoặc bằng" in reversed_band.get_data(as_text=True)
    adults_with_grades = publish(author, url, audience="teacher", grade_min="1", grade_max="5")
    assert adults_with_grades.status_code == 400
    assert "Chỉ khóa học cho học sinh có khối lớp" in adults_with_grades.get_data(as_text=True)
    assert publish(author, url, audience="everyone").status_code == 400
    assert course(db).current_version_id is None


def test_published_for_a_grade_band_only_those_grades_see_it(
    author, db, make_user, make_unit, tree, client
):
    url = loaded_draft(author)
    response = publish(author, url, audience="student", grade_min="1", grade_max="2")
    assert response.status_code == 302
    published = course(db)
    assert published.current_version_id is not None
    assert (published.audience, published.grade_min, published.grade_max) == (
        Audience.STUDENT, 1, 2
    )
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "course_published")).one()
    assert event.detail["grade_min"] == 1 and event.detail["grade_max"] == 2
    grade_2 = make_user(Role.STUDENT, tree["class"])  # class 2A
    grade_3 = make_user(Role.STUDENT, tree["other_class"])  # class 3B
    assert sign_in(client, grade_2.username).status_code == 302
    assert "Kỹ năng sống" in client.get("/courses").get_data(as_text=True)
    assert sign_in(client, grade_3.username).status_code == 302
    assert "Kỹ năng sống" not in client.get("/courses").get_data(as_text=True)


def test_a_published_course_keeps_its_audience_and_a_new_version_is_published_at_once(
    author, db
):
    url = loaded_draft(author)
    assert publish(author, url, audience="teacher").status_code == 302
    again = publish(author, url, audience="student", grade_min="1", grade_max="5")
    assert again.status_code == 409
    export = {"course.xml": EXPORT_XML.format(text="Chào thầy cô")}
    response = upload_course(author, course_archive(export))
    assert "phiên bản 2" in response.get_data(as_text=True)
    assert "chưa được công bố" not in response.get_data(as_text=True)
    reloaded = course(db)
    assert reloaded.audience is Audience.TEACHER and reloaded.grade_min is None
    assert reloaded.current_version is not None and reloaded.current_version.number == 2


def test_load_course_command_publishes_with_audience_and_grades_or_says_it_did_not(
    runner, db, tmp_path
):
    folder = tmp_path / "khoa"
    folder.mkdir()
    (folder / "course.xml").write_text(EXPORT_XML.format(text="Xin chào"), encoding="utf-8")
    draft = runner.invoke(args=["lms", "load-course", str(folder)])
    assert draft.exit_code == 0, draft.output
    assert "chưa được công bố" in draft.output
    assert course(db).current_version_id is None
    bad = runner.invoke(args=["lms", "load-course", str(folder), "--audience", "student",
                              "--grades", "sáu"])
    assert bad.exit_code == 2 and "ví dụ 6-9" in bad.output
    done = runner.invoke(args=["lms", "load-course", str(folder), "--audience", "student",
                               "--grades", "6-9"])
    assert done.exit_code == 0, done.output
    assert "chưa được công bố" not in done.output
    published = course(db)
    assert published.current_version_id is not None
    assert (published.grade_min, published.grade_max) == (6, 9)
