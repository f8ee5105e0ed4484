"""Malformed roster files: a clear Vietnamese message on the page, and nothing written."""

from __future__ import annotations

import html

import pytest
from roster_files import (
    STUDENT_HEADER,
    csv_text,
    ole2,
    plain_zip,
    students,
    xlsx,
)

from lms_module.people.models import Role

HOA = ["1", "012345678901", "Nguyễn Thị Hoa", "2A"]

CASES = {
    "empty file": (
        b"", "ds.csv",
        "Tệp trống. Hãy chọn đúng tệp danh sách (Excel .xlsx hoặc .csv) có dữ liệu.",
    ),
    "header only": (
        xlsx([STUDENT_HEADER]), "ds.xlsx",
        "Tệp chỉ có dòng tiêu đề (dòng 1), chưa có dòng dữ liệu nào. Hãy nhập danh sách bên "
        "dưới dòng tiêu đề rồi tải lên lại.",
    ),
    "class column missing": (
        xlsx([["STT", "Mã định danh", "Họ và tên", "Ngày sinh"], HOA]), "ds.xlsx",
        "Dòng tiêu đề (dòng 1) thiếu cột “Lớp”. Hãy thêm cột này với một trong các tên: "
        "“Lớp”, “Tên lớp”, “Lớp học”, “Class”.",
    ),
    "no header at all": (
        xlsx([["Danh sách"], ["a", "b", "c"]]), "ds.xlsx",
        "Không tìm thấy dòng tiêu đề của danh sách trong 15 dòng đầu. Bảng cần có các cột: "
        "“Họ và tên”, “Lớp”. Hãy tải tệp mẫu và dán dữ liệu vào đó. Nên có thêm cột “Mã định "
        "danh” (không bắt buộc).",
    ),
    "name cell empty": (
        xlsx([STUDENT_HEADER, ["1", "012345678901", "", "2A"]]), "ds.xlsx",
        "Thiếu họ và tên.",
    ),
    "duplicate code": (
        xlsx([STUDENT_HEADER, HOA, ["2", "012345678901", "Lò Thị Lan", "2A"]]), "ds.xlsx",
        "Mã “012345678901” bị trùng với dòng 2.",
    ),
    "class without a grade": (
        xlsx([STUDENT_HEADER, ["1", "012345678901", "Nguyễn Thị Hoa", "Lá 1"]]), "ds.xlsx",
        "Lớp không rõ: không xác định được khối của lớp “Lá 1”.",
    ),
    "grade out of range": (
        xlsx([[*STUDENT_HEADER, "Khối"], [*HOA, 13]]), "ds.xlsx",
        "Khối “13” không hợp lệ.",
    ),
    "grade not the class's": (
        xlsx([[*STUDENT_HEADER, "Khối"], [*HOA, 3]]), "ds.xlsx",
        "Lớp “2A” thuộc khối 2 nhưng cột Khối ghi 3.",
    ),
    "formula in a cell": (
        xlsx([STUDENT_HEADER, ["1", "012345678901", '=PROPER("nguyen thi hoa")', "2A"]]),
        "ds.xlsx",
        "Ô C2 chứa công thức, hãy dán giá trị.",
    ),
    "name too long": (
        xlsx([STUDENT_HEADER, ["1", "012345678901", "Nguyễn " * 40, "2A"]]), "ds.xlsx",
        "Tên quá dài (279 ký tự, tối đa 200).",
    ),
    "digits in a name": (
        xlsx([STUDENT_HEADER, ["1", "012345678901", "Nguyễn Thị Hoa 2A", "2A"]]), "ds.xlsx",
        "Họ và tên “Nguyễn Thị Hoa 2A” có chữ số.",
    ),
    "control character in a name": (
        csv_text([STUDENT_HEADER, ["1", "012345678901", "Nguyễn\x07 Hoa", "2A"]]).encode(),
        "ds.csv",
        "Tên “Nguyễn� Hoa” chứa ký tự điều khiển (ký tự ẩn).",
    ),
    "code in none of the accepted forms": (
        xlsx([STUDENT_HEADER, ["1", "HS/0123", "Nguyễn Thị Hoa", "2A"]]), "ds.xlsx",
        "Mã định danh “HS/0123” không hợp lệ: có ký tự không được dùng: /.",
    ),
    "undecodable bytes": (
        b"Ma HS,Ho ten,Lop\r\n0123,Nguy\x81\x8dn,2A\r\n", "ds.csv",
        "Không đọc được tiếng Việt trong tệp (bảng mã không rõ). Hãy mở tệp bằng Excel và lưu "
        "lại dưới dạng .xlsx, hoặc CSV UTF-8 (Comma delimited).",
    ),
    "pdf renamed xlsx": (
        b"%PDF-1.7\n1 0 obj <<>> endobj\n", "ds.xlsx",
        "Tệp này không phải bảng tính (có vẻ là tệp PDF được đổi tên). Hãy mở danh sách bằng "
        "Excel và lưu lại dưới dạng .xlsx hoặc .csv.",
    ),
    "png renamed xlsx": (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "ds.xlsx",
        "Tệp này không phải bảng tính (có vẻ là tệp PNG được đổi tên). Hãy mở danh sách bằng "
        "Excel và lưu lại dưới dạng .xlsx hoặc .csv.",
    ),
    "zip that is not a workbook": (
        plain_zip(), "ds.xlsx",
        "Tệp nén (zip) này không phải tệp Excel .xlsx. Hãy giải nén và chọn đúng tệp danh "
        "sách, hoặc mở bằng Excel và lưu lại dưới dạng .xlsx.",
    ),
    "old binary xls": (
        ole2("Workbook", "SummaryInformation"), "ds.xls",
        "Đây là tệp Excel đời cũ (.xls), hệ thống chưa đọc được. Hãy mở tệp bằng Excel, chọn "
        "Lưu thành (Save As) và hãy lưu lại dưới dạng .xlsx.",
    ),
    "password-protected xlsx": (
        ole2("EncryptionInfo", "EncryptedPackage"), "ds.xlsx",
        "Tệp Excel đang được đặt mật khẩu nên không đọc được. Hãy mở tệp, gỡ mật khẩu (Tệp > "
        "Thông tin > Bảo vệ sổ làm việc) rồi lưu và tải lên lại.",
    ),
    "more columns than Excel allows": (
        csv_text([STUDENT_HEADER, HOA, ["x"] * 18_279]).encode(), "ds.csv",
        "Dòng 3 của tệp CSV có 18.279 cột, nhiều hơn Excel cho phép (16.384 cột). Hãy mở tệp "
        "bằng Excel, xóa các cột thừa rồi lưu lại dưới dạng .xlsx.",
    ),
    "a cell over 128 KiB": (
        csv_text([STUDENT_HEADER, HOA, ["2", "012345678902", "Lò " * 50_000, "2A"]]).encode(),
        "ds.csv",
        "Không đọc được tệp CSV từ dòng 3: có một ô quá dài (hơn 128 KB) hoặc một dấu ngoặc "
        "kép (\") mở mà không đóng. Hãy mở tệp bằng Excel, kiểm tra dòng này rồi lưu lại dưới "
        "dạng .xlsx và tải lên lại.",
    ),
    "a quote never closed": (
        (csv_text([STUDENT_HEADER, HOA]) + '2,012345678902,"Lò Thị Lan,2A\r\n'
         + csv_text(students(5000, start=3))).encode(),
        "ds.csv",
        "Không đọc được tệp CSV từ dòng 3: có một ô quá dài (hơn 128 KB) hoặc một dấu ngoặc "
        "kép (\") mở mà không đóng.",
    ),
    "truncated xlsx": (
        xlsx([STUDENT_HEADER, HOA])[:300], "ds.xlsx",
        "Tệp Excel bị hỏng hoặc không đúng định dạng .xlsx. Hãy mở tệp bằng Excel, kiểm tra dữ "
        "liệu rồi lưu lại dưới dạng .xlsx và tải lên lại.",
    ),
}


