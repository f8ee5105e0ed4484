"""Check a roster file against the database, preview its changes, apply them all at once."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from flask_babel import gettext as _
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from lms_module.audit.services import record_event
from lms_module.auth.access import user_can
from lms_module.db import utcnow
from lms_module.errors import AccessDeniedError, LMSError
from lms_module.orgs.models import OrgKind, OrgUnit, SchoolLevel
from lms_module.orgs.services import ALLOWED_PARENTS, create_unit, subtree
from lms_module.people.labels import KIND_LABELS, LEVEL_LABELS, ROLE_LABELS
from lms_module.people.models import Membership, Role, User
from lms_module.people.services import add_membership, create_user, normalize_text
from lms_module.roster.models import RosterKind, RosterUpload, UploadStatus
from lms_module.roster.reading import Column, RosterFileError, SheetRow, Table, fold, read_table

T = TypeVar("T")

MAX_NAME_LENGTH = 200
MAX_STUDENT_CODE_DIGITS = 12
MAX_STAFF_CODE_LENGTH = 20
MAX_UNIT_CODE_LENGTH = 40
#: Uploads never confirmed are erased after this long (they hold children's names).
PENDING_UPLOAD_LIFETIME = dt.timedelta(hours=24)

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
        required=True,
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

#: Rows of a downloadable template, one example row per kind.
TEMPLATE_EXAMPLES: dict[RosterKind, list[str]] = {
    RosterKind.STUDENTS: ["012345678901", "Nguyễn Thị Hoa", "2A", "2"],
    RosterKind.STAFF: ["CB0001", "Lò Văn Minh", "Giáo viên", "minh@example.edu.vn", "0912345678"],
    RosterKind.UNITS: ["TH-TAMDUONG", "Trường Tiểu học Tam Đường", "Trường", "XA-TAMDUONG",
                       "Tiểu học"],
}


class InvalidRosterScopeError(LMSError):
    """A roster imported at a unit that cannot hold it (e.g. a class)."""


class NoSuchUploadError(LMSError):
    """An upload that does not exist, is not the user's, or was already used."""

    status_code = 404


@dataclass
class Problem:
    """Something to fix in the file: where (row as the spreadsheet shows it, column), what, how."""

    message: str
    fix: str = ""
    row: int | None = None
    column: str | None = None


@dataclass
class RowChange:
    """What confirming will do to one row's person or unit."""

    row: int
    code: str
    name: str
    place: str
    status: str  # "new", "updated" or "unchanged"
    changes: list[str] = field(default_factory=list)


@dataclass
class _StudentOp:
    row: int
    code: str
    name: str
    school: OrgUnit
    class_key: tuple[int, str]
    user: User | None
    username: str


@dataclass
class _StaffOp:
    row: int
    code: str
    name: str
    role: Role
    email: str | None
    phone: str | None
    school: OrgUnit
    user: User | None
    username: str


@dataclass
class _UnitOp:
    row: int
    code: str
    name: str
    kind: OrgKind
    parent_code: str
    level: SchoolLevel | None
    unit: OrgUnit | None
    move: bool = False


@dataclass
class _NewClass:
    school: OrgUnit
    name: str
    grade: int
    row: int


