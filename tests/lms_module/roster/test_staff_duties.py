"""Teachers' classes from the staff roster: "Lớp chủ nhiệm" and "Lớp giảng dạy" give each
teacher their homeroom and taught classes of the school year; re-importing replaces them."""

from __future__ import annotations

import html
import re

import pytest
from roster_files import csv_text, xlsx
from sqlalchemy import func, select

from helpers import PASSWORD, SCHOOL_YEAR, sign_in
from lms_module.orgs.models import OrgKind
from lms_module.people.models import ClassDuty, TeachingAssignment, User
from lms_module.people.services import set_password

HEADER = ["STT", "Mã cán bộ", "Họ và tên", "Chức vụ", "Lớp chủ nhiệm", "Lớp giảng dạy"]


@pytest.fixture
def classes(tree, make_unit):
    """2A (from the tree), 3A and 4B of the school year; 5A of last year."""
    school = tree["school"]
    return {
        "2A": tree["class"],
        "3A": make_unit(OrgKind.CLASS, school, name="3A", grade=3),
        "4B": make_unit(OrgKind.CLASS, school, name="4B", grade=4),
        "5A-old": make_unit(OrgKind.CLASS, school, name="5A", grade=5, school_year="2025-2026"),
    }


def duties(db, code: str) -> set[tuple[str, ClassDuty]]:
    """(class name, duty) of the teacher with staff code ``code`` in the school year."""
    return {
        (assignment.class_unit.name, assignment.duty)
        for assignment in db.scalars(
            select(TeachingAssignment)
            .join(User, User.id == TeachingAssignment.user_id)
            .where(User.staff_code == code, TeachingAssignment.school_year == SCHOOL_YEAR)
        )
    }


def page_text(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))
                    .split())


def test_classes_are_matched_loosely_and_separated_by_commas_or_semicolons(
    db, run_import, tree, classes
):
    rows = [HEADER,
            [1, "CB001", "Lò Văn Minh", "GVCN", "lớp 2a", "2A, 3a; 4 B"],
            [2, "CB002", "Đỗ Thị Thanh", "Phó hiệu trưởng", "", "3A"],
            [3, "CB003", "Vàng A Sử", "Giáo viên", "", ""]]
    plan = run_import(xlsx(rows), tree["school"], kind="staff")
    assert plan.problems == []
    assert duties(db, "CB001") == {
        ("2A", ClassDuty.HOMEROOM), ("2A", ClassDuty.SUBJECT), ("3A", ClassDuty.SUBJECT),
        ("4B", ClassDuty.SUBJECT)}
    assert duties(db, "CB002") == {("3A", ClassDuty.SUBJECT)}
    assert duties(db, "CB003") == set()
    minh = next(c for c in plan.changes if c.code == "CB001")
    assert minh.place == (
        "Giáo viên · Trường Tiểu học Tam Đường · chủ nhiệm 2A · giảng dạy 2A, 3A, 4B")


def test_other_header_names_are_accepted(db, run_import, tree, classes):
    rows = [["Mã GV", "Họ tên", "Chức danh", "GVCN lớp", "Lớp dạy"],
            ["CB001", "Lò Văn Minh", "Giáo viên", "3A", "3A;4B"]]
    assert run_import(csv_text(rows, "\t").encode(), tree["school"], kind="staff").problems == []
    assert duties(db, "CB001") == {
        ("3A", ClassDuty.HOMEROOM), ("3A", ClassDuty.SUBJECT), ("4B", ClassDuty.SUBJECT)}


def test_an_unknown_class_is_a_row_error_and_nothing_is_written(
    db, run_import, tree, classes, snapshot
):
    rows = [HEADER,
            [1, "CB001", "Lò Văn Minh", "Giáo viên", "2A", "2A, 2C"],
            [2, "CB002", "Đỗ Thị Thanh", "Giáo viên", "5A", ""]]  # 5A: last year's class only
    before = snapshot()
    plan = run_import(xlsx(rows), tree["school"], kind="staff")
    assert [(p.row, p.column, p.message) for p in plan.problems] == [
        (2, "Lớp giảng dạy (F)",
         "Không có lớp “2C” ở Trường Tiểu học Tam Đường trong năm học 2026-2027."),
        (3, "Lớp chủ nhiệm (E)",
         "Không có lớp “5A” ở Trường Tiểu học Tam Đường trong năm học 2026-2027."),
    ]
    assert "nhập danh sách học sinh trước" in plan.problems[0].fix
    assert snapshot() == before
    assert db.scalar(select(func.count()).select_from(TeachingAssignment)) == 0


