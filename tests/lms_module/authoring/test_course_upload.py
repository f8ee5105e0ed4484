"""Content authors load a course (.tar.gz OLX) from the admin page; broken archives load nothing."""

from __future__ import annotations

import html
import io
import tarfile

import pytest
from sqlalchemy import func, select

from helpers import course_archive, csrf_token_from, upload_course
from lms_module.audit.models import AuditEvent
from lms_module.learning.models import Course, CourseVersion
from lms_module.people.models import Role

PAGE = "/admin/courses"
COURSE_XML = (
    '<course slug="thu-nghiem" display_name="Khóa thử nghiệm" title_en="Trial course"'
    ' audience="teacher" pass_mark="0.8" validity_months="12">'
    '<chapter url_name="c1" display_name="Chương 1"><sequential url_name="s1">'
    '<vertical url_name="v1"><html url_name="h1"><p>{text}</p></html>'
    '<drag-and-drop-v2 url_name="dnd"/></vertical></sequential></chapter></course>'
)






def load_text(client, text: str):
    """Upload the course with ``text`` in its HTML block."""
    return upload_course(client, course_archive({"course.xml": COURSE_XML.format(text=text)}))


@pytest.fixture
def author(make_user, tree, login, client):
    login(make_user(Role.CONTENT_AUTHOR, tree["ministry"]))
    return client


def test_author_loads_a_course_and_sees_the_import_report(author, db):
    response = load_text(author, "Xin chào")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Đã nạp thu-nghiem, phiên bản 1" in page
    assert "drag-and-drop-v2" in page  # unknown block type listed in the report
    course = db.scalars(select(Course).where(Course.slug == "thu-nghiem")).one()
    assert course.title_en == "Trial course"
    assert db.scalars(select(AuditEvent.action).where(AuditEvent.action == "course_loaded")).one()


def test_loading_a_changed_course_makes_a_new_version(author, db):
    load_text(author, "Xin chào")
    same = load_text(author, "Xin chào")
    assert "không đổi (phiên bản 1)" in same.get_data(as_text=True)
    changed = load_text(author, "Chào các em")
    assert "phiên bản 2" in changed.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(CourseVersion)) == 2


def test_malformed_xml_names_the_file_and_line_and_loads_nothing(author, db):
    broken = course_archive({"course.xml": '<course slug="hong" display_name="Hỏng">\n<chapter>\n'})
    response = upload_course(author, broken)
    assert response.status_code == 400
    assert "course.xml" in response.get_data(as_text=True)
    assert "dòng" in response.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(Course)) == 0


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"%PDF-1.4 not a course", "khoa-hoc.pdf", "Chỉ nhận khóa học đóng gói .tar.gz (OLX)."),
        (b"\x1f\x8b\x08 broken gzip", "khoa-hoc.tar.gz", "Không đọc được tệp nén khoa-hoc.tar.gz"),
    ],
)
def test_files_that_are_not_course_archives_are_refused(author, db, data, filename, message):
    response = upload_course(author, data, filename)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(Course)) == 0


def test_form_without_a_file_asks_for_one(author):
    token = csrf_token_from(author, PAGE)
    response = author.post(PAGE, data={"csrf_token": token}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Hãy chọn tệp khóa học .tar.gz." in response.get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.TEACHER, Role.SCHOOL_MANAGER, Role.OFFICE_REVIEWER])
def test_other_roles_cannot_load_courses(client, login, make_user, tree, role):
    login(make_user(role, tree["school"]))
    assert client.get(PAGE).status_code == 403


@pytest.mark.parametrize(
    ("attributes", "shown"),
    [
        ('display_name="=HYPERLINK(&quot;http://evil.example&quot;,&quot;x&quot;)"',
         'display_name=“=HYPERLINK("http://evil.example","x")”'),
        ('display_name="Khóa thử nghiệm" title_en="@SUM(A1)"', "title_en=“@SUM(A1)”"),
        ('display_name="-Khóa thử nghiệm"', "display_name=“-Khóa thử nghiệm”"),
    ],
)
def test_course_title_that_excel_would_run_as_a_formula_is_refused(author, db, attributes, shown):
    course_xml = (f'<course slug="thu-nghiem" {attributes} audience="teacher">'
                  '<chapter url_name="c1"/></course>')
    response = upload_course(author, course_archive({"course.xml": course_xml}))
    assert response.status_code == 400
    page = html.unescape(response.get_data(as_text=True))
    assert f"{shown} không được bắt đầu bằng dấu = + - @" in page
    assert db.scalar(select(func.count()).select_from(Course)) == 0


def test_a_course_archive_larger_than_an_ordinary_form_loads(app, author, db):
    """Course archives carry pictures and audio: they get LMS_MAX_COURSE_BYTES, not 256 KiB."""
    import os

    picture = os.urandom(400 * 1024)  # does not compress: the archive stays this large
    files = {"course.xml": COURSE_XML.format(text="Xin chào")}
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in [*((n, t.encode()) for n, t in files.items()),
                           ("static/tranh.bin", picture)]:
            info = tarfile.TarInfo(f"course/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    data = buffer.getvalue()
    assert app.config["LMS_MAX_REQUEST_BYTES"] < len(data) < app.config["LMS_MAX_COURSE_BYTES"]
    response = upload_course(author, data)
    assert response.status_code == 200
    assert "Đã nạp thu-nghiem, phiên bản 1" in response.get_data(as_text=True)