@dataclass
class RosterPlan:
    """The outcome of reading and checking a roster: problems, or the changes to apply."""

    kind: RosterKind
    scope: OrgUnit
    school_year: str
    problems: list[Problem] = field(default_factory=list)
    changes: list[RowChange] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)
    header_row: int | None = None
    new_classes: list[str] = field(default_factory=list)
    _classes: dict[tuple[int, str], OrgUnit | _NewClass] = field(default_factory=dict)
    _students: list[_StudentOp] = field(default_factory=list)
    _staff: list[_StaffOp] = field(default_factory=list)
    _units: list[_UnitOp] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Tell whether the file can be imported as it is."""
        return not self.problems and bool(self.changes)

    def count(self, status: str) -> int:
        """Return how many rows are new, updated or unchanged."""
        return sum(1 for change in self.changes if change.status == status)

    @property
    def counts(self) -> dict[str, int]:
        """Rows by status, as recorded in the audit trail."""
        return {status: self.count(status) for status in ("new", "updated", "unchanged")}


# ---------------------------------------------------------------------------------- columns


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


def template_headers(kind: RosterKind, scope: OrgUnit) -> tuple[list[str], list[str]]:
    """Return the header row and an example row of the downloadable template."""
    headers = {
        RosterKind.STUDENTS: ["Mã định danh", "Họ và tên", "Lớp", "Khối"],
        RosterKind.STAFF: ["Mã cán bộ", "Họ và tên", "Chức vụ", "Email", "Số điện thoại"],
        RosterKind.UNITS: ["Mã đơn vị", "Tên đơn vị", "Loại", "Đơn vị cấp trên", "Cấp học"],
    }[kind]
    example = list(TEMPLATE_EXAMPLES[kind])
    if kind is not RosterKind.UNITS and scope.kind is not OrgKind.SCHOOL:
        headers = [*headers, "Mã trường"]
        example = [*example, "MA-TRUONG"]
    return headers, example


# ---------------------------------------------------------------------------------- planning


def plan_roster(
    session: Session,
    *,
    data: bytes,
    filename: str,
    kind: RosterKind,
    scope: OrgUnit,
    importer: User | None,
    school_year: str,
    max_bytes: int,
    max_rows: int,
) -> RosterPlan:
    """Read a roster file and work out every change, writing nothing.

    :param scope: the org unit the import is made for; every row must fall inside it.
    :param importer: the signed-in user (``None`` for the command line, which is trusted).
    :param school_year: the year new memberships and classes belong to, e.g. "2026-2027".
    """
    if scope.kind is OrgKind.CLASS:
        raise InvalidRosterScopeError(
            _("Hãy nhập danh sách ở trang của trường, không phải ở trang của một lớp.")
        )
    if (
        kind is RosterKind.UNITS
        and importer is not None
        and not user_can(session, importer, (Role.ADMIN,), scope)
    ):
        raise AccessDeniedError(_("Chỉ quản trị viên mới được nhập danh sách đơn vị."))
    plan = RosterPlan(kind=kind, scope=scope, school_year=school_year)
    columns = columns_for(kind, scope)
    try:
        table = read_table(
            data, filename, columns, max_bytes=max_bytes, max_rows=max_rows,
            key_column=KEY_COLUMNS[kind],
        )
    except RosterFileError as error:
        plan.problems.append(Problem(error.message))
        return plan
    plan.columns = table.columns
    plan.header_row = table.header_row
    checker = _RowChecker(plan, table)
    rows = [row for row in table.rows if checker.no_formulas(row)]
    if kind is RosterKind.STUDENTS:
        _plan_students(session, plan, checker, rows)
    elif kind is RosterKind.STAFF:
        _plan_staff(session, plan, checker, rows)
    else:
        _plan_units(session, plan, checker, rows)
    plan.problems.sort(key=lambda p: (p.row or 0, p.column or ""))
    if plan.problems:
        plan.changes = []
    return plan


class _RowChecker:
    """Record problems against a row's cells, naming the column as the file names it."""

    def __init__(self, plan: RosterPlan, table: Table) -> None:
        self.plan = plan
        self.table = table

    def column_name(self, key: str) -> str:
        label = self.table.columns.get(key) or next(
            (c.label for c in columns_for(self.plan.kind, self.plan.scope) if c.key == key), key
        )
        letter = self.table.letters.get(key)
        return f"{label} ({letter})" if letter else label

    def add(self, row: SheetRow, key: str, message: str, fix: str = "") -> None:
        self.plan.problems.append(Problem(message, fix, row.number, self.column_name(key)))

    def no_formulas(self, row: SheetRow) -> bool:
        clean = True
        for key, cell in row.cells.items():
            if cell.formula:
                self.add(
                    row,
                    key,
                    _("Ô %(cell)s chứa công thức, hãy dán giá trị.", cell=cell.ref),
                    _("Trong Excel: sao chép cột, rồi Dán đặc biệt > Chỉ dán giá trị."),
                )
                clean = False
        return clean

    def required(self, row: SheetRow, key: str, what: str) -> str | None:
        text = row.text(key)
        if not text:
            self.add(
                row,
                key,
                _("Thiếu %(what)s.", what=what),
                _("Hãy điền ô %(cell)s.", cell=f"{self.table.letters.get(key, '')}{row.number}"),
            )
            return None
        return text

    def person_name(self, row: SheetRow) -> str | None:
        if "full_name" in row.cells or "family_name" not in self.table.columns:
            text = row.text("full_name")
        else:
            text = f"{row.text('family_name')} {row.text('given_name')}".strip()
        name = normalize_text(text)
        key = "full_name" if "full_name" in self.table.columns else "given_name"
        if not name:
            self.add(row, key, _("Thiếu họ và tên."), _("Hãy điền họ và tên đầy đủ."))
            return None
        problem = name_problem(name, allow_digits=False)
        if problem:
            self.add(row, key, *problem)
            return None
        return name

    def duplicate(self, row: SheetRow, key: str, code: str, seen: dict[str, int]) -> bool:
        folded = code.casefold()
        if folded in seen:
            self.add(
                row,
                key,
                _("Mã “%(code)s” bị trùng với dòng %(row)s.", code=code, row=seen[folded]),
                _("Mỗi người chỉ ghi một dòng; hãy xóa dòng trùng hoặc sửa lại mã."),
            )
            return True
        seen[folded] = row.number
        return False

    def school(
        self, row: SheetRow, schools: dict[str, OrgUnit]
    ) -> OrgUnit | None:
        scope = self.plan.scope
        code = clean_code(row.text("school_code"))
        if scope.kind is OrgKind.SCHOOL and (not code or code.casefold() == scope.code.casefold()):
            return scope
        if not code:
            self.add(
                row,
                "school_code",
                _("Thiếu mã trường."),
                _("Danh sách nhập ở cấp %(unit)s cần ghi mã trường cho từng dòng.",
                  unit=scope.name),
            )
            return None
        school = schools.get(code.casefold())
        if school is None or school.kind is not OrgKind.SCHOOL or not inside(school, scope):
            self.add(
                row,
                "school_code",
                _("Không tìm thấy trường có mã “%(code)s” trong %(unit)s.", code=code,
                  unit=scope.name),
                _("Hãy kiểm tra lại mã trường; chỉ nhập được trường thuộc đơn vị của bạn."),
            )
            return None
        return school


def name_problem(name: str, *, allow_digits: bool) -> tuple[str, str] | None:
    """Return what is wrong with a name (and how to fix it), or ``None`` if it is fine."""
    if len(name) > MAX_NAME_LENGTH:
        return (
            _("Tên quá dài (%(length)s ký tự, tối đa %(limit)s).", length=len(name),
              limit=MAX_NAME_LENGTH),
            _("Hãy kiểm tra xem có dán nhầm nhiều ô vào một ô không."),
        )
    if any(unicodedata.category(c)[0] == "C" for c in name):
        return (
            _("Tên “%(name)s” chứa ký tự điều khiển (ký tự ẩn).", name=_visible(name)),
            _("Hãy gõ lại tên này thay vì dán từ nơi khác."),
        )
    if not allow_digits and any(c.isdigit() for c in name):
        return (
            _("Họ và tên “%(name)s” có chữ số.", name=name),
            _("Có thể cột bị lệch: hãy kiểm tra cột Họ và tên chỉ chứa tên người."),
        )
    allowed_punctuation = " '’-.()/,&" if allow_digits else " '’-."
    bad = sorted({c for c in name if not (c.isalnum() or unicodedata.combining(c))
                  and c not in allowed_punctuation})
    if bad:
        return (
            _("Tên “%(name)s” có ký tự không hợp lệ: %(chars)s", name=name, chars=" ".join(bad)),
            _("Hãy xóa các ký tự này."),
        )
    return None


