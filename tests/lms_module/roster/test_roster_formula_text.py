"""Names, codes and class names that a spreadsheet would run as a formula are refused on import.

They end up in the reports offices open in Excel; a row error says which cell and how to fix it,
and the file is refused as a whole.
"""

from __future__ import annotations

import html
import io
from collections.abc import Sequence
from typing import Any

import pytest
from openpyxl import Workbook
from roster_files import STUDENT_HEADER, csv_text, xlsx
from sqlalchemy import select

from lms_module.orgs.models import OrgUnit
from lms_module.people.models import User

LINK = '=HYPERLINK("http://evil.example","x")'
STAFF_HEADER = ["Mã cán bộ", "Họ và tên", "Chức vụ", "Email", "Số điện thoại"]
UNIT_HEADER = ["Mã đơn vị", "Tên đơn vị", "Loại", "Đơn vị cấp trên", "Cấp học"]


def text_xlsx(rows: Sequence[Sequence[Any]]) -> bytes:
    """An .xlsx whose cells are typed as text, as Excel keeps '=... typed with an apostrophe."""
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(list(row))
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def messages(plan) -> list[str]:
    return [f"{p.row}|{p.column}|{p.message}" for p in plan.problems]


def test_student_named_with_a_leading_minus_is_refused_on_the_preview(
    login, manager, tree, upload_file, snapshot
):
    login(manager)
    before = snapshot()
    rows = [STUDENT_HEADER, ["1", "012345678901", "Nguyễn Thị Hoa", "2A"],
            ["2", "012345678902", "-Nguyễn Văn Dũng", "2A"]]
    response = upload_file(tree["school"], xlsx(rows), "ds.xlsx")
    page = html.unescape(response.get_data(as_text=True))
    assert "Ô C3 bắt đầu bằng “-”: Excel sẽ hiểu nội dung ô là công thức." in page
    assert "Tên, mã và tên lớp không được bắt đầu bằng dấu = + - @." in page
    assert "Họ và tên (C)" in page
    assert "Xác nhận nhập" not in page
    assert snapshot() == before  # the good row is not imported either


@pytest.mark.parametrize("value", [LINK, "+1", "-2+3", "@SUM(A1)"])
@pytest.mark.parametrize("column", [1, 2, 3], ids=["code", "name", "class"])
def test_student_cells_starting_like_a_formula_are_refused(
    run_import, tree, snapshot, value, column
):
    row = ["1", "012345678901", "Nguyễn Thị Hoa", "2A"]
    row[column] = value
    before = snapshot()
    plan = run_import(text_xlsx([STUDENT_HEADER, row]), tree["school"])
    letter = "BCD"[column - 1]
    assert messages(plan) == [
        f"2|{STUDENT_HEADER[column]} ({letter})|Ô {letter}2 bắt đầu bằng “{value[0]}”: Excel sẽ "
        "hiểu nội dung ô là công thức."
    ]
    assert snapshot() == before


@pytest.mark.parametrize("value", ["+1", "-2+3", "@SUM(A1)", "\t@SUM(A1)"])
def test_formula_like_class_names_in_a_csv_file_are_refused(run_import, tree, snapshot, value):
    before = snapshot()
    data = csv_text([STUDENT_HEADER, ["1", "012345678901", "Nguyễn Thị Hoa", value]]).encode()
    plan = run_import(data, tree["school"], filename="ds.csv")
    assert [p.message for p in plan.problems] == [
        f"Ô D2 bắt đầu bằng “{value.strip()[0]}”: Excel sẽ hiểu nội dung ô là công thức."]
    assert snapshot() == before


def test_formula_in_a_csv_cell_is_still_refused_as_a_formula(run_import, tree):
    data = csv_text([STUDENT_HEADER, ["1", "012345678901", "Nguyễn Thị Hoa", "\t=1+1"]]).encode()
    plan = run_import(data, tree["school"], filename="ds.csv")
    assert [p.message for p in plan.problems] == ["Ô D2 chứa công thức, hãy dán giá trị."]


def test_class_name_that_becomes_formula_like_without_its_lop_prefix_is_refused(
    run_import, tree, snapshot
):
    before = snapshot()
    plan = run_import(xlsx([STUDENT_HEADER, ["1", "012345678901", "Nguyễn Thị Hoa", "Lớp -2A"]]),
                      tree["school"])
    assert [p.message for p in plan.problems] == [
        "Tên “-2A” bắt đầu bằng “-”: Excel sẽ hiểu tên này là công thức."]
    assert snapshot() == before


def test_class_name_with_a_control_character_is_refused(run_import, tree, snapshot):
    before = snapshot()
    data = csv_text([STUDENT_HEADER, ["1", "012345678901", "Nguyễn Thị Hoa", "2A\x07"]]).encode()
    plan = run_import(data, tree["school"], filename="ds.csv")
    assert [p.message for p in plan.problems] == [
        "Tên “2A�” chứa ký tự điều khiển (ký tự ẩn)."]
    assert snapshot() == before


