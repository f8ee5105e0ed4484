"""The courses page shows an Open edX export's import report: what is shown, what sanitising
drops, missing files, broken links and dropped settings; a report stored by an older release
still shows."""

from __future__ import annotations

from sqlalchemy import select

from helpers import course_archive, upload_course
from lms_module.learning.models import Course, CourseVersion
from lms_module.people.models import Role

PAGE = "/admin/courses"
EXPORT = {
    "course.xml": '<course url_name="r1" org="SGD" course="BC1"/>',
    "course/r1.xml": (
        '<course display_name="Báo cáo nạp" audience="teacher" start="2026-09-05">'
        '<chapter url_name="c1"/></course>'
    ),
    "chapter/c1.xml": '<chapter display_name="Chương"><sequential url_name="s1"/></chapter>',
    "sequential/s1.xml": '<sequential format="Homework"><vertical url_name="v1"/></sequential>',
    "vertical/v1.xml": '<vertical><html url_name="h1"/><poll url_name="poll1"/></vertical>',
    "html/h1.xml": '<html filename="h1"/>',
    "html/h1.html": (
        '<p>Xem <a href="/jump_to_id/khong-co">bài khác</a> và <img src="/static/anh.png"></p>'
        "<script>alert(1)</script>"
    ),
    "policies/r1/policy.json": '{"course/r1": {"tabs": []}}',
    "policies/r1/grading_policy.json": '{"GRADE_CUTOFFS": {"Pass": 0.7}}',
}




def test_the_courses_page_shows_what_an_open_edx_import_kept_and_lost(
    make_user, tree, login, client
):
    login(make_user(Role.CONTENT_AUTHOR, tree["ministry"]))
    response = upload_course(client, course_archive(EXPORT), "bc.tar.gz")
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    assert "Ô giữ chỗ (chưa hỗ trợ)" in page and "<code>poll</code>" in page
    assert "<code>script</code>: 1 · trong h1" in page
    assert "<code>anh.png</code> · trong h1" in page
    assert "<code>/jump_to_id/khong-co</code> · trong h1" in page
    assert "<code>pass_mark</code>: 0.7 (grading_policy.json GRADE_CUTOFFS)" in page
    for dropped in ("policy.json tabs", "course start", "sequential format"):
        assert f"<code>{dropped}</code>" in page


def test_a_report_stored_by_an_older_release_still_shows(make_user, tree, login, client, db):
    login(make_user(Role.CONTENT_AUTHOR, tree["ministry"]))
    upload_course(client, course_archive(EXPORT), "bc.tar.gz")
    course = db.scalars(select(Course).where(Course.slug == "sgd-bc1-r1")).one()
    version = db.get(CourseVersion, course.current_version_id)
    version.report = {
        "course_slug": "sgd-bc1-r1", "version": 1, "new_version": True, "blocks": 6,
        "block_types": {"course": 1}, "unknown_types": {"poll": ["x"]}, "assets": 0,
        "warnings": [],
    }
    db.flush()
    # Loading the same archive again shows the stored (old) report.
    response = upload_course(client, course_archive(EXPORT), "bc.tar.gz")
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    assert "không đổi (phiên bản 1)" in page
    assert "<code>poll</code>: 1" in page