def _visible(text: str) -> str:
    return "".join("�" if unicodedata.category(c)[0] == "C" else c for c in text)


def clean_code(text: str) -> str:
    """Return a code as typed without Excel's text apostrophe and stray spaces."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFC", text)).lstrip("'")


def inside(unit: OrgUnit, scope: OrgUnit) -> bool:
    """Tell whether ``unit`` is ``scope`` or under it."""
    return unit.path.startswith(scope.path)


def class_key(name: str) -> str:
    """Return the matching key of a class name: "2a", "2 A" and "Lớp 2A" are the same class."""
    return fold(name).removeprefix("lop ").replace(" ", "")


def class_display_name(name: str) -> str:
    """Return how a new class is named: short codes in capitals ("10a1" -> "10A1")."""
    name = normalize_text(name)
    name = re.sub(r"^(?i:lớp|lop)\s+", "", name)
    if re.fullmatch(r"\d{1,2}\s*[A-Za-z]{0,3}\s*\d{0,2}", name):
        return name.replace(" ", "").upper()
    return name


def grade_of_class(name: str) -> int | None:
    """Return the grade a class name starts with ("10A1" -> 10), if any."""
    match = re.match(r"\s*(?:(?i:lớp|lop)\s+)?(\d{1,2})(?!\d)", normalize_text(name))
    return int(match.group(1)) if match else None


def _chunks(values: Sequence[T], size: int = 500) -> Iterable[Sequence[T]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _users_by(session: Session, column: str, codes: Iterable[str]) -> dict[str, User]:
    """Load users by student or staff code, with memberships, in a few queries."""
    found: dict[str, User] = {}
    attribute = User.student_code if column == "student_code" else User.staff_code
    for chunk in _chunks(sorted(set(codes))):
        query = (
            select(User)
            .where(attribute.in_(chunk))
            .options(selectinload(User.memberships).selectinload(Membership.org_unit))
        )
        for user in session.scalars(query):
            code = user.student_code if column == "student_code" else user.staff_code
            if code is not None:
                found[code] = user
    return found


def _units_by_code(session: Session, codes: Iterable[str]) -> dict[str, OrgUnit]:
    wanted = sorted({code for code in codes if code})
    found: dict[str, OrgUnit] = {}
    variants = sorted({v for code in wanted for v in (code, code.upper(), code.lower())})
    for chunk in _chunks(variants):
        for unit in session.scalars(select(OrgUnit).where(OrgUnit.code.in_(chunk))):
            found[unit.code.casefold()] = unit
    return found


def _taken_usernames(session: Session, candidates: Iterable[str]) -> set[str]:
    taken: set[str] = set()
    for chunk in _chunks(sorted(set(candidates))):
        taken.update(session.scalars(select(User.username).where(User.username.in_(chunk))))
    return taken


def _free_username(base: str, taken: set[str]) -> str:
    """Return ``base`` or ``base-2``, ``base-3``... whichever nobody holds yet."""
    base = base.lower()[:70]
    candidate, number = base, 1
    while candidate in taken:
        number += 1
        candidate = f"{base}-{number}"
    taken.add(candidate)
    return candidate


def _ownership_problem(user: User, name: str, scope: OrgUnit) -> tuple[str, str] | None:
    """Refuse to take over a code held by someone outside the importer's scope."""
    active = [m for m in user.memberships if m.active]
    if any(inside(m.org_unit, scope) for m in active):
        return None
    if not active and fold(user.full_name) == fold(name):
        return None  # someone who left and comes back
    # Name neither the person nor the school: the importer may not see them.
    return (
        _("Mã “%(code)s” đã được dùng cho một người khác ở đơn vị khác.",
          code=user.student_code or user.staff_code or ""),
        _(
            "Hãy kiểm tra lại mã. Nếu người này chuyển đến từ trường khác, hãy đề nghị trường "
            "cũ kết thúc tư cách thành viên hoặc liên hệ quản trị của Sở."
        ),
    )


# ---------------------------------------------------------------------------------- students


