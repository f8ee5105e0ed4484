"""Student rosters: check each row's code, name, school and class (a class must fit the school's
level; new classes are created for the school year), match each row to a child, then enrol the
children in their classes.

How a row finds its child (see :mod:`lms_module.roster.student_codes` for the codes):

1. by its code: a national code in the whole system, a school code within the row's school; a
   list without a code column gets codes made from school, school year, class, name and the
   name's occurrence in the class, so the same list imported again finds the same children;
2. otherwise, a child of the school whose code the system made, with the same name (case and
   spacing aside), not found by another row: first one already in the same class this school
   year (moved there by the year's rollover or an earlier list), else one in no class of the
   school this year whose last class was the grade below or the same grade (next year's list
   before a rollover), among several preferring the same class letter (2A → 3A); namesakes
   are taken in the order they were created, as the rows are read. A row with a real code
   gives that child its code.

Anything else is a new child.
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Enum, String, Table, bindparam, func, insert, literal, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session, selectinload

from lms_module.core.collation import text_sort_key
from lms_module.orgs.levels import school_grades
from lms_module.orgs.models import OrgKind, OrgUnit, SchoolLevel
from lms_module.orgs.services import subtree
from lms_module.people.models import Membership, Role, User
from lms_module.people.services import add_membership, normalize_text
from lms_module.roster.columns import MAX_UNIT_CODE_LENGTH
from lms_module.roster.plan import (
    RosterPlan,
    RowChange,
    _chunks,
    _free_username,
    _NewClass,
    _ownership_problem,
    _RowChecker,
    _StudentOp,
    _taken_usernames,
    _units_by_code,
    clean_code,
    inside,
    name_problem,
)
from lms_module.roster.reading import SheetRow, fold
from lms_module.roster.student_codes import (
    StudentCode,
    StudentCodeError,
    made_student_code,
    name_key,
    read_student_code,
)

#: "Thiếu %(what)s" of an empty class cell (translated only when a cell is empty).
_CLASS_NAME = _l("tên lớp")

#: How a message names a school of each level, mid-sentence.
_SCHOOL_OF_LEVEL: dict[SchoolLevel, LazyString] = {
    SchoolLevel.PRESCHOOL: _l("trường mầm non"),
    SchoolLevel.PRIMARY: _l("trường tiểu học"),
    SchoolLevel.LOWER_SECONDARY: _l("trường THCS"),
    SchoolLevel.UPPER_SECONDARY: _l("trường THPT"),
    SchoolLevel.MULTI_LEVEL: _l("trường liên cấp"),
    SchoolLevel.CONTINUING: _l("trung tâm GDTX"),
}


@functools.lru_cache(maxsize=4096)
def class_key(name: str) -> str:
    """Return the matching key of a class name: "2a", "2 A" and "Lớp 2A" are the same class."""
    return fold(name).removeprefix("lop ").replace(" ", "")


@functools.lru_cache(maxsize=4096)
def class_display_name(name: str) -> str:
    """Return how a new class is named: short codes in capitals ("10a1" -> "10A1")."""
    name = normalize_text(name)
    name = re.sub(r"^(?i:lớp|lop)\s+", "", name)
    if re.fullmatch(r"\d{1,2}\s*[A-Za-z]{0,3}\s*\d{0,2}", name):
        return name.replace(" ", "").upper()
    return name


@functools.lru_cache(maxsize=4096)
def grade_of_class(name: str) -> int | None:
    """Return the grade a class name starts with ("10A1" -> 10), if any."""
    match = re.match(r"\s*(?:(?i:lớp|lop)\s+)?(\d{1,2})(?!\d)", normalize_text(name))
    return int(match.group(1)) if match else None


@dataclass(slots=True)
class _StudentRow:
    """A row whose code, name, school and class passed the checks."""

    row: SheetRow
    code: StudentCode
    name: str
    school: OrgUnit
    class_key: tuple[int, str]
    grade: int | None


def _plan_students(
    session: Session, plan: RosterPlan, check: _RowChecker, rows: list[SheetRow]
) -> None:
    # A code column left empty from top to bottom is a list without codes.
    with_codes = any(row.text("student_code") for row in rows)
    schools = _units_by_code(session, (clean_code(r.text("school_code")) for r in rows))
    existing_classes = _classes_of_year(session, plan.scope, plan.school_year)
    seen: dict[int | None, dict[str, int]] = {}
    occurrences: dict[tuple[int, str, str], int] = {}
    checked: list[_StudentRow] = []
    for row in rows:
        problems_before = len(plan.problems)
        school = check.school(row, schools)
        code = _row_code(check, row, school, seen) if with_codes else None
        name = check.person_name(row)
        placed = _place_in_class(check, plan, row, school, existing_classes)
        if school is None or name is None or placed is None:
            continue
        if len(plan.problems) > problems_before:
            continue
        key, grade = placed
        if code is None:
            name_in_class = (school.id, key[1], name_key(name))
            occurrence = occurrences[name_in_class] = occurrences.get(name_in_class, 0) + 1
            code = StudentCode(
                made_student_code(school_id=school.id, school_year=plan.school_year,
                                  class_key=key[1], name=name, occurrence=occurrence),
                national=False,
            )
        checked.append(_StudentRow(row, code, name, school, key, grade))
    if not with_codes:
        plan.made_codes = len(checked)
        plan.namesakes = sorted({
            _("%(name)s (lớp %(class_name)s)", name=r.name,
              class_name=plan._classes[r.class_key].name)
            for r in checked if occurrences[(r.school.id, r.class_key[1], name_key(r.name))] > 1
        }, key=text_sort_key)
    _match_students(session, plan, check, checked)
    plan.new_classes = sorted(
        {f"{c.name} ({c.school.name})" for c in plan._classes.values()
         if isinstance(c, _NewClass)},
        key=text_sort_key,
    )


def _row_code(
    check: _RowChecker, row: SheetRow, school: OrgUnit | None,
    seen: dict[int | None, dict[str, int]],
) -> StudentCode | None:
    """Read a row's code; report it missing, malformed or twice in the file (per namespace)."""
    text = row.text("student_code")
    if not text:
        check.add(row, "student_code", _("Thiếu mã định danh."),
                  _("Hãy điền mã của học sinh, hoặc xóa cả cột mã để hệ thống tự tạo mã cho "
                    "cả danh sách."))
        return None
    try:
        code = read_student_code(text)
    except StudentCodeError as error:
        check.add(row, "student_code", error.message, error.fix)
        return None
    if school is None and not code.national:
        return None  # the school's problem is reported; its namespace is unknown
    namespace = None if code.national or school is None else school.id
    if check.duplicate(row, "student_code", code.value, seen.setdefault(namespace, {})):
        return None
    return code