def page_text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_malformed_file_is_explained_and_nothing_is_written(
    case, login, manager, tree, upload_file, snapshot
):
    data, filename, message = CASES[case]
    login(manager)
    before = snapshot()
    response = upload_file(tree["school"], data, filename)
    assert response.status_code == 200
    page = page_text(response)
    assert message in page
    assert 'role="alert"' in page
    assert "Xác nhận nhập" not in page
    assert snapshot() == before


def test_problem_lists_row_column_and_how_to_fix(login, manager, tree, upload_file):
    login(manager)
    data = xlsx([STUDENT_HEADER, HOA, ["2", "012345678902", "Lò Thị 3", "2A"]])
    page = page_text(upload_file(tree["school"], data, "ds.xlsx"))
    assert "<td class=\"num\">3</td>" in page
    assert "Họ và tên (C)" in page
    assert "Có thể cột bị lệch" in page


def test_one_bad_row_among_fifty_good_ones_writes_nothing(
    login, manager, tree, upload_file, snapshot
):
    login(manager)
    rows = [STUDENT_HEADER, *students(25), ["26", "0120000000#B", "Lò Thị Lan", "2A"],
            *students(25, start=27)]
    before = snapshot()
    page = page_text(upload_file(tree["school"], xlsx(rows), "ds.xlsx"))
    assert "Mã định danh “0120000000#B” không hợp lệ" in page
    assert snapshot() == before


