"""Staff rosters: check each row's code, name, job title (read loosely as a role) and contact
details, then give the staff their role at their school."""

from __future__ import annotations

import re

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from lms_module.people.labels import ROLE_LABELS
from lms_module.people.models import Role
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
)
from lms_module.roster.reading import SheetRow, fold

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