def _place_in_class(
    check: _RowChecker, plan: RosterPlan, row: SheetRow, school: OrgUnit | None,
    existing_classes: dict[tuple[int, str], OrgUnit],
) -> tuple[tuple[int, str], int | None] | None:
    """Check a row's class and grade against its school; return the class's key and grade."""
    class_text = check.required(row, "class_name", _CLASS_NAME)
    if class_text is not None and (
        problem := name_problem(class_display_name(class_text), allow_digits=True)
    ):
        check.add(row, "class_name", *problem)
        class_text = None
    grade = _grade(check, row)
    if school is None or class_text is None or grade is False:
        return None
    key = (school.id, class_key(class_text))
    known = existing_classes.get(key) or plan._classes.get(key)
    named_grade = grade_of_class(class_text)
    if named_grade is not None and not 1 <= named_grade <= 12:
        check.add(row, "class_name",
                  _("Lớp “%(name)s” có khối %(grade)s, ngoài khoảng 1-12.",
                    name=class_text, grade=named_grade),
                  _("Hãy sửa tên lớp."))
        return None
    expected = known.grade if known is not None else named_grade
    if grade is not None and expected is not None and grade != expected:
        check.add(
            row,
            "grade",
            _("Lớp “%(name)s” thuộc khối %(expected)s nhưng cột Khối ghi %(grade)s.",
              name=class_text, expected=expected, grade=grade),
            _("Hãy sửa cột Khối hoặc tên lớp cho khớp."),
        )
        return None
    final_grade = expected or grade
    if known is None and final_grade is None:
        check.add(
            row,
            "class_name",
            _("Lớp không rõ: không xác định được khối của lớp “%(name)s”.", name=class_text),
            _("Hãy đặt tên lớp bắt đầu bằng số khối (ví dụ 2A, 10A1) hoặc thêm cột Khối."),
        )
        return None
    if final_grade is not None and (problem := _level_problem(
        school, known.name if known is not None else class_display_name(class_text), final_grade
    )):
        check.add(row, "class_name", *problem)
        return None
    if known is None:
        assert final_grade is not None
        plan._classes[key] = _NewClass(school, class_display_name(class_text), final_grade,
                                       row.number)
    elif key in existing_classes:
        plan._classes[key] = known
    return key, final_grade