def _plan_students(
    session: Session, plan: RosterPlan, check: _RowChecker, rows: list[SheetRow]
) -> None:
    year = plan.school_year
    codes = [clean_code(row.text("student_code")) for row in rows]
    users = _users_by(session, "student_code", codes)
    schools = _units_by_code(session, (clean_code(r.text("school_code")) for r in rows))
    existing_classes = _classes_of_year(session, plan.scope, year)
    usernames = _taken_usernames(session, [c for c in codes if c not in users])
    seen: dict[str, int] = {}
    class_rows: dict[tuple[int, str], int] = {}
    for row, code in zip(rows, codes, strict=True):
        problems_before = len(plan.problems)
        if not code:
            check.add(row, "student_code", _("Thiếu mã định danh."),
                      _("Hãy điền mã định danh (tối đa 12 chữ số) của học sinh."))
        elif not code.isdigit() or len(code) > MAX_STUDENT_CODE_DIGITS:
            check.add(
                row,
                "student_code",
                _("Mã định danh “%(code)s” không hợp lệ.", code=code),
                _("Mã định danh gồm tối đa %(digits)s chữ số, không có chữ hay dấu cách.",
                  digits=MAX_STUDENT_CODE_DIGITS),
            )
        else:
            check.duplicate(row, "student_code", code, seen)
        name = check.person_name(row)
        school = check.school(row, schools)
        class_text = check.required(row, "class_name", _("tên lớp"))
        grade = _grade(check, row)
        if school is None or class_text is None or grade is False:
            continue
        key = (school.id, class_key(class_text))
        known = existing_classes.get(key) or plan._classes.get(key)
        named_grade = grade_of_class(class_text)
        if named_grade is not None and not 1 <= named_grade <= 12:
            check.add(row, "class_name",
                      _("Lớp “%(name)s” có khối %(grade)s, ngoài khoảng 1-12.",
                        name=class_text, grade=named_grade),
                      _("Hãy sửa tên lớp."))
            continue
        expected = known.grade if known is not None else named_grade
        if grade is not None and expected is not None and grade != expected:
            check.add(
                row,
                "grade",
                _("Lớp “%(name)s” thuộc khối %(expected)s nhưng cột Khối ghi %(grade)s.",
                  name=class_text, expected=expected, grade=grade),
                _("Hãy sửa cột Khối hoặc tên lớp cho khớp."),
            )
            continue
        final_grade = expected or grade
        if known is None:
            if final_grade is None:
                check.add(
                    row,
                    "class_name",
                    _("Lớp không rõ: không xác định được khối của lớp “%(name)s”.",
                      name=class_text),
                    _("Hãy đặt tên lớp bắt đầu bằng số khối (ví dụ 2A, 10A1) hoặc thêm cột "
                      "Khối."),
                )
                continue
            new_class = _NewClass(school, class_display_name(class_text), final_grade, row.number)
            plan._classes[key] = new_class
            class_rows[key] = row.number
        elif key in existing_classes:
            plan._classes[key] = known
        if name is None or len(plan.problems) > problems_before:
            continue
        user = users.get(code)
        if user is not None:
            problem = _ownership_problem(user, name, plan.scope)
            if problem:
                check.add(row, "student_code", *problem)
                continue
        username = "" if user is not None else _free_username(code, usernames)
        op = _StudentOp(row.number, code, name, school, key, user, username)
        plan._students.append(op)
        plan.changes.append(_student_change(plan, op))
    plan.new_classes = sorted(
        {f"{c.name} ({c.school.name})" for c in plan._classes.values()
         if isinstance(c, _NewClass)}
    )


def _grade(check: _RowChecker, row: SheetRow) -> int | bool | None:
    """Return the grade column's value, ``None`` if empty, ``False`` if it is wrong."""
    text = row.text("grade")
    if not text:
        return None
    match = re.fullmatch(r"(?:(?i:khối|khoi|lớp|lop)\s*)?(\d{1,2})(?:\.0)?", text.strip())
    if match and 1 <= int(match.group(1)) <= 12:
        return int(match.group(1))
    check.add(row, "grade", _("Khối “%(grade)s” không hợp lệ.", grade=text),
              _("Khối là một số từ 1 đến 12."))
    return False


def _classes_of_year(session: Session, scope: OrgUnit, year: str) -> dict[tuple[int, str], OrgUnit]:
    classes = subtree(session, scope, kinds=(OrgKind.CLASS,))
    return {
        (unit.parent_id, class_key(unit.name)): unit
        for unit in classes
        if unit.school_year == year and unit.active and unit.parent_id is not None
    }


def _student_change(plan: RosterPlan, op: _StudentOp) -> RowChange:
    target = plan._classes[op.class_key]
    class_name = target.name
    change = RowChange(op.row, op.code, op.name, f"{class_name} · {op.school.name}", "new")
    if op.user is None:
        return change
    user = op.user
    if user.full_name != op.name:
        change.changes.append(_("Họ tên: %(old)s → %(new)s", old=user.full_name, new=op.name))
    if not user.active:
        change.changes.append(_("Mở lại tài khoản"))
    current = _year_classes(user, plan)
    if isinstance(target, _NewClass) or target.id not in {m.org_unit_id for m in current}:
        old = ", ".join(m.org_unit.name for m in current if m.org_unit_id != getattr(
            target, "id", None))
        change.changes.append(
            _("Lớp: %(old)s → %(new)s", old=old, new=class_name) if old
            else _("Vào lớp %(new)s", new=class_name)
        )
    change.status = "updated" if change.changes else "unchanged"
    return change


def _year_classes(user: User, plan: RosterPlan) -> list[Membership]:
    return [
        m for m in user.memberships
        if m.active and m.role is Role.STUDENT and m.school_year == plan.school_year
        and m.org_unit.kind is OrgKind.CLASS and inside(m.org_unit, plan.scope)
    ]


# ---------------------------------------------------------------------------------- staff

_MANAGER_WORDS = ("hieu truong", "hieu pho", "can bo quan ly", "quan ly", "giam doc",
                  "principal", "manager", "headmaster")
_TEACHER_WORDS = ("giao vien", "tong phu trach", "teacher")
_STAFF_WORDS = ("nhan vien", "bao ve", "ke toan", "thu thu", "y te", "van thu", "thu quy",
                "phuc vu", "cap duong", "nau an", "tap vu", "lao cong", "thiet bi",
                "thi nghiem", "cong nghe thong tin", "ho tro", "staff", "accountant",
                "librarian", "nurse", "guard")


def parse_role(text: str) -> Role | None:
    """Read a job title loosely ("GV", "Hiệu trưởng", "giao vien", "Bảo vệ") as a role."""
    folded = fold(text)
    words = folded.split()
    if folded in {"ht", "pht", "cbql", "ql", "bgh"} or any(w in folded for w in _MANAGER_WORDS):
        return Role.SCHOOL_MANAGER
    if (words and words[0] in {"gv", "gvcn", "gvbm", "gvtpt"}) or any(
        w in folded for w in _TEACHER_WORDS
    ):
        return Role.TEACHER
    if folded in {"nv"} or (words and words[0] == "nv") or any(
        w in folded for w in _STAFF_WORDS
    ):
        return Role.STAFF
    return None


