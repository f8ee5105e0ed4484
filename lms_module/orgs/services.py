"""Build and query the org tree."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms_module.core.collation import text_sort_key
from lms_module.core.errors import LMSError
from lms_module.db import subtree_condition
from lms_module.orgs.models import OrgKind, OrgUnit, SchoolLevel

#: Which kinds may hang under which; THPT schools hang directly under the province.
ALLOWED_PARENTS: dict[OrgKind, tuple[OrgKind | None, ...]] = {
    OrgKind.MINISTRY: (None,),
    OrgKind.PROVINCE: (OrgKind.MINISTRY, None),
    OrgKind.LEGACY_DISTRICT: (OrgKind.PROVINCE,),
    OrgKind.COMMUNE: (OrgKind.PROVINCE, OrgKind.LEGACY_DISTRICT),
    OrgKind.SCHOOL: (OrgKind.PROVINCE, OrgKind.COMMUNE, OrgKind.LEGACY_DISTRICT),
    OrgKind.CLASS: (OrgKind.SCHOOL,),
}


class NoSuchOrgUnitError(LMSError):
    """An org unit code or id that does not exist."""

    status_code = 404


class InvalidOrgUnitError(LMSError):
    """An org unit that cannot be placed where it was asked to go."""


def create_unit(
    session: Session,
    *,
    kind: OrgKind,
    code: str,
    name: str,
    parent: OrgUnit | None = None,
    school_level: SchoolLevel | None = None,
    grade: int | None = None,
    school_year: str | None = None,
) -> OrgUnit:
    """Create an org unit under ``parent`` and give it its materialized path."""
    parent_kind = parent.kind if parent is not None else None
    if parent_kind not in ALLOWED_PARENTS[kind]:
        raise InvalidOrgUnitError(
            f"Không thể đặt đơn vị loại {kind.value} dưới {parent_kind or 'gốc cây'}."
        )
    if kind is OrgKind.CLASS and (grade is None or school_year is None):
        raise InvalidOrgUnitError("Lớp học cần có khối lớp (1-12) và năm học.")
    if kind is OrgKind.SCHOOL and school_level is None:
        raise InvalidOrgUnitError("Trường học cần có cấp học.")
    unit = OrgUnit(
        kind=kind,
        code=code,
        name=name,
        parent=parent,
        school_level=school_level,
        grade=grade,
        school_year=school_year,
    )
    session.add(unit)
    session.flush()  # the path is made of ids
    unit.path = f"{parent.path if parent else '/'}{unit.id}/"
    unit.depth = parent.depth + 1 if parent else 0
    return unit


def get_unit(session: Session, unit_id: int) -> OrgUnit:
    """Return the unit with this id or raise :class:`NoSuchOrgUnitError`."""
    unit = session.get(OrgUnit, unit_id)
    if unit is None:
        raise NoSuchOrgUnitError(f"Không tìm thấy đơn vị số {unit_id}.")
    return unit


def unit_by_code(session: Session, code: str) -> OrgUnit | None:
    """Return the unit with this official code, if any."""
    return session.scalars(select(OrgUnit).where(OrgUnit.code == code)).one_or_none()


def subtree(session: Session, unit: OrgUnit, *, kinds: Sequence[OrgKind] = ()) -> list[OrgUnit]:
    """Return the unit and everything under it (optionally only some kinds), by path."""
    query = select(OrgUnit).where(subtree_condition(OrgUnit.path, unit.path))
    if kinds:
        query = query.where(OrgUnit.kind.in_(kinds))
    return list(session.scalars(query.order_by(OrgUnit.path)))


def unit_sort_key(unit: OrgUnit) -> tuple[int, bytes, int]:
    """Return where a unit comes in a list: by grade (classes), then by name in Vietnamese
    order (:mod:`~lms_module.core.collation`: "Lớp 2A" before "Lớp 10A", "Phường Đoàn Kết"
    before "Phường Tân Phong")."""
    return (unit.grade or 0, text_sort_key(unit.name), unit.id)


def children(session: Session, unit: OrgUnit) -> list[OrgUnit]:
    """Return the direct children of a unit, in list order (:func:`unit_sort_key`)."""
    units = session.scalars(select(OrgUnit).where(OrgUnit.parent_id == unit.id))
    return sorted(units, key=unit_sort_key)


def enclosing_school(session: Session, unit: OrgUnit) -> OrgUnit | None:
    """Return the school a class belongs to (the unit itself if it is a school)."""
    if unit.kind is OrgKind.SCHOOL:
        return unit
    if unit.kind is OrgKind.CLASS and unit.parent_id is not None:
        return session.get(OrgUnit, unit.parent_id)
    return None
