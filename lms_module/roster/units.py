"""Org unit rosters: check each row's code, name, kind, school level and parent (in scope, allowed
to hold it, no loops), then create, rename and move the units."""

from __future__ import annotations

import re

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from lms_module.orgs.models import OrgKind, OrgUnit, SchoolLevel
from lms_module.orgs.services import ALLOWED_PARENTS, create_unit, subtree
from lms_module.people.labels import KIND_LABELS, LEVEL_LABELS
from lms_module.people.services import normalize_text
from lms_module.roster.columns import MAX_UNIT_CODE_LENGTH
from lms_module.roster.plan import (
    RosterPlan,
    RowChange,
    _RowChecker,
    _UnitOp,
    _units_by_code,
    clean_code,
    inside,
    name_problem,
)
from lms_module.roster.reading import SheetRow, fold

#: A unit code: starts with a letter or digit (never like a spreadsheet formula).
_UNIT_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._\-]*")


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
        elif not _UNIT_CODE.fullmatch(code) or len(code) > MAX_UNIT_CODE_LENGTH:
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


# --------------------------------------------------------------------------------- applying


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