def _level_problem(school: OrgUnit, class_name: str, grade: int) -> tuple[str, str] | None:
    """Refuse a class of a grade the school's level does not teach (6A in a primary school)."""
    grades = school_grades(school)
    if grade in grades or school.school_level is None:
        return None
    what = str(_SCHOOL_OF_LEVEL[school.school_level])
    if grades:
        message = _("Lớp %(name)s (khối %(grade)s) không thuộc %(school)s (khối %(first)s–"
                    "%(last)s).", name=class_name, grade=grade, school=what,
                    first=grades[0], last=grades[-1])
    else:
        message = _("Lớp %(name)s (khối %(grade)s) không thuộc %(school)s: trường không có khối "
                    "1–12.", name=class_name, grade=grade, school=what)
    return message, _(
        "Hãy kiểm tra tên lớp, cột Khối và trường của dòng này. Nếu %(school)s thật sự có khối "
        "%(grade)s, hãy đề nghị quản trị sửa cấp học của trường.",
        school=school.name, grade=grade,
    )


def _match_students(
    session: Session, plan: RosterPlan, check: _RowChecker, checked: list[_StudentRow]
) -> None:
    """Find each checked row's child (see the module's docstring) and record the change."""
    by_code = _students_by_code(session, checked)
    claimed = {user.id for user in by_code.values()}
    matches: list[tuple[_StudentRow, User | None, bool]] = []
    unmatched = [r for r in checked if (_namespace(r), r.code.value) not in by_code]
    made = _made_code_children(session, {r.school.id for r in unmatched})
    for r in checked:
        user = by_code.get((_namespace(r), r.code.value))
        recode = False
        if user is not None and r.code.national:
            problem = _ownership_problem(user, r.name, plan.scope)
            if problem:
                check.add(r.row, "student_code", *problem)
                continue
        if user is None:
            user = _same_child(r, made, claimed, plan.school_year)
            if user is not None:
                claimed.add(user.id)
                recode = not r.code.made
        matches.append((r, user, recode))
    usernames = _taken_usernames(
        session, [_username_base(r) for r, user, _recode in matches if user is None]
    )
    places: dict[tuple[int, str], str] = {}
    for r, user, recode in matches:
        username = "" if user is not None else _free_username(_username_base(r), usernames)
        code = r.code.value if user is None or recode else user.student_code or r.code.value
        op = _StudentOp(r.row.number, code, r.name, r.school, r.class_key, user, username,
                        code_school=None if r.code.national else r.school, recode=recode)
        plan._students.append(op)
        plan.changes.append(_student_change(plan, op, places))


