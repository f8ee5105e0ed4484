"""The in-service (BDTX) workbook: a school's periods (tiết) earned from certificates and staff
trainings held in person, as .xlsx."""

from __future__ import annotations

from collections.abc import Sequence

from certificates.spreadsheet import table_to_xlsx
from lms_module.certification.statuses import EarnedPeriods, InServiceRecord
from lms_module.people.models import Role

#: How the workbook names the roles whose periods it counts.
ROLE_NAMES = {Role.TEACHER: "Giáo viên", Role.SCHOOL_MANAGER: "Cán bộ quản lý"}


def in_service_workbook(
    school_name: str, school_year: str, required: int, records: Sequence[InServiceRecord]
) -> bytes:
    """Return the BDTX workbook: Vietnamese headers, one row per teacher or manager."""
    headers = [
        "STT", "Họ và tên", "Mã cán bộ", "Vai trò", "Số tiết đã đạt",
        "Yêu cầu (tiết/năm)", "Còn thiếu (tiết)",
        "Khóa học đã hoàn thành (trực tuyến, hoặc tập huấn trực tiếp: ngày, địa điểm)",
    ]
    rows = (
        [
            index,
            record.full_name,
            record.staff_code or "",
            ", ".join(ROLE_NAMES[r] for r in sorted(record.roles) if r in ROLE_NAMES),
            record.periods,
            required,
            max(required - record.periods, 0),
            "; ".join(_earned_text(item) for item in record.courses),
        ]
        for index, record in enumerate(records, start=1)
    )
    return table_to_xlsx(
        "BDTX",
        headers,
        rows,
        preamble=[
            school_name.upper(),
            f"Số tiết bồi dưỡng thường xuyên đạt được qua các khóa học, năm học {school_year}",
            f"Yêu cầu: {required} tiết/năm. Số tiết lấy từ giấy chứng nhận hoàn thành khóa học "
            "trên hệ thống Trường học an toàn (chưa thu hồi) và từ các buổi tập huấn trực tiếp "
            "đã ghi; đây không phải chứng nhận BDTX.",
        ],
        widths=[6, 28, 16, 16, 14, 16, 14, 80],
    )


def _earned_text(item: EarnedPeriods) -> str:
    """One counted training: "Title (10 tiết, trực tuyến, số 00001/2026/CN-X, 02/10/2026)" or
    "Title (8 tiết, tập huấn trực tiếp ngày 20/11/2026 tại Hội trường, số ...)"."""
    if item.in_person:
        source = f"tập huấn trực tiếp ngày {item.day:%d/%m/%Y} tại {item.place}"
        serial = f", số {item.serial}" if item.serial else ", không cấp giấy chứng nhận"
        return f"{item.title} ({item.periods} tiết, {source}{serial})"
    return f"{item.title} ({item.periods} tiết, trực tuyến, số {item.serial}, {item.day:%d/%m/%Y})"