def test_file_over_the_size_limit_is_refused(app, login, manager, tree, upload_file, snapshot):
    login(manager)
    before = snapshot()
    app.config["LMS_MAX_UPLOAD_BYTES"] = 1000
    try:
        response = upload_file(
            tree["school"], csv_text([STUDENT_HEADER, *students(60)]).encode(), "ds.csv"
        )
    finally:
        app.config["LMS_MAX_UPLOAD_BYTES"] = 5 * 1024 * 1024
    assert "Tệp quá lớn" in page_text(response)
    assert "Hãy chia danh sách thành nhiều tệp nhỏ hơn" in page_text(response)
    assert snapshot() == before


def test_file_with_too_many_rows_is_refused(app, login, manager, tree, upload_file, snapshot):
    login(manager)
    before = snapshot()
    app.config["LMS_MAX_ROSTER_ROWS"] = 10
    try:
        response = upload_file(tree["school"], xlsx([STUDENT_HEADER, *students(11)]), "ds.xlsx")
    finally:
        app.config["LMS_MAX_ROSTER_ROWS"] = 5000
    assert "Tệp có quá nhiều dòng (tối đa 10 dòng mỗi lần)." in page_text(response)
    assert snapshot() == before


def test_code_of_a_child_in_another_school_is_not_taken_over(
    login, manager, make_user, tree, upload_file, snapshot
):
    make_user(Role.STUDENT, tree["other_class"], full_name="Quàng Văn Pao",
              student_code="012345678901")
    login(manager)
    before = snapshot()
    page = page_text(upload_file(tree["school"], xlsx([STUDENT_HEADER, HOA]), "ds.xlsx"))
    assert "Mã “012345678901” đã được dùng cho một người khác ở đơn vị khác." in page
    assert "Quàng Văn Pao" not in page  # the other school's child stays private
    assert snapshot() == before


def test_staff_file_with_a_bad_email_and_an_unknown_role(
    login, manager, tree, upload_file, snapshot
):
    login(manager)
    rows = [["Mã cán bộ", "Họ và tên", "Chức vụ", "Email"],
            ["CB001", "Lò Văn Minh", "Giáo viên", "minh@@truong"],
            ["CB002", "Đỗ Thị Thanh", "Đầu bếp trưởng", ""]]
    before = snapshot()
    page = page_text(upload_file(tree["school"], xlsx(rows), "cb.xlsx", kind="staff"))
    assert "Email “minh@@truong” không hợp lệ." in page
    assert "Không hiểu chức vụ “Đầu bếp trưởng”." in page
    assert snapshot() == before


def test_a_pdf_is_refused_by_the_file_picker_rule(login, manager, tree, upload_file, snapshot):
    login(manager)
    before = snapshot()
    page = page_text(upload_file(tree["school"], b"%PDF-1.7", "ds.pdf"))
    assert "Chỉ nhận tệp Excel (.xlsx) hoặc CSV (.csv)." in page
    assert snapshot() == before