def _namespace(r: _StudentRow) -> int | None:
    return None if r.code.national else r.school.id


def _username_base(r: _StudentRow) -> str:
    """A national code is a username of its own; a school's code is prefixed with the school's."""
    return r.code.value if r.code.national else f"{r.school.code}.{r.code.value}"


def _students_by_code(
    session: Session, rows: list[_StudentRow]
) -> dict[tuple[int | None, str], User]:
    """Load the children the rows' codes name, each code in its namespace, with memberships."""
    wanted: dict[int | None, set[str]] = {}
    for r in rows:
        wanted.setdefault(_namespace(r), set()).add(r.code.value)
    found: dict[tuple[int | None, str], User] = {}
    for namespace, codes in wanted.items():
        owner = (User.student_code_school_id.is_(None) if namespace is None
                 else User.student_code_school_id == namespace)
        for chunk in _chunks(sorted(codes)):
            query = (
                select(User)
                .where(owner, User.student_code.in_(chunk))
                .options(selectinload(User.memberships).selectinload(Membership.org_unit))
            )
            for user in session.scalars(query):
                found[(namespace, user.student_code or "")] = user
    return found


def _made_code_children(
    session: Session, school_ids: set[int]
) -> dict[tuple[int, str], list[User]]:
    """The children of these schools whose code the system made, by school and name."""
    found: dict[tuple[int, str], list[User]] = {}
    for chunk in _chunks(sorted(school_ids)):
        query = (
            select(User)
            .where(User.student_code_school_id.in_(chunk), User.student_code.like("TD%"))
            .options(selectinload(User.memberships).selectinload(Membership.org_unit))
            .order_by(User.id)
        )
        for user in session.scalars(query):
            if StudentCode(user.student_code or "", national=False).made:
                key = (user.student_code_school_id or 0, name_key(user.full_name))
                found.setdefault(key, []).append(user)
    return found


def _same_child(
    r: _StudentRow, made: dict[tuple[int, str], list[User]], claimed: set[int], year: str
) -> User | None:
    """Return the child of the school, imported without a code, whom this row names."""
    pool = [u for u in made.get((r.school.id, name_key(r.name)), []) if u.id not in claimed]

    def classes(user: User) -> list[Membership]:
        return [m for m in user.memberships if m.role is Role.STUDENT
                and m.org_unit.kind is OrgKind.CLASS and m.org_unit.parent_id == r.school.id]

    same_class = [u for u in pool if any(
        m.active and m.school_year == year and class_key(m.org_unit.name) == r.class_key[1]
        for m in classes(u))]
    if same_class:
        return same_class[0]
    if r.grade is None:
        return None
    last_classes = {}
    for user in pool:
        if any(m.active and m.school_year == year for m in classes(user)):
            continue  # placed in another class this year: another child, or a class change
        earlier = [m for m in classes(user) if (m.school_year or "") < year]
        if earlier:
            last_classes[user.id] = max(earlier, key=lambda m: (m.school_year or "", m.id))
    fits = [u for u in pool if u.id in last_classes
            and last_classes[u.id].org_unit.grade in (r.grade - 1, r.grade)]
    if len(fits) > 1:  # namesakes last year: those whose class letter carries on (2A → 3A)
        letters = r.class_key[1].lstrip("0123456789")
        fits = [u for u in fits
                if class_key(last_classes[u.id].org_unit.name).lstrip("0123456789") == letters]
    # Namesakes of one class are told apart by their order, as the list's rows are.
    return fits[0] if fits else None


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


def _student_change(
    plan: RosterPlan, op: _StudentOp, places: dict[tuple[int, str], str] | None = None
) -> RowChange:
    target = plan._classes[op.class_key]
    class_name = target.name
    place = f"{class_name} · {op.school.name}"
    if places is not None:  # one string a class, shared by its rows (a province: 200,000)
        place = places.setdefault(op.class_key, place)
    change = RowChange(op.row, op.code, op.name, place, "new")
    if op.user is None:
        return change
    user = op.user
    if op.recode:
        change.changes.append(_("Mã: %(old)s → %(new)s", old=user.student_code, new=op.code))
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