def test_staff_other_than_teachers_have_no_classes(run_import, tree, classes):
    rows = [HEADER, [1, "CB009", "Vàng A Sử", "Bảo vệ", "2A", ""]]
    plan = run_import(xlsx(rows), tree["school"], kind="staff")
    assert [(p.row, p.message) for p in plan.problems] == [
        (2, "Nhân viên không có lớp chủ nhiệm hay lớp giảng dạy.")]


def test_reimport_replaces_that_teachers_duties_of_the_year(db, run_import, tree, classes):
    run_import(xlsx([HEADER,
                     [1, "CB001", "Lò Văn Minh", "Giáo viên", "2A", "2A, 3A"],
                     [2, "CB002", "Đỗ Thị Thanh", "Giáo viên", "4B", ""]]),
               tree["school"], kind="staff")
    plan = run_import(xlsx([HEADER, [1, "CB001", "Lò Văn Minh", "Giáo viên", "3A", "4B"]]),
                      tree["school"], kind="staff")
    assert plan.changes[0].status == "updated"
    assert plan.changes[0].changes == ["Lớp chủ nhiệm: 2A → 3A", "Lớp giảng dạy: 2A, 3A → 4B"]
    assert duties(db, "CB001") == {("3A", ClassDuty.HOMEROOM), ("4B", ClassDuty.SUBJECT)}
    assert duties(db, "CB002") == {("4B", ClassDuty.HOMEROOM)}  # not in the file: untouched
    # The same file again changes nothing.
    again = run_import(xlsx([HEADER, [1, "CB001", "Lò Văn Minh", "Giáo viên", "3A", "4B"]]),
                       tree["school"], kind="staff")
    assert again.counts == {"new": 0, "updated": 0, "unchanged": 1}


def test_a_file_without_the_duty_columns_keeps_the_recorded_duties(db, run_import, tree, classes):
    run_import(xlsx([HEADER, [1, "CB001", "Lò Văn Minh", "Giáo viên", "2A", "3A"]]),
               tree["school"], kind="staff")
    plan = run_import(xlsx([HEADER[:4], [1, "CB001", "Lò Văn Minh", "Giáo viên"]]),
                      tree["school"], kind="staff")
    assert plan.counts["unchanged"] == 1
    assert duties(db, "CB001") == {("2A", ClassDuty.HOMEROOM), ("3A", ClassDuty.SUBJECT)}
    # An empty cell under the column removes that duty.
    run_import(xlsx([HEADER, [1, "CB001", "Lò Văn Minh", "Giáo viên", "", "3A"]]),
               tree["school"], kind="staff")
    assert duties(db, "CB001") == {("3A", ClassDuty.SUBJECT)}


def test_the_preview_shows_the_duties_and_the_teacher_then_sees_the_class(
    db, client, login, manager, tree, classes, upload_file
):
    login(manager)
    rows = [HEADER, [1, "CB001", "Lò Văn Minh", "Giáo viên", "2A", "2A; 3A"]]
    preview = upload_file(tree["school"], xlsx(rows), "giao-vien.xlsx", kind="staff")
    assert preview.status_code == 302
    text = page_text(client.get(preview.headers["Location"]))
    assert "Giáo viên · Trường Tiểu học Tam Đường · chủ nhiệm 2A · giảng dạy 2A, 3A" in text
    assert db.scalar(select(func.count()).select_from(TeachingAssignment)) == 0  # preview only
    token = re.search(r'name="csrf_token" value="([^"]+)"',
                      client.get(preview.headers["Location"]).get_data(as_text=True))
    assert token
    confirm = preview.headers["Location"] + "/confirm"
    assert client.post(confirm, data={"csrf_token": token.group(1)}).status_code == 302
    minh = db.scalars(select(User).where(User.staff_code == "CB001")).one()
    set_password(minh, PASSWORD)
    db.flush()
    teacher = client.application.test_client()
    assert sign_in(teacher, minh.username).status_code == 302
    assert teacher.get(f"/classes/{classes['2A'].id}").status_code == 200
    assert teacher.get(f"/classes/{classes['3A'].id}").status_code == 200
    assert teacher.get(f"/classes/{classes['4B'].id}").status_code == 403


def test_the_template_has_the_duty_columns(client, login, manager, tree):
    from io import BytesIO

    from openpyxl import load_workbook

    login(manager)
    response = client.get(f"/units/{tree['school'].id}/roster/template.xlsx?kind=staff")
    sheet = load_workbook(BytesIO(response.data)).active
    assert [cell.value for cell in sheet[1]][-2:] == ["Lớp chủ nhiệm", "Lớp giảng dạy"]