def _plan_staff(
    session: Session, plan: RosterPlan, check: _RowChecker, rows: list[SheetRow]
) -> None:
    codes = [clean_code(row.text("staff_code")) for row in rows]
    users = _users_by(session, "staff_code", codes)
    schools = _units_by_code(session, (clean_code(r.text("school_code")) for r in rows))
    usernames = _taken_usernames(session, [c.lower() for c in codes if c not in users])
    seen: dict[str, int] = {}
    for row, code in zip(rows, codes, strict=True):
        problems_before = len(plan.problems)
        if not code:
            check.add(row, "staff_code", _("Thiếu mã cán bộ."),
                      _("Hãy điền mã cán bộ (mã định danh trên CSDL ngành)."))
        elif not re.fullmatch(r"[A-Za-z0-9._\-/]+", code) or len(code) > MAX_STAFF_CODE_LENGTH:
            check.add(
                row,
                "staff_code",
                _("Mã cán bộ “%(code)s” không hợp lệ.", code=code),
                _("Mã gồm chữ không dấu, chữ số, dấu gạch; tối đa %(limit)s ký tự.",
                  limit=MAX_STAFF_CODE_LENGTH),
            )
        else:
            check.duplicate(row, "staff_code", code, seen)
        name = check.person_name(row)
        role_text = check.required(row, "role", _("chức vụ"))
        role = parse_role(role_text) if role_text else None
        if role_text and role is None:
            check.add(
                row,
                "role",
                _("Không hiểu chức vụ “%(role)s”.", role=role_text),
                _("Hãy ghi một trong: Giáo viên (GV), Nhân viên (Bảo vệ, Kế toán, Thủ thư, Y "
                  "tế...), Cán bộ quản lý (CBQL, Hiệu trưởng, Phó hiệu trưởng)."),
            )
        email = _email(check, row)
        phone = _phone(check, row)
        school = check.school(row, schools)
        if name is None or role is None or school is None or len(plan.problems) > problems_before:
            continue
        user = users.get(code)
        if user is not None:
            problem = _ownership_problem(user, name, plan.scope)
            if problem:
                check.add(row, "staff_code", *problem)
                continue
        username = "" if user is not None else _free_username(code, usernames)
        op = _StaffOp(row.number, code, name, role, email, phone, school, user, username)
        plan._staff.append(op)
        plan.changes.append(_staff_change(plan, op))


def _email(check: _RowChecker, row: SheetRow) -> str | None:
    text = row.text("email").strip().lower()
    if not text:
        return None
    if len(text) > 200 or not re.fullmatch(r"[^@\s,;]+@[^@\s,;]+\.[a-z]{2,}", text):
        check.add(row, "email", _("Email “%(email)s” không hợp lệ.", email=text),
                  _("Hãy ghi một địa chỉ email dạng ten@truong.edu.vn, hoặc để trống."))
        return None
    return text


def _phone(check: _RowChecker, row: SheetRow) -> str | None:
    text = row.text("phone").strip()
    if not text:
        return None
    compact = re.sub(r"[\s.\-()]", "", text)
    if re.fullmatch(r"\d{9}", compact) and not compact.startswith("0"):
        compact = "0" + compact  # Excel dropped the leading zero of a number cell
    if not re.fullmatch(r"\+?\d{9,15}", compact):
        check.add(row, "phone", _("Số điện thoại “%(phone)s” không hợp lệ.", phone=text),
                  _("Hãy ghi số điện thoại gồm 10 chữ số (ví dụ 0912345678), hoặc để trống."))
        return None
    return compact


def _staff_change(plan: RosterPlan, op: _StaffOp) -> RowChange:
    place = f"{ROLE_LABELS[op.role]} · {op.school.name}"
    change = RowChange(op.row, op.code, op.name, place, "new")
    if op.user is None:
        return change
    user = op.user
    if user.full_name != op.name:
        change.changes.append(_("Họ tên: %(old)s → %(new)s", old=user.full_name, new=op.name))
    if op.email and op.email != user.email:
        change.changes.append(_("Email: %(new)s", new=op.email))
    if op.phone and op.phone != user.phone:
        change.changes.append(_("Số điện thoại: %(new)s", new=op.phone))
    if not user.active:
        change.changes.append(_("Mở lại tài khoản"))
    if not any(
        m.active and m.org_unit_id == op.school.id and m.role is op.role
        and m.school_year == plan.school_year
        for m in user.memberships
    ):
        change.changes.append(_("Thêm vai trò %(role)s", role=ROLE_LABELS[op.role]))
    change.status = "updated" if change.changes else "unchanged"
    return change


# ---------------------------------------------------------------------------------- units


def parse_kind(text: str) -> OrgKind | None:
    """Read a unit kind loosely ("Sở", "xã/phường", "huyện cũ", "Trường") as an org kind."""
    folded = fold(text)
    if folded.startswith(("lop", "class")):
        return OrgKind.CLASS
    if folded.startswith(("huyen", "quan", "thi xa", "district", "phong gd")):
        return OrgKind.LEGACY_DISTRICT
    if folded.startswith(("so", "tinh", "thanh pho", "province")):
        return OrgKind.PROVINCE
    if folded.startswith(("xa", "phuong", "dac khu", "commune", "ward")):
        return OrgKind.COMMUNE
    if folded.startswith(("truong", "school", "trung tam", "co so giao duc")):
        return OrgKind.SCHOOL
    return None


def parse_level(text: str) -> SchoolLevel | None:
    """Read a school level loosely ("Tiểu học", "THCS", "TH và THCS", "GDTX") as a level."""
    folded = fold(text)
    if not folded:
        return None
    if "lien cap" in folded:
        return SchoolLevel.MULTI_LEVEL
    if any(w in folded for w in ("gdtx", "giao duc thuong xuyen", "gdnn", "continuing")):
        return SchoolLevel.CONTINUING
    found = set()
    words = folded.replace("trung hoc co so", "thcs").replace("trung hoc pho thong", "thpt")
    words = words.replace("tieu hoc", "th").replace("mam non", "mn").replace("mau giao", "mn")
    for word in words.split():
        if word in {"mn", "th", "thcs", "thpt"}:
            found.add(word)
    for word in ("primary", "lower secondary", "upper secondary", "preschool"):
        if word in folded:
            found.add(word)
    if len(found) > 1:
        return SchoolLevel.MULTI_LEVEL
    return {
        "mn": SchoolLevel.PRESCHOOL, "preschool": SchoolLevel.PRESCHOOL,
        "th": SchoolLevel.PRIMARY, "primary": SchoolLevel.PRIMARY,
        "thcs": SchoolLevel.LOWER_SECONDARY, "lower secondary": SchoolLevel.LOWER_SECONDARY,
        "thpt": SchoolLevel.UPPER_SECONDARY, "upper secondary": SchoolLevel.UPPER_SECONDARY,
    }.get(found.pop()) if found else None


