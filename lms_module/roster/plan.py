"""What checking a roster file produces (problems or row changes, in a :class:`RosterPlan`), the
row checker that records problems, and the lookups every kind of roster shares."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from flask_babel import LazyString
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from certificates.inert import starts_like_formula
from lms_module.orgs.models import OrgKind, OrgUnit, SchoolLevel
from lms_module.people.models import ClassDuty, Membership, Role, User
from lms_module.people.services import normalize_text
from lms_module.roster.columns import MAX_NAME_LENGTH, columns_for
from lms_module.roster.models import RosterKind
from lms_module.roster.reading import SheetRow, Table, fold

T = TypeVar("T")

#: Columns whose value may start with "+": a phone number's country code (+84...).
_MAY_START_WITH_PLUS = frozenset({"phone"})


@dataclass
class Problem:
    """Something to fix in the file: where (row as the spreadsheet shows it, column), what, how."""

    message: str
    fix: str = ""
    row: int | None = None
    column: str | None = None


@dataclass(slots=True)
class RowChange:
    """What confirming will do to one row's person or unit."""

    row: int
    code: str
    name: str
    place: str
    status: str  # "new", "updated" or "unchanged"
    changes: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _StudentOp:
    row: int
    code: str
    name: str
    school: OrgUnit
    class_key: tuple[int, str]
    user: User | None
    username: str
    #: The school whose namespace holds ``code``; ``None`` for a national code.
    code_school: OrgUnit | None = None
    #: The matched child gets ``code`` (a child first imported without codes).
    recode: bool = False


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
    #: The classes of each duty the file gives (a duty whose column is absent: not there).
    duties: dict[ClassDuty, list[OrgUnit]] = field(default_factory=dict)


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
    #: Rows whose code the system makes, the file having no code column.
    made_codes: int = 0
    #: Children told apart only by their row order: same name in the same class, no code.
    namesakes: list[str] = field(default_factory=list)
    _classes: dict[tuple[int, str], OrgUnit | _NewClass] = field(default_factory=dict)
    _students: list[_StudentOp] = field(default_factory=list)
    _staff: list[_StaffOp] = field(default_factory=list)
    _units: list[_UnitOp] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Tell whether the file can be imported as it is."""
        return not self.problems and bool(self.changes)

    @property
    def problem_total(self) -> int:
        """How many problems the file has (the page lists the first ones)."""
        return len(self.problems)

    def count(self, status: str) -> int:
        """Return how many rows are new, updated or unchanged."""
        return sum(1 for change in self.changes if change.status == status)

    @property
    def counts(self) -> dict[str, int]:
        """Rows by status, as recorded in the audit trail."""
        return {status: self.count(status) for status in ("new", "updated", "unchanged")}


# ---------------------------------------------------------------------------- checking rows


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
        """Refuse formulas, and text a spreadsheet would run as one once exported again.

        Names, codes and class names end up in the reports offices open in Excel, so a cell
        starting with = + - @ is refused here, whatever its column (a phone's "+84" excepted).
        """
        clean = True
        for key, cell in row.cells.items():
            if not cell.formula and starts_like_formula(cell.text) and not (
                key in _MAY_START_WITH_PLUS and cell.text.startswith("+")
            ):
                self.add(
                    row,
                    key,
                    _("Ô %(cell)s bắt đầu bằng “%(char)s”: Excel sẽ hiểu nội dung ô là công thức.",
                      cell=cell.ref, char=cell.text[:1]),
                    _("Tên, mã và tên lớp không được bắt đầu bằng dấu = + - @. Hãy xóa dấu này "
                      "ở đầu ô."),
                )
                clean = False
            if cell.formula:
                self.add(
                    row,
                    key,
                    _("Ô %(cell)s chứa công thức, hãy dán giá trị.", cell=cell.ref),
                    _("Trong Excel: sao chép cột, rồi Dán đặc biệt > Chỉ dán giá trị."),
                )
                clean = False
        return clean

    def required(self, row: SheetRow, key: str, what: str | LazyString) -> str | None:
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


#: Names that need no further check: words of letters (with digits, for units and classes).
_PLAIN_NAME = re.compile(r"[^\W\d_]+(?: [^\W\d_]+)*")
_PLAIN_UNIT_NAME = re.compile(r"[^\W_]+(?: [^\W_]+)*")


def name_problem(name: str, *, allow_digits: bool) -> tuple[str, str] | None:
    """Return what is wrong with a name (and how to fix it), or ``None`` if it is fine."""
    plain = _PLAIN_UNIT_NAME if allow_digits else _PLAIN_NAME
    if len(name) <= MAX_NAME_LENGTH and plain.fullmatch(name) and (
        allow_digits or not any(map(str.isdigit, name))  # "²" is a word character, not \d
    ):
        return None  # the usual name: letters and single spaces (a province has 200,000)
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
    if starts_like_formula(name):
        return (
            _("Tên “%(name)s” bắt đầu bằng “%(char)s”: Excel sẽ hiểu tên này là công thức.",
              name=name, char=name.lstrip(" ")[:1]),
            _("Hãy xóa dấu này ở đầu tên."),
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


# ---------------------------------------------------------------------------------- lookups


def _chunks(values: Sequence[T], size: int = 5000) -> Iterable[Sequence[T]]:
    """Cut ``values`` for IN lists (a province: 200,000 codes in 40 queries, not 400)."""
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