def test_family_name_column_starting_like_a_formula_is_refused(run_import, tree):
    header = ["Mã định danh", "Họ đệm", "Tên", "Lớp"]
    plan = run_import(xlsx([header, ["012345678901", "@Nguyễn Văn", "Dũng", "2A"]]),
                      tree["school"])
    assert [p.column for p in plan.problems] == ["Họ đệm (B)"]


def test_leading_tab_is_trimmed_and_the_name_imported(db, run_import, tree):
    data = csv_text([STUDENT_HEADER, ["1", "012345678901", "\tNguyễn Thị Hoa", "2A"]],
                    delimiter=";").encode()
    plan = run_import(data, tree["school"], filename="ds.csv")
    assert plan.problems == []
    hoa = db.scalars(select(User).where(User.student_code == "012345678901")).one()
    assert hoa.full_name == "Nguyễn Thị Hoa"


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (["-2+3", "Lò Văn Minh", "Giáo viên", "", ""],
         "Ô A2 bắt đầu bằng “-”: Excel sẽ hiểu nội dung ô là công thức."),
        (["'-2+3", "Lò Văn Minh", "Giáo viên", "", ""], "Mã cán bộ “-2+3” không hợp lệ."),
        (["CB001", "+Lò Văn Minh", "Giáo viên", "", ""],
         "Ô B2 bắt đầu bằng “+”: Excel sẽ hiểu nội dung ô là công thức."),
        (["CB001", "Lò Văn Minh", "@GV", "", ""],
         "Ô C2 bắt đầu bằng “@”: Excel sẽ hiểu nội dung ô là công thức."),
        (["CB001", "Lò Văn Minh", "Giáo viên", "=cmd@evil.example", ""],
         "Ô D2 bắt đầu bằng “=”: Excel sẽ hiểu nội dung ô là công thức."),
    ],
    ids=["code", "code behind an apostrophe", "name", "role", "email"],
)
def test_staff_cells_starting_like_a_formula_are_refused(run_import, tree, snapshot, row, message):
    before = snapshot()
    plan = run_import(text_xlsx([STAFF_HEADER, row]), tree["school"], kind="staff")
    assert [p.message for p in plan.problems] == [message]
    assert snapshot() == before


def test_email_with_a_control_character_is_refused(run_import, tree, snapshot):
    before = snapshot()
    data = csv_text([STAFF_HEADER, ["CB001", "Lò Văn Minh", "GV", "minh\x07@truong.edu.vn", ""]])
    plan = run_import(data.encode(), tree["school"], kind="staff", filename="cb.csv")
    assert [p.message for p in plan.problems] == ["Email “minh\x07@truong.edu.vn” không hợp lệ."]
    assert snapshot() == before


def test_phone_number_with_a_country_code_is_still_accepted(db, run_import, tree):
    plan = run_import(
        text_xlsx([STAFF_HEADER, ["CB001", "Lò Văn Minh", "Giáo viên", "", "+84912345678"]]),
        tree["school"], kind="staff",
    )
    assert plan.problems == []
    minh = db.scalars(select(User).where(User.staff_code == "CB001")).one()
    assert minh.phone == "+84912345678"


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (["-XA", "Xã Bản Hon", "Xã", "{province}", ""],
         "Ô A2 bắt đầu bằng “-”: Excel sẽ hiểu nội dung ô là công thức."),
        (["'-XA", "Xã Bản Hon", "Xã", "{province}", ""], "Mã đơn vị “-XA” không hợp lệ."),
        (["XA-BANHON", LINK, "Xã", "{province}", ""],
         "Ô B2 bắt đầu bằng “=”: Excel sẽ hiểu nội dung ô là công thức."),
        (["XA-BANHON", "@SUM(A1)", "Xã", "{province}", ""],
         "Ô B2 bắt đầu bằng “@”: Excel sẽ hiểu nội dung ô là công thức."),
        (["XA-BANHON", "'+1 Xã", "Xã", "{province}", ""],
         "Tên “'+1 Xã” có ký tự không hợp lệ: +"),
    ],
    ids=["code", "code behind an apostrophe", "name", "name with at", "name behind an apostrophe"],
)
def test_unit_cells_starting_like_a_formula_are_refused(
    run_import, admin, tree, snapshot, row, message
):
    before = snapshot()
    row = [cell.format(province=tree["province"].code) for cell in row]
    plan = run_import(text_xlsx([UNIT_HEADER, row]), tree["province"], kind="units",
                      importer=admin)
    assert [p.message for p in plan.problems] == [message]
    assert snapshot() == before


def test_unit_names_with_a_dash_inside_are_still_accepted(db, run_import, admin, tree):
    plan = run_import(
        xlsx([UNIT_HEADER, ["XA-BANHON", "Xã Bản Hon - Tam Đường", "Xã", tree["province"].code,
                            ""]]),
        tree["province"], kind="units", importer=admin,
    )
    assert plan.problems == []
    unit = db.scalars(select(OrgUnit).where(OrgUnit.code == "XA-BANHON")).one()
    assert unit.name == "Xã Bản Hon - Tam Đường"
