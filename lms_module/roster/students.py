"""Student rosters: check each row's code, name, school and class (new classes are created for
the school year), then enrol the students in their classes."""

from __future__ import annotations

import re

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from lms_module.orgs.models import OrgKind, OrgUnit
from lms_module.orgs.services import create_unit, subtree
from lms_module.people.models import Membership, Role, User
from lms_module.people.services import add_membership, create_user, normalize_text
from lms_module.roster.columns import MAX_STUDENT_CODE_DIGITS, MAX_UNIT_CODE_LENGTH
from lms_module.roster.plan import (
    RosterPlan,
    RowChange,
    _free_username,
    _NewClass,
    _ownership_problem,
    _RowChecker,
    _StudentOp,
    _taken_usernames,
    _units_by_code,
    _users_by,
    clean_code,
    inside,
    name_problem,
)
from lms_module.roster.reading import SheetRow, fold


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
        if class_text is not None and (
            problem := name_problem(class_display_name(class_text), allow_digits=True)
        ):
            check.add(row, "class_name", *problem)
            class_text = None
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


# --------------------------------------------------------------------------------- applying


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