def _plan_units(
    session: Session, plan: RosterPlan, check: _RowChecker, rows: list[SheetRow]
) -> None:
    scope = plan.scope
    codes = [clean_code(row.text("code")) for row in rows]
    parents = [clean_code(row.text("parent_code")) for row in rows]
    known = _units_by_code(session, [*codes, *parents])
    seen: dict[str, int] = {}
    ops: dict[str, _UnitOp] = {}
    for row, code, parent_code in zip(rows, codes, parents, strict=True):
        problems_before = len(plan.problems)
        if not code:
            check.add(row, "code", _("Thiếu mã đơn vị."), _("Hãy điền mã đơn vị."))
        elif not re.fullmatch(r"[A-Za-z0-9._\-]+", code) or len(code) > MAX_UNIT_CODE_LENGTH:
            check.add(row, "code", _("Mã đơn vị “%(code)s” không hợp lệ.", code=code),
                      _("Mã gồm chữ không dấu, chữ số, dấu gạch; tối đa %(limit)s ký tự.",
                        limit=MAX_UNIT_CODE_LENGTH))
        else:
            check.duplicate(row, "code", code, seen)
        name = normalize_text(row.text("name"))
        if not name:
            check.add(row, "name", _("Thiếu tên đơn vị."), _("Hãy điền tên đơn vị."))
        elif problem := name_problem(name, allow_digits=True):
            check.add(row, "name", *problem)
        kind_text = check.required(row, "kind", _("loại đơn vị"))
        kind = parse_kind(kind_text) if kind_text else None
        if kind is OrgKind.CLASS:
            check.add(row, "kind", _("Không nhập lớp học bằng danh sách đơn vị."),
                      _("Lớp được tạo khi nhập danh sách học sinh của trường."))
        elif kind_text and kind is None:
            check.add(row, "kind", _("Không hiểu loại đơn vị “%(kind)s”.", kind=kind_text),
                      _("Hãy ghi một trong: Sở (tỉnh), Xã/phường, Huyện cũ, Trường."))
        level_text = row.text("school_level")
        level = parse_level(level_text)
        if kind is OrgKind.SCHOOL and level is None:
            check.add(
                row,
                "school_level",
                _("Không hiểu cấp học “%(level)s”.", level=level_text) if level_text
                else _("Thiếu cấp học của trường."),
                _("Hãy ghi một trong: Mầm non, Tiểu học, THCS, THPT, Liên cấp, GDTX."),
            )
        if not parent_code:
            check.add(row, "parent_code", _("Thiếu đơn vị cấp trên."),
                      _("Hãy ghi mã đơn vị cấp trên (ví dụ mã của Sở hoặc của xã)."))
        existing = known.get(code.casefold()) if code else None
        if existing is not None:
            if not inside(existing, scope):
                check.add(row, "code",
                          _("Mã đơn vị “%(code)s” đã thuộc một đơn vị ngoài phạm vi của bạn.",
                            code=code),
                          _("Hãy kiểm tra lại mã; mỗi đơn vị có một mã riêng."))
            elif kind is not None and existing.kind is not kind:
                check.add(row, "kind",
                          _("Đơn vị “%(code)s” đã có loại %(old)s, không đổi được thành %(new)s.",
                            code=code, old=KIND_LABELS[existing.kind], new=KIND_LABELS[kind]),
                          _("Hãy sửa lại cột Loại."))
        if len(plan.problems) > problems_before or kind is None:
            continue
        op = _UnitOp(row.number, existing.code if existing else code, name, kind, parent_code,
                     level if kind is OrgKind.SCHOOL else None, existing)
        if existing is not None:
            current_parent = existing.parent.code if existing.parent is not None else ""
            op.move = current_parent.casefold() != parent_code.casefold()
        ops[code.casefold()] = op
    by_row = {op.row: op for op in ops.values()}
    for row in rows:
        planned = by_row.get(row.number)
        if planned is None:
            continue
        problem = _parent_problem(planned, ops, known, scope)
        if problem:
            check.add(row, "parent_code", *problem)
            continue
        plan._units.append(planned)
        plan.changes.append(_unit_change(planned))