#: Rows written by one INSERT of new children (and one of their memberships).
WRITE_CHUNK = 5000
_USERS = cast(Table, User.__table__)
_MEMBERSHIPS = cast(Table, Membership.__table__)


def _apply_students(
    session: Session, plan: RosterPlan, progress: Callable[[int, int, str], None] | None = None
) -> int:
    """Create the new classes, then the children: new ones in bulk INSERTs (a province's list
    is 200,000 rows), known ones through the ORM (their classes of the year may change).

    The INSERTs go through the engine like any write, so the coverage rollup's units are
    marked (``coverage/invalidation.py``) as for the ORM's.
    """
    classes = _create_classes(session, plan)
    created = sum(1 for target in plan._classes.values() if isinstance(target, _NewClass))
    stage = _("Đang ghi vào cơ sở dữ liệu")
    total = len(plan._students)
    done = 0
    new = [op for op in plan._students if op.user is None]
    for chunk in _chunks(new, WRITE_CHUNK):
        user_ids = _insert_rows(session, _USERS, [
            {"username": op.username.strip().lower(), "full_name": normalize_text(op.name),
             "student_code": op.code,
             "student_code_school_id": op.code_school.id if op.code_school else None}
            for op in chunk
        ], "username")
        _insert_rows(session, _MEMBERSHIPS, [
            {"user_id": user_id, "org_unit_id": classes[op.class_key],
             "role": Role.STUDENT, "school_year": plan.school_year}
            for op, user_id in zip(chunk, user_ids, strict=True)
        ])
        done += len(chunk)
        if progress is not None:
            progress(done, total, stage)
    for op in plan._students:
        user = op.user
        if user is None:
            continue
        user.full_name = op.name
        user.active = True
        if op.recode:  # imported without a code before: the child keeps the list's code
            user.student_code = op.code
            user.student_code_school_id = op.code_school.id if op.code_school else None
        target_class = session.get_one(OrgUnit, classes[op.class_key])
        for membership in _year_classes(user, plan):
            if membership.org_unit_id != target_class.id:
                membership.active = False  # kept for history: last year's class, transfers
        add_membership(session, user, target_class, Role.STUDENT, school_year=plan.school_year)
        done += 1
        if progress is not None and done % WRITE_CHUNK == 0:
            progress(done, total, stage)
    return created


def _create_classes(session: Session, plan: RosterPlan) -> dict[tuple[int, str], int]:
    """Create the plan's new classes (a province's thousands in a few statements); return
    every class's id by its key."""
    ids = {key: target.id for key, target in plan._classes.items()
           if not isinstance(target, _NewClass)}
    new = [(key, target) for key, target in plan._classes.items()
           if isinstance(target, _NewClass)]
    if not new:
        return ids
    taken = _taken_unit_codes(session, plan)
    rows = []
    for _key, target in new:
        code = _free_unit_code(session, target.school, target.name, plan.school_year, taken)
        # Paths are unique: a placeholder (codes are unique too) until the id is known.
        rows.append({"kind": OrgKind.CLASS, "parent_id": target.school.id, "name": target.name,
                     "code": code, "grade": target.grade, "school_year": plan.school_year,
                     "path": f"{target.school.path}~{code}/", "depth": target.school.depth + 1})
    units = cast(Table, OrgUnit.__table__)
    for chunk in _chunks(list(zip(new, rows, strict=True)), WRITE_CHUNK):
        made = _insert_rows(session, units, [row for _new, row in chunk], "code")
        paths = []
        for ((key, target), _row), unit_id in zip(chunk, made, strict=True):
            ids[key] = unit_id
            paths.append({"unit_id": unit_id, "new_path": f"{target.school.path}{unit_id}/"})
        # The path is made of the id, as create_unit makes it.
        session.execute(
            update(units).where(units.c.id == bindparam("unit_id"))
            .values(path=bindparam("new_path")),
            paths,
        )
    return ids


