"""The columns of each kind of roster file (with the other names people give them) and the
limits on their values."""

from __future__ import annotations

from lms_module.orgs.models import OrgKind, OrgUnit
from lms_module.roster.models import RosterKind
from lms_module.roster.reading import Column

MAX_NAME_LENGTH = 200
#: Lengths of the national codes, matched in the whole system: the sector database's student
#: code (10 digits) and a citizen-ID-length code (12 digits).
NATIONAL_STUDENT_CODE_LENGTHS = (10, 12)
#: Longest student code a school may make up (letters, digits, "-", "_"): the column's size.
MAX_STUDENT_CODE_LENGTH = 20
MAX_STAFF_CODE_LENGTH = 20
MAX_UNIT_CODE_LENGTH = 40

_SCHOOL_CODE = Column("school_code", "Mã trường", ("Mã đơn vị trường", "School code"))
_FAMILY_NAME = Column(
    "family_name",
    "Họ đệm",
    ("Họ", "Họ và đệm", "Họ và tên đệm", "Họ tên đệm", "Họ, tên đệm", "Last name"),
)
_GIVEN_NAME = Column("given_name", "Tên", ("First name", "Given name"))

STUDENT_COLUMNS = (
    Column(
        "student_code",
        "Mã định danh",
        ("Mã học sinh", "Mã HS", "Mã định danh học sinh", "Mã ĐD", "Mã định danh Bộ GD",
         "Mã định danh Bộ GD&ĐT", "Student code", "Student ID"),
        # Optional: a list without codes gets codes the system makes (student_codes.py).
        header_hint=True,
    ),
    Column(
        "full_name",
        "Họ và tên",
        ("Họ tên", "Họ và tên học sinh", "Họ tên học sinh", "Tên học sinh", "Full name", "Name"),
        required=True,
        replaced_by=("family_name", "given_name"),
    ),
    _FAMILY_NAME,
    _GIVEN_NAME,
    Column("class_name", "Lớp", ("Tên lớp", "Lớp học", "Class"), required=True),
    Column("grade", "Khối", ("Khối lớp", "Grade")),
    _SCHOOL_CODE,
)

STAFF_COLUMNS = (
    Column(
        "staff_code",
        "Mã cán bộ",
        ("Mã CB", "Mã CBGV", "Mã giáo viên", "Mã GV", "Mã nhân viên", "Mã NV", "Mã định danh",
         "Mã định danh cán bộ", "Staff code", "Staff ID", "Employee ID"),
        required=True,
    ),
    Column(
        "full_name",
        "Họ và tên",
        ("Họ tên", "Họ và tên cán bộ", "Họ tên cán bộ", "Full name", "Name"),
        required=True,
        replaced_by=("family_name", "given_name"),
    ),
    _FAMILY_NAME,
    _GIVEN_NAME,
    Column(
        "role",
        "Chức vụ",
        ("Vị trí việc làm", "Chức danh", "Vai trò", "Vị trí", "Role", "Position", "Job title"),
        required=True,
    ),
    Column("email", "Email", ("E-mail", "Thư điện tử", "Địa chỉ email")),
    Column(
        "phone",
        "Số điện thoại",
        ("Điện thoại", "SĐT", "Số ĐT", "ĐT", "Di động", "Phone", "Phone number", "Mobile"),
    ),
    # A teacher's classes this school year (several: separated by commas or semicolons).
    Column(
        "homeroom_classes",
        "Lớp chủ nhiệm",
        ("Chủ nhiệm", "Chủ nhiệm lớp", "GVCN", "GVCN lớp", "Lớp CN", "Homeroom",
         "Homeroom class"),
    ),
    Column(
        "taught_classes",
        "Lớp giảng dạy",
        ("Lớp dạy", "Các lớp dạy", "Các lớp giảng dạy", "Dạy lớp", "Lớp được phân công dạy",
         "Classes taught", "Teaching classes"),
    ),
    _SCHOOL_CODE,
)

UNIT_COLUMNS = (
    Column("code", "Mã đơn vị", ("Mã", "Mã ĐV", "Unit code", "Code"), required=True),
    Column("name", "Tên đơn vị", ("Tên", "Tên trường", "Unit name", "Name"), required=True),
    Column("kind", "Loại", ("Loại đơn vị", "Cấp đơn vị", "Kind", "Type"), required=True),
    Column(
        "parent_code",
        "Đơn vị cấp trên",
        ("Mã đơn vị cấp trên", "Mã cấp trên", "Cấp trên", "Đơn vị chủ quản", "Parent",
         "Parent code"),
        required=True,
    ),
    Column("school_level", "Cấp học", ("Bậc học", "School level", "Level")),
)

KEY_COLUMNS = {
    RosterKind.STUDENTS: "student_code",
    RosterKind.STAFF: "staff_code",
    RosterKind.UNITS: "code",
}


def columns_for(kind: RosterKind, scope: OrgUnit) -> tuple[Column, ...]:
    """Return the columns of a roster kind; above a school, people files name their school."""
    if kind is RosterKind.UNITS:
        return UNIT_COLUMNS
    columns = STUDENT_COLUMNS if kind is RosterKind.STUDENTS else STAFF_COLUMNS
    if scope.kind is OrgKind.SCHOOL:
        return columns
    return tuple(
        Column(c.key, c.label, c.other_names, required=True) if c.key == "school_code" else c
        for c in columns
    )