def _parent_problem(
    op: _UnitOp, ops: dict[str, _UnitOp], known: dict[str, OrgUnit], scope: OrgUnit
) -> tuple[str, str] | None:
    """Check the parent exists in scope, may hold the unit, and makes no loop."""
    parent_key = op.parent_code.casefold()
    if parent_key == op.code.casefold():
        return _("Đơn vị không thể là cấp trên của chính nó."), _("Hãy sửa mã đơn vị cấp trên.")
    in_file = ops.get(parent_key)
    in_db = known.get(parent_key)
    parent_kind = in_file.kind if in_file else in_db.kind if in_db else None
    if parent_kind is None or (in_file is None and in_db is not None and not inside(in_db, scope)):
        return (
            _("Không tìm thấy đơn vị cấp trên “%(code)s” trong %(unit)s.", code=op.parent_code,
              unit=scope.name),
            _("Hãy ghi mã của một đơn vị đã có, hoặc thêm đơn vị đó vào tệp."),
        )
    if parent_kind not in ALLOWED_PARENTS[op.kind]:
        return (
            _("%(kind)s không thể trực thuộc %(parent)s.", kind=KIND_LABELS[op.kind],
              parent=KIND_LABELS[parent_kind]),
            _("Trường thuộc xã/phường, huyện cũ hoặc Sở; xã/phường thuộc Sở hoặc huyện cũ."),
        )
    # Walk up through the file's new units to the unit already in the database.
    chain = {op.code.casefold()}
    anchor_key = parent_key
    while anchor_key in ops and ops[anchor_key].unit is None:
        if anchor_key in chain:
            return (_("Các đơn vị trong tệp làm cấp trên của nhau (vòng lặp)."),
                    _("Hãy sửa cột Đơn vị cấp trên."))
        chain.add(anchor_key)
        anchor_key = ops[anchor_key].parent_code.casefold()
    anchor = (ops[anchor_key].unit if anchor_key in ops else None) or known.get(anchor_key)
    if anchor is None or not inside(anchor, scope):
        return (
            _("Không tìm thấy đơn vị cấp trên “%(code)s” trong %(unit)s.", code=op.parent_code,
              unit=scope.name),
            _("Hãy ghi mã của một đơn vị đã có, hoặc thêm đơn vị đó vào tệp."),
        )
    unit = op.unit
    if unit is not None and op.move:
        if unit.id == scope.id:
            return (_("Không thể chuyển đơn vị đang nhập sang nơi khác."),
                    _("Hãy giữ nguyên cột Đơn vị cấp trên của dòng này."))
        if anchor_key in ops and ops[anchor_key].move:
            return (_("Không thể chuyển hai cấp đơn vị trong cùng một lần nhập."),
                    _("Hãy nhập hai lần: chuyển đơn vị cấp trên trước."))
        if inside(anchor, unit):
            return (_("Không thể chuyển đơn vị vào bên trong chính nó."),
                    _("Hãy sửa cột Đơn vị cấp trên."))
    return None


def _unit_change(op: _UnitOp) -> RowChange:
    place = f"{KIND_LABELS[op.kind]}"
    if op.level is not None:
        place += f" · {LEVEL_LABELS[op.level]}"
    change = RowChange(op.row, op.code, op.name, place, "new")
    unit = op.unit
    if unit is None:
        return change
    if unit.name != op.name:
        change.changes.append(_("Tên: %(old)s → %(new)s", old=unit.name, new=op.name))
    if op.level is not None and unit.school_level is not op.level:
        change.changes.append(_("Cấp học: %(new)s", new=LEVEL_LABELS[op.level]))
    if op.move:
        change.changes.append(_("Chuyển sang đơn vị cấp trên %(code)s", code=op.parent_code))
    change.status = "updated" if change.changes else "unchanged"
    return change


# ---------------------------------------------------------------------------------- applying


@dataclass
class ImportResult:
    """What an import did."""

    counts: dict[str, int]
    classes_created: int = 0


def apply_roster(
    session: Session,
    plan: RosterPlan,
    *,
    actor_id: int | None,
    ip: str | None = None,
    filename: str = "",
    sha256: str = "",
) -> ImportResult:
    """Write every change of a checked plan and record the import; the caller commits once.

    Raises :class:`LMSError` if the plan has problems: nothing is written then.
    """
    if not plan.ok:
        raise LMSError(_("Tệp còn lỗi, chưa nhập được. Hãy sửa các lỗi đã liệt kê rồi tải lại."))
    created = 0
    if plan.kind is RosterKind.STUDENTS:
        created = _apply_students(session, plan)
    elif plan.kind is RosterKind.STAFF:
        _apply_staff(session, plan)
    else:
        _apply_units(session, plan)
    result = ImportResult(counts=plan.counts, classes_created=created)
    record_event(
        session,
        "roster_imported",
        actor_id=actor_id,
        org_unit_id=plan.scope.id,
        ip=ip,
        kind=plan.kind.value,
        filename=filename,
        sha256=sha256,
        school_year=plan.school_year,
        classes_created=created,
        **result.counts,
    )
    session.flush()
    return result


def _apply_students(session: Session, plan: RosterPlan) -> int:
    classes: dict[tuple[int, str], OrgUnit] = {}
    created = 0
    for key, target in plan._classes.items():
        if isinstance(target, _NewClass):
            classes[key] = create_unit(
                session,
                kind=OrgKind.CLASS,
                code=_free_unit_code(session, target.school, target.name, plan.school_year),
                name=target.name,
                parent=target.school,
                grade=target.grade,
                school_year=plan.school_year,
            )
            created += 1
        else:
            classes[key] = target
    for op in plan._students:
        user = op.user
        if user is None:
            user = create_user(
                session, username=op.username, full_name=op.name, student_code=op.code
            )
        else:
            user.full_name = op.name
            user.active = True
        target_class = classes[op.class_key]
        for membership in _year_classes(user, plan) if op.user is not None else []:
            if membership.org_unit_id != target_class.id:
                membership.active = False  # kept for history: last year's class, transfers
        add_membership(session, user, target_class, Role.STUDENT, school_year=plan.school_year)
    return created


def _free_unit_code(session: Session, school: OrgUnit, name: str, year: str) -> str:
    compact = re.sub(r"[^0-9A-Za-z]+", "", fold(name).upper()) or "LOP"
    base = f"{school.code}-{year[:4]}-{compact}"[:MAX_UNIT_CODE_LENGTH - 3]
    code, number = base, 1
    while session.scalars(select(OrgUnit.id).where(OrgUnit.code == code)).first() is not None:
        number += 1
        code = f"{base}-{number}"
    return code


def _apply_staff(session: Session, plan: RosterPlan) -> None:
    for op in plan._staff:
        user = op.user
        if user is None:
            user = create_user(
                session, username=op.username, full_name=op.name, staff_code=op.code,
                email=op.email, phone=op.phone,
            )
        else:
            user.full_name = op.name
            user.active = True
            user.email = op.email or user.email
            user.phone = op.phone or user.phone
        add_membership(session, user, op.school, op.role, school_year=plan.school_year)


