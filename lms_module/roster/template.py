"""The downloadable .xlsx template of each kind of roster, with an instructions sheet."""

from __future__ import annotations

import io

from flask_babel import gettext as _

from lms_module.orgs.models import OrgKind, OrgUnit
from lms_module.roster.models import RosterKind
from lms_module.roster.student_codes import accepted_code_forms, made_codes_explained

#: Rows of a downloadable template, one example row per kind.
TEMPLATE_EXAMPLES: dict[RosterKind, list[str]] = {
    RosterKind.STUDENTS: ["012345678901", "Nguyễn Thị Hoa", "2A", "2"],
    RosterKind.STAFF: ["CB0001", "Lò Văn Minh", "Giáo viên", "minh@example.edu.vn", "0912345678",
                       "2A", "2A, 3A"],
    RosterKind.UNITS: ["TH-TAMDUONG", "Trường Tiểu học Tam Đường", "Trường", "XA-TAMDUONG",
                       "Tiểu học"],
}


def template_headers(kind: RosterKind, scope: OrgUnit) -> tuple[list[str], list[str]]:
    """Return the header row and an example row of the downloadable template."""
    headers = {
        RosterKind.STUDENTS: ["Mã định danh", "Họ và tên", "Lớp", "Khối"],
        RosterKind.STAFF: ["Mã cán bộ", "Họ và tên", "Chức vụ", "Email", "Số điện thoại",
                           "Lớp chủ nhiệm", "Lớp giảng dạy"],
        RosterKind.UNITS: ["Mã đơn vị", "Tên đơn vị", "Loại", "Đơn vị cấp trên", "Cấp học"],
    }[kind]
    example = list(TEMPLATE_EXAMPLES[kind])
    if kind is not RosterKind.UNITS and scope.kind is not OrgKind.SCHOOL:
        headers = [*headers, "Mã trường"]
        example = [*example, "MA-TRUONG"]
    return headers, example


def template_workbook(kind: RosterKind, scope: OrgUnit) -> bytes:
    """Return a ready-to-fill .xlsx with the Vietnamese headers (codes formatted as text)."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font

    from certificates.spreadsheet import inert_cells

    headers, example = template_headers(kind, scope)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = {
        RosterKind.STUDENTS: "Hoc sinh", RosterKind.STAFF: "Can bo", RosterKind.UNITS: "Don vi",
    }[kind]
    sheet.append(inert_cells(sheet, headers, font=Font(bold=True)))
    sheet.append(inert_cells(sheet, example))
    if kind is RosterKind.STUDENTS:  # shown when the pointer rests on the code's header
        sheet["A1"].comment = Comment(accepted_code_forms(), "LMS", width=360, height=160)
    for index, _header in enumerate(headers, start=1):
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = 24
        for row in range(2, 1001):  # codes and phone numbers as text: leading zeros stay
            sheet.cell(row=row, column=index).number_format = "@"
    sheet.freeze_panes = "A2"
    notes = workbook.create_sheet("Huong dan")
    for line in _template_notes(kind, scope):
        notes.append(inert_cells(notes, [line]))
    notes.column_dimensions["A"].width = 110
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def _template_notes(kind: RosterKind, scope: OrgUnit) -> list[str]:
    lines = [
        str(_("Điền mỗi người/đơn vị một dòng, bắt đầu từ dòng 2; xóa dòng ví dụ trước khi nhập.")),
        str(_("Không dùng công thức; nếu dán từ tệp khác, hãy dán giá trị.")),
    ]
    if kind is RosterKind.STUDENTS:
        lines.append(accepted_code_forms())
        lines.append(made_codes_explained())
        lines.append(str(_("Lớp: ví dụ 2A, 10A1; lớp chưa có sẽ được tạo cho năm học hiện tại. "
                           "Khối: 1-12 (có thể bỏ trống), phải thuộc cấp học của trường (tiểu "
                           "học 1-5, THCS 6-9, THPT 10-12).")))
    elif kind is RosterKind.STAFF:
        lines.append(str(_("Chức vụ: Giáo viên, Nhân viên (Bảo vệ, Kế toán, Thủ thư, Y tế...) "
                           "hoặc Cán bộ quản lý (Hiệu trưởng, Phó hiệu trưởng).")))
        lines.append(str(_("Lớp chủ nhiệm, Lớp giảng dạy (có thể bỏ trống): các lớp của năm học "
                           "hiện tại, cách nhau bằng dấu phẩy hoặc chấm phẩy, ví dụ 2A, 3A. "
                           "Nhập lại tệp sẽ thay các lớp đã ghi của giáo viên đó.")))
    else:
        lines.append(str(_("Loại: Sở, Xã/phường, Huyện cũ, Trường. Cấp học (trường): Mầm non, "
                           "Tiểu học, THCS, THPT, Liên cấp, GDTX.")))
    if kind is not RosterKind.UNITS and scope.kind is not OrgKind.SCHOOL:
        lines.append(str(_("Mã trường: mã của trường (phải thuộc %(unit)s).", unit=scope.name)))
    return lines