def _insert_rows(
    session: Session, table: Table, rows: list[dict[str, object]], key: str | None = None
) -> list[int]:
    """INSERT ``rows`` in a few statements; with ``key`` (a unique column), return their ids in
    order. PostgreSQL: many rows a statement, ids by RETURNING; SQLite (which would insert
    row by row with RETURNING): one executemany, then the ids by ``key``."""
    if session.get_bind().dialect.name == "postgresql":
        return _insert_unnest(session, table, rows, key)
    session.execute(insert(table), rows)
    if key is None:
        return []
    keys = [row[key] for row in rows]
    found = dict(session.execute(
        select(table.c[key], table.c.id).where(table.c[key].in_(keys))).all())
    return [found[value] for value in keys]


def _insert_unnest(
    session: Session, table: Table, rows: list[dict[str, object]], key: str | None
) -> list[int]:
    """PostgreSQL: ``INSERT ... SELECT ... FROM unnest(<one array a column>)``, a short
    statement however many rows (psycopg parses a long statement's text again each time).

    The columns' Python defaults (``created_at``, ``active``...) are given once for all rows,
    as an ORM insert would give them. The coverage rollup reads the rows it marks from the
    SELECT (``coverage/invalidation.py``), as for any INSERT ... SELECT.
    """
    names = list(rows[0])
    arrays = []
    for name in names:
        values = [value.value if isinstance(value, enum.Enum) else value
                  for value in (row[name] for row in rows)]
        column_type = table.c[name].type
        array_type = ARRAY(String() if isinstance(column_type, Enum) else column_type)
        arrays.append(bindparam(f"rows_{name}", values, type_=array_type))
    source = func.unnest(*arrays).table_valued(*names).render_derived(name="source")
    defaults = []
    for column in table.c:
        if column.name in names or column.primary_key or column.default is None:
            continue
        default = cast(Any, column.default)
        value = default.arg(None) if default.is_callable else default.arg
        defaults.append(literal(value, type_=column.type).label(column.name))
    statement = insert(table).from_select(
        [*names, *(d.name for d in defaults)],
        select(*(source.c[name] for name in names), *defaults),
    )
    if key is None:
        session.execute(statement)
        return []
    found: dict[object, int] = {
        value: unit_id
        for value, unit_id in session.execute(statement.returning(table.c[key], table.c.id))
    }
    return [found[row[key]] for row in rows]


def _taken_unit_codes(session: Session, plan: RosterPlan) -> set[str]:
    """The unit codes new classes would take first that are already taken (a few queries)."""
    bases = sorted({_unit_code_base(c.school, c.name, plan.school_year)
                    for c in plan._classes.values() if isinstance(c, _NewClass)})
    taken: set[str] = set()
    for chunk in _chunks(bases):
        taken.update(session.scalars(select(OrgUnit.code).where(OrgUnit.code.in_(chunk))))
    return taken


def _unit_code_base(school: OrgUnit, name: str, year: str) -> str:
    compact = re.sub(r"[^0-9A-Za-z]+", "", fold(name).upper()) or "LOP"
    return f"{school.code}-{year[:4]}-{compact}"[:MAX_UNIT_CODE_LENGTH - 3]


def _free_unit_code(
    session: Session, school: OrgUnit, name: str, year: str, taken: set[str]
) -> str:
    """Return a free code for a new class; ``taken`` holds the codes known to be taken (the
    first choices, read in bulk) and gets the one returned."""
    base = _unit_code_base(school, name, year)
    code, number = base, 1
    while code in taken or (code != base and session.scalars(
        select(OrgUnit.id).where(OrgUnit.code == code)).first() is not None):
        number += 1
        code = f"{base}-{number}"
    taken.add(code)
    return code