def _apply_units(session: Session, plan: RosterPlan) -> None:
    by_code: dict[str, OrgUnit] = {}

    def resolve(code: str) -> OrgUnit:
        key = code.casefold()
        if key not in by_code:
            found = session.scalars(select(OrgUnit).where(OrgUnit.code == code)).one_or_none()
            found = found or _units_by_code(session, [code]).get(key)
            assert found is not None  # checked while planning
            by_code[key] = found
        return by_code[key]

    pending = [op for op in plan._units if op.unit is None]
    for op in plan._units:
        if op.unit is not None:
            by_code[op.code.casefold()] = op.unit
    while pending:  # parents first; planning ruled out loops
        ready = [op for op in pending if not any(
            other.code.casefold() == op.parent_code.casefold() for other in pending)]
        for op in ready:
            by_code[op.code.casefold()] = create_unit(
                session, kind=op.kind, code=op.code, name=op.name,
                parent=resolve(op.parent_code), school_level=op.level,
            )
        pending = [op for op in pending if op not in ready]
    for op in plan._units:
        unit = op.unit
        if unit is None:
            continue
        unit.name = op.name
        if op.level is not None:
            unit.school_level = op.level
        if op.move:
            move_unit(session, unit, resolve(op.parent_code))


def move_unit(session: Session, unit: OrgUnit, new_parent: OrgUnit) -> None:
    """Hang ``unit`` (and its whole subtree) under ``new_parent``, rewriting their paths."""
    old_prefix = unit.path
    new_prefix = f"{new_parent.path}{unit.id}/"
    shift = new_parent.depth + 1 - unit.depth
    for node in subtree(session, unit):
        node.path = new_prefix + node.path[len(old_prefix):]
        node.depth += shift
    unit.parent = new_parent
    unit.parent_id = new_parent.id


# ---------------------------------------------------------------------------------- uploads


def store_upload(
    session: Session, *, uploader: User, unit: OrgUnit, kind: RosterKind, filename: str,
    data: bytes,
) -> RosterUpload:
    """Keep an uploaded file until it is confirmed (several workers: no memory state)."""
    purge_stale_uploads(session, now=utcnow())
    upload = RosterUpload(
        uploader_id=uploader.id,
        org_unit_id=unit.id,
        kind=kind,
        filename=safe_filename(filename),
        sha256=hashlib.sha256(data).hexdigest(),
        content=data,
        status=UploadStatus.PENDING,
    )
    session.add(upload)
    session.flush()
    return upload


def safe_filename(filename: str) -> str:
    """Return the file's base name, printable and at most 255 characters."""
    base = re.split(r"[\\/]", filename or "")[-1]
    base = "".join(c for c in unicodedata.normalize("NFC", base)
                   if unicodedata.category(c)[0] != "C")
    return base[-255:] or "roster"


def pending_upload(session: Session, upload_id: int, unit: OrgUnit, uploader: User) -> RosterUpload:
    """Return the user's upload waiting for confirmation at ``unit``, or raise 404."""
    upload = session.get(RosterUpload, upload_id)
    if (
        upload is None
        or upload.org_unit_id != unit.id
        or upload.uploader_id != uploader.id
        or upload.status is not UploadStatus.PENDING
    ):
        raise NoSuchUploadError(
            _("Không tìm thấy tệp đang chờ xác nhận (có thể đã nhập hoặc đã hủy). Hãy tải tệp "
              "lên lại.")
        )
    return upload


def close_upload(upload: RosterUpload, status: UploadStatus) -> None:
    """Mark an upload imported or cancelled and erase its bytes (children's personal data)."""
    upload.status = status
    upload.content = b""


def purge_stale_uploads(session: Session, *, now: dt.datetime) -> int:
    """Delete uploads left unconfirmed for longer than :data:`PENDING_UPLOAD_LIFETIME`."""
    result = session.execute(
        delete(RosterUpload).where(
            RosterUpload.status == UploadStatus.PENDING,
            RosterUpload.created_at < now - PENDING_UPLOAD_LIFETIME,
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


# ---------------------------------------------------------------------------------- template


def template_workbook(kind: RosterKind, scope: OrgUnit) -> bytes:
    """Return a ready-to-fill .xlsx with the Vietnamese headers (codes formatted as text)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    headers, example = template_headers(kind, scope)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = {
        RosterKind.STUDENTS: "Hoc sinh", RosterKind.STAFF: "Can bo", RosterKind.UNITS: "Don vi",
    }[kind]
    sheet.append(headers)
    sheet.append(example)
    for index, _header in enumerate(headers, start=1):
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = 24
        sheet.cell(row=1, column=index).font = Font(bold=True)
        for row in range(2, 1001):  # codes and phone numbers as text: leading zeros stay
            sheet.cell(row=row, column=index).number_format = "@"
    sheet.freeze_panes = "A2"
    notes = workbook.create_sheet("Huong dan")
    for line in _template_notes(kind, scope):
        notes.append([line])
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
        lines.append(str(_("Mã định danh: tối đa 12 chữ số. Lớp: ví dụ 2A, 10A1; lớp chưa có "
                           "sẽ được tạo cho năm học hiện tại. Khối: 1-12 (có thể bỏ trống).")))
    elif kind is RosterKind.STAFF:
        lines.append(str(_("Chức vụ: Giáo viên, Nhân viên (Bảo vệ, Kế toán, Thủ thư, Y tế...) "
                           "hoặc Cán bộ quản lý (Hiệu trưởng, Phó hiệu trưởng).")))
    else:
        lines.append(str(_("Loại: Sở, Xã/phường, Huyện cũ, Trường. Cấp học (trường): Mầm non, "
                           "Tiểu học, THCS, THPT, Liên cấp, GDTX.")))
    if kind is not RosterKind.UNITS and scope.kind is not OrgKind.SCHOOL:
        lines.append(str(_("Mã trường: mã của trường (phải thuộc %(unit)s).", unit=scope.name)))
    return lines
