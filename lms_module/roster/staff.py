"""Staff rosters: check each row's code, name, job title (read loosely as a role), contact
details and classes (homeroom, taught), then give the staff their role at their school and the
teachers their class duties for the school year."""

from __future__ import annotations

import re

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from lms_module.orgs.models import OrgKind, OrgUnit
from lms_module.orgs.services import subtree
from lms_module.people.duties import current_duties, replace_duties
from lms_module.people.labels import DUTY_LABELS, ROLE_LABELS
from lms_module.people.models import ClassDuty, Role
from lms_module.people.services import add_membership, create_user
from lms_module.roster.columns import MAX_STAFF_CODE_LENGTH
from lms_module.roster.plan import (
    RosterPlan,
    RowChange,
    _free_username,
    _ownership_problem,
    _RowChecker,
    _StaffOp,
    _taken_usernames,
    _units_by_code,
    _users_by,
    clean_code,
    inside,
)
from lms_module.roster.reading import SheetRow, fold
from lms_module.roster.students import class_key

#: A staff code: starts with a letter or digit (never like a spreadsheet formula).
_STAFF_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._\-/]*")
#: An e-mail address, without spaces or control characters.
_EMAIL = re.compile(r"[^@\s,;\x00-\x1f\x7f]+@[^@\s,;\x00-\x1f\x7f]+\.[a-z]{2,}")

_MANAGER_WORDS = ("hieu truong", "hieu pho", "can bo quan ly", "quan ly", "giam doc",
                  "principal", "manager", "headmaster")
_TEACHER_WORDS = ("giao vien", "tong phu trach", "teacher")
_STAFF_WORDS = ("nhan vien", "bao ve", "ke toan", "thu thu", "y te", "van thu", "thu quy",
                "phuc vu", "cap duong", "nau an", "tap vu", "lao cong", "thiet bi",
                "thi nghiem", "cong nghe thong tin", "ho tro", "staff", "accountant",
                "librarian", "nurse", "guard")

#: The column that lists a teacher's classes of each duty.
DUTY_COLUMNS = {ClassDuty.HOMEROOM: "homeroom_classes", ClassDuty.SUBJECT: "taught_classes"}
#: What separates the classes in one cell: commas, semicolons or line breaks.
_CLASS_SEPARATORS = re.compile(r"[,;\n]+")


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
    classes = _classes_of_year(session, plan.scope, plan.school_year)
    recorded = current_duties(
        session, [user.id for user in users.values()], plan.scope, plan.school_year
    )
    seen: dict[str, int] = {}
    for row, code in zip(rows, codes, strict=True):
        problems_before = len(plan.problems)
        if not code:
            check.add(row, "staff_code", _("Thiếu mã cán bộ."),
                      _("Hãy điền mã cán bộ (mã định danh trên CSDL ngành)."))
        elif not _STAFF_CODE.fullmatch(code) or len(code) > MAX_STAFF_CODE_LENGTH:
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
        duties = _duties(check, row, school, role, classes, plan.school_year)
        if name is None or role is None or school is None or len(plan.problems) > problems_before:
            continue
        user = users.get(code)
        if user is not None:
            problem = _ownership_problem(user, name, plan.scope)
            if problem:
                check.add(row, "staff_code", *problem)
                continue
        username = "" if user is not None else _free_username(code, usernames)
        op = _StaffOp(row.number, code, name, role, email, phone, school, user, username, duties)
        plan._staff.append(op)
        plan.changes.append(_staff_change(plan, op, recorded))


def _classes_of_year(
    session: Session, scope: OrgUnit, year: str
) -> dict[tuple[int, str], OrgUnit]:
    """The classes of ``year`` under ``scope``, by school and matching key ("2a")."""
    return {
        (unit.parent_id, class_key(unit.name)): unit
        for unit in subtree(session, scope, kinds=(OrgKind.CLASS,))
        if unit.school_year == year and unit.active and unit.parent_id is not None
    }


def _duties(
    check: _RowChecker,
    row: SheetRow,
    school: OrgUnit | None,
    role: Role | None,
    classes: dict[tuple[int, str], OrgUnit],
    year: str,
) -> dict[ClassDuty, list[OrgUnit]]:
    """Read the row's homeroom and taught classes (each duty whose column the file has).

    Classes are matched like the student roster matches them ("2a", "Lớp 2A" and "2 A" are
    2A), among the school's classes of the school year; an unknown class is a row error.
    """
    found: dict[ClassDuty, list[OrgUnit]] = {}
    for duty, key in DUTY_COLUMNS.items():
        if key not in check.table.columns:
            continue  # the file says nothing of this duty: what is recorded stays
        names = [n.strip() for n in _CLASS_SEPARATORS.split(row.text(key)) if n.strip()]
        if names and role is Role.STAFF:
            check.add(
                row, key,
                _("Nhân viên không có lớp chủ nhiệm hay lớp giảng dạy."),
                _("Hãy để trống ô này, hoặc sửa Chức vụ nếu người này là giáo viên."),
            )
            continue
        units: list[OrgUnit] = []
        for name in names:
            unit = classes.get((school.id, class_key(name))) if school is not None else None
            if unit is None:
                if school is not None:
                    check.add(
                        row, key,
                        _("Không có lớp “%(name)s” ở %(school)s trong năm học %(year)s.",
                          name=name, school=school.name, year=year),
                        _("Hãy ghi tên lớp như trong danh sách học sinh (ví dụ 2A, 10A1), các "
                          "lớp cách nhau bằng dấu phẩy hoặc chấm phẩy. Lớp chưa có thì hãy "
                          "nhập danh sách học sinh trước."),
                    )
                continue
            if unit not in units:
                units.append(unit)
        found[duty] = units
    return found


def _email(check: _RowChecker, row: SheetRow) -> str | None:
    text = row.text("email").strip().lower()
    if not text:
        return None
    if len(text) > 200 or not _EMAIL.fullmatch(text):
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


def _class_names(units: list[OrgUnit]) -> str:
    return ", ".join(unit.name for unit in units)


def _staff_change(
    plan: RosterPlan, op: _StaffOp, recorded: dict[tuple[int, ClassDuty], list[OrgUnit]]
) -> RowChange:
    place = f"{ROLE_LABELS[op.role]} · {op.school.name}"
    for duty, units in op.duties.items():
        if units:
            place += f" · {DUTY_LABELS[duty]} {_class_names(units)}"
    change = RowChange(op.row, op.code, op.name, place, "new")
    if op.user is None:
        return change
    user = op.user
    for duty, units in op.duties.items():
        before = [u for u in recorded.get((user.id, duty), []) if inside(u, op.school)]
        if {u.id for u in before} != {u.id for u in units}:
            change.changes.append(
                _("Lớp chủ nhiệm: %(old)s → %(new)s", old=_class_names(before) or "–",
                  new=_class_names(units) or "–") if duty is ClassDuty.HOMEROOM
                else _("Lớp giảng dạy: %(old)s → %(new)s", old=_class_names(before) or "–",
                       new=_class_names(units) or "–")
            )
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


# --------------------------------------------------------------------------------- applying


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
        for duty, classes in op.duties.items():
            # Re-importing replaces this person's duties of the year at this school.
            replace_duties(session, user, op.school, plan.school_year, duty, classes)
