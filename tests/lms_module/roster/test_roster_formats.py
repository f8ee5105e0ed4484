"""Roster files as schools really have them: Excel with titles and footers, CSV of any kind."""

from __future__ import annotations

from roster_files import STUDENT_HEADER, csv_text, students, to_cp1258, utf16_tsv, xlsx
from sqlalchemy import select

from lms_module.orgs.models import OrgKind, OrgUnit
from lms_module.people.models import Membership, User

HOA = ["1", "012345678901", "Nguyễn Thị Hoa", "2A"]
LAN = ["2", "012345678902", "Lò Thị Lan", "2A"]


def names(db) -> list[str]:
    codes = ["012345678901", "012345678902"]
    return list(db.scalars(select(User.full_name).where(User.student_code.in_(codes))
                           .order_by(User.student_code)))


def test_excel_with_title_rows_and_a_signature_footer_imports_only_the_table(
    db, run_import, tree
):
    data = xlsx(
        [STUDENT_HEADER, HOA, LAN],
        above=[["SỞ GD-ĐT LAI CHÂU"], ["TRƯỜNG TIỂU HỌC TAM ĐƯỜNG"], [],
               ["DANH SÁCH HỌC SINH NĂM HỌC 2026-2027"], []],
        below=[[], ["", "Tổng số: 2 học sinh"], ["", "", "Người lập biểu", "Hiệu trưởng"],
               [], ["", "", "Lò Văn Minh", "Đỗ Thị Thanh"]],
    )
    plan = run_import(data, tree["school"])
    assert plan.problems == []
    assert plan.header_row == 6
    assert [change.row for change in plan.changes] == [7, 8]
    assert names(db) == ["Nguyễn Thị Hoa", "Lò Thị Lan"]


def test_utf8_csv_without_bom(db, run_import, tree):
    plan = run_import(csv_text([STUDENT_HEADER, HOA, LAN]).encode(), tree["school"],
                      filename="ds.csv")
    assert plan.counts == {"new": 2, "updated": 0, "unchanged": 0}
    assert names(db) == ["Nguyễn Thị Hoa", "Lò Thị Lan"]


def test_utf8_csv_with_bom_as_excel_saves_it(db, run_import, tree):
    data = b"\xef\xbb\xbf" + csv_text([STUDENT_HEADER, HOA, LAN]).encode()
    run_import(data, tree["school"], filename="ds.csv")
    assert names(db) == ["Nguyễn Thị Hoa", "Lò Thị Lan"]


def test_windows_1258_csv_is_stored_as_composed_unicode(db, run_import, tree):
    data = to_cp1258(csv_text([STUDENT_HEADER, HOA, LAN]))
    assert "Nguyễn".encode() not in data  # really legacy bytes, tones as combining marks
    run_import(data, tree["school"], filename="ds.csv")
    assert names(db) == ["Nguyễn Thị Hoa", "Lò Thị Lan"]


def test_excel_unicode_text_utf16_tab_separated(db, run_import, tree):
    run_import(utf16_tsv([STUDENT_HEADER, HOA, LAN]), tree["school"], filename="ds.txt")
    assert names(db) == ["Nguyễn Thị Hoa", "Lò Thị Lan"]


def test_semicolon_csv_from_a_european_locale_excel(db, run_import, tree):
    data = ("sep=;\r\n" + csv_text([STUDENT_HEADER, HOA, LAN], ";")).encode()
    run_import(data, tree["school"], filename="ds.csv")
    assert names(db) == ["Nguyễn Thị Hoa", "Lò Thị Lan"]


def test_headers_without_accents_in_any_case_with_extra_spaces_are_recognised(
    db, run_import, tree
):
    header = ["  MA HOC SINH ", "ho  va ten", "LOP", "khoi"]
    plan = run_import(csv_text([header, [*HOA[1:], "2"]]).encode(), tree["school"])
    assert plan.problems == []
    assert names(db) == ["Nguyễn Thị Hoa"]


def test_english_headers_are_accepted(db, run_import, tree):
    plan = run_import(csv_text([["Student ID", "Full name", "Class"], HOA[1:]]).encode(),
                      tree["school"])
    assert plan.problems == []


def test_family_and_given_name_in_two_columns_make_the_full_name(db, run_import, tree):
    rows = [["Mã HS", "Họ đệm", "Tên", "Lớp"], ["012345678901", "Nguyễn Thị", "Hoa", "2A"]]
    run_import(csv_text(rows).encode(), tree["school"])
    assert names(db) == ["Nguyễn Thị Hoa"]


def test_blank_rows_inside_the_table_are_skipped_and_rows_keep_their_sheet_numbers(
    run_import, tree
):
    plan = run_import(xlsx([STUDENT_HEADER, HOA, [], ["3"], LAN]), tree["school"])
    assert plan.problems == []
    assert [change.row for change in plan.changes] == [2, 5]


def test_code_stored_as_a_number_with_a_zero_format_keeps_its_leading_zero(
    db, run_import, tree
):
    data = xlsx([STUDENT_HEADER, [1, 12345678901, "Nguyễn Thị Hoa", "2A"]],
                number_formats={"B2": "000000000000"})
    run_import(data, tree["school"])
    assert names(db) == ["Nguyễn Thị Hoa"]


def test_missing_classes_of_the_school_are_created_for_the_school_year(db, run_import, tree):
    rows = [STUDENT_HEADER, *students(3, class_name="5a1"), *students(2, start=4,
                                                                        class_name="2a")]
    plan = run_import(xlsx(rows), tree["school"])
    assert plan.new_classes == ["5A1 (Trường Tiểu học Tam Đường)"]
    created = db.scalars(select(OrgUnit).where(OrgUnit.name == "5A1")).one()
    assert (created.kind, created.grade, created.school_year) == (OrgKind.CLASS, 5, "2026-2027")
    assert created.parent_id == tree["school"].id
    in_2a = db.scalars(select(Membership).where(Membership.org_unit_id == tree["class"].id))
    assert len(list(in_2a)) == 2  # "2a" is the existing class 2A
